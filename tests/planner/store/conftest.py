"""A store on each backend: SQLite always, PostgreSQL when the test URL names one."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect, text

from planner.store import (
    ConsentTerms,
    StoreConfig,
    create_account,
    create_project,
    new_key,
    open_store,
    upgrade,
)

POSTGRES_ENV = "QUARTIER_SOLAIRE_TEST_POSTGRES_URL"
# Cheap argon2 and a short throttle: the tests check behaviour, not hashing cost.
FAST = StoreConfig(
    hash_time_cost=1,
    hash_memory_kib=1024,
    hash_parallelism=1,
    max_failures=3,
    failure_window=timedelta(minutes=10),
    lockout=timedelta(minutes=5),
)


def _postgres_url(base: str) -> str:
    """Create a fresh database on the test server; return its URL (the test drops it)."""
    name = f"qs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def _drop_postgres(base: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _normal(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _postgres_base() -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL not configured: set {POSTGRES_ENV} (.ci/run does)")
    return _normal(base)


@pytest.fixture(scope="session")
def _migrated_postgres():
    """A PostgreSQL database migrated once per session (and per xdist worker)."""
    if not os.environ.get(POSTGRES_ENV):
        yield None
        return
    base = _postgres_base()
    url = _postgres_url(base)
    yield url
    _drop_postgres(base, url)


def _emptied(url: str) -> None:
    # Faster than a fresh database per test (CREATE DATABASE costs ~0.7 s).
    engine = create_engine(url)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    if tables:
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The name of each backend the store runs on."""
    return request.param


@pytest.fixture
def store_url(backend, tmp_path):
    """URL of an empty database on each backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    base = _postgres_base()
    url = _postgres_url(base)
    yield url
    _drop_postgres(base, url)


@pytest.fixture
def store(backend, tmp_path, _migrated_postgres):
    """A store whose schema the migrations made, with a fresh key, on each backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        _postgres_base()
        url = _migrated_postgres
        _emptied(url)
    opened = open_store(url, key=new_key(), config=FAST)
    upgrade(opened)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def people(store):
    """A resident, a cooperative running a project, another cooperative, a city."""
    resident = create_account(store, "Alice@example.org", "resident", password="correct horse")
    coop = create_account(
        store, "coop@example.org", "cooperative", password="coop password", organisation="Enercoop"
    )
    other = create_account(
        store, "other@example.org", "cooperative", password="other password", organisation="Rival"
    )
    city = create_account(
        store, "city@example.org", "city", password="city password", organisation="Nantes"
    )
    project = create_project(store, coop.id, "Toits du Breil", "Size a collective PV project", "v1")
    return {"resident": resident, "coop": coop, "other": other, "city": city, "project": project}


def curve(days: int = 7, step_min: int = 30, seed: int = 0) -> pd.Series:
    """A household curve as the readers return it: kWh per interval, Europe/Paris."""
    index = pd.date_range(
        "2025-03-28", periods=days * 1440 // step_min, freq=f"{step_min}min", tz="Europe/Paris"
    )
    values = np.random.default_rng(seed).uniform(0.05, 0.6, len(index)).round(6)
    series = pd.Series(values, index=index.rename("time"), name="energy_kwh")
    series.iloc[5] = np.nan
    return series


def terms(project, **changes) -> ConsentTerms:
    """Terms of a consent to ``project``, cooperative curve at 30 min, unless changed."""
    base = dict(
        project_id=project.id,
        step="30min",
        purpose=project.purpose,
        wording_version=project.consent_wording_version,
        cooperative_curve=True,
    )
    return ConsentTerms(**{**base, **changes})
