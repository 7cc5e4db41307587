"""Consultation tests run on each backend, with the store's fixtures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from planner.consultation import CandidateSite, create_consultation
from planner.store import create_account
from planner.store.models import utcnow
from tests.planner.store import conftest as _store_fixtures

# The store's fixtures, registered here by name: a store on each backend.
_migrated_postgres = _store_fixtures._migrated_postgres
backend = _store_fixtures.backend
store = _store_fixtures.store

COMPUTED = datetime(2026, 11, 1, 12, tzinfo=UTC)


def square(lon: float, lat: float, side: float = 0.0002) -> dict:
    """A small square roof outline in longitude/latitude (GeoJSON Polygon)."""
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def candidate(n: int, **changes) -> CandidateSite:
    """Candidate site number ``n`` near Nantes, with plausible simulated figures."""
    base = dict(
        name=f"Toit {n}",
        geometry=square(-1.55 + n * 0.001, 47.22),
        kwp=36.0 + n,
        mwh_per_year=40.0 + n,
        households=9 + n,
        shading_loss_pct=4.5,
        computed_at=COMPUTED,
        building_id=f"bdg-{n}",
    )
    return CandidateSite(**{**base, **changes})


@pytest.fixture
def organisers(store):
    """A cooperative and a city, each with its organisation, and a rival cooperative."""
    return {
        "coop": create_account(store, "coop@example.org", "cooperative", organisation="Enercoop"),
        "city": create_account(store, "city@example.org", "city", organisation="Nantes"),
        "rival": create_account(store, "rival@example.org", "cooperative", organisation="Rival"),
    }


def residents(store, count: int, prefix: str = "r") -> list:
    """``count`` resident accounts (no password: nothing to hash)."""
    return [create_account(store, f"{prefix}{n}@example.org", "resident") for n in range(count)]


def open_consultation(store, organiser, sites: int = 3, *, secret: bool = False, days: int = 30):
    """A consultation that opened a day ago and closes in ``days`` days."""
    now = utcnow()
    return create_consultation(
        store,
        organiser.id,
        "Où poser les panneaux ?",
        "Trois toits candidats.",
        now - timedelta(days=1),
        now + timedelta(days=days),
        [candidate(n) for n in range(1, sites + 1)],
        secret=secret,
    )
