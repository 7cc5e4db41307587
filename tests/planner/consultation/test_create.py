"""Point 1: a city or cooperative creates a consultation on candidate sites with their figures."""

import dataclasses
import math
from datetime import datetime, timedelta

import pytest

from planner.consultation import create_consultation, get_consultation, list_consultations
from planner.store import StoreError
from planner.store.models import utcnow
from tests.planner.consultation.conftest import (
    COMPUTED,
    candidate,
    open_consultation,
    residents,
    square,
)


def test_a_cooperative_creates_a_consultation_and_its_sites_come_back_as_given(store, organisers):
    made = open_consultation(store, organisers["coop"], sites=3)
    found = get_consultation(store, made.id)
    assert found == made
    assert found.organisation == "Enercoop" and not found.secret
    assert [s.name for s in found.sites] == ["Toit 1", "Toit 2", "Toit 3"]
    first = found.sites[0]
    assert (first.kwp, first.mwh_per_year, first.households, first.shading_loss_pct) == (
        37.0,
        41.0,
        10,
        4.5,
    )
    assert first.computed_at == COMPUTED
    assert first.building_id == "bdg-1"
    assert first.geometry == candidate(1).geometry
    assert found.is_open(utcnow())
    assert [c.id for c in list_consultations(store)] == [made.id]


def test_a_city_may_create_one_too(store, organisers):
    assert open_consultation(store, organisers["city"]).organisation == "Nantes"


def test_a_resident_may_not_create_one(store, organisers):
    (resident,) = residents(store, 1)
    with pytest.raises(StoreError) as error:
        open_consultation(store, resident)
    assert error.value.code == "store_not_allowed"
    assert list_consultations(store) == ()


def _create(store, organiser, sites, opens=None, closes=None, title="Toits"):
    now = utcnow()
    return create_consultation(
        store,
        organiser.id,
        title,
        "",
        opens or now,
        closes or now + timedelta(days=10),
        sites,
    )


@pytest.mark.parametrize(
    ("site", "code"),
    [
        (
            candidate(1, geometry={"type": "Point", "coordinates": [-1.5, 47.2]}),
            "consult_bad_geometry",
        ),
        (candidate(1, geometry=square(2000.0, 6_700_000.0)), "consult_bad_geometry"),
        (candidate(1, geometry={"type": "Polygon"}), "consult_bad_geometry"),
        (candidate(1, geometry="not geojson"), "consult_bad_geometry"),
        (candidate(1, kwp=math.nan), "consult_bad_figures"),
        (candidate(1, kwp=-3.0), "consult_bad_figures"),
        (candidate(1, shading_loss_pct=120.0), "consult_bad_figures"),
        (candidate(1, name="  "), "consult_bad_figures"),
        (candidate(1, computed_at=datetime(2026, 11, 1)), "consult_bad_figures"),
    ],
)
def test_a_bad_site_is_refused_with_its_number_and_nothing_is_stored(store, organisers, site, code):
    with pytest.raises(StoreError) as error:
        _create(store, organisers["coop"], [candidate(1), site])
    assert error.value.code == code
    assert error.value.params == {"site": 2}
    assert list_consultations(store) == ()


def test_dates_title_and_sites_are_checked(store, organisers):
    now, coop = utcnow(), organisers["coop"]
    cases = {
        "consult_bad_period": dict(opens=now, closes=now - timedelta(days=1)),
        "consult_title_required": dict(title="   "),
    }
    for code, changes in cases.items():
        with pytest.raises(StoreError) as error:
            _create(store, coop, [candidate(1)], **changes)
        assert error.value.code == code
    with pytest.raises(StoreError) as error:
        _create(store, coop, [])
    assert error.value.code == "consult_no_sites"
    with pytest.raises(StoreError) as error:
        _create(
            store, coop, [candidate(1)], opens=datetime(2026, 1, 1), closes=datetime(2026, 2, 1)
        )
    assert error.value.code == "consult_bad_period"


def test_a_secret_ballot_needs_the_data_key(store, organisers):
    keyless = dataclasses.replace(store, key=None)
    with pytest.raises(StoreError) as error:
        open_consultation(keyless, organisers["coop"], secret=True)
    assert error.value.code == "store_no_key"
    assert open_consultation(store, organisers["coop"], secret=True).secret
