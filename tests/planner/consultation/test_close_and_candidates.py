"""Closing a consultation, and candidate sites taken from the rooftop chain."""

from datetime import timedelta

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from planner.consultation import (
    HOUSEHOLD_KWH,
    candidate_sites,
    close_consultation,
    create_consultation,
    results,
    submit_opinion,
)
from planner.store import StoreError
from planner.store.models import utcnow
from tests.planner.consultation.conftest import COMPUTED, candidate, open_consultation, residents


def test_closing_refuses_opinions_and_publishes_every_site(store, organisers):
    consultation = open_consultation(store, organisers["coop"])
    (resident,) = residents(store, 1)
    site = consultation.sites[0].id
    submit_opinion(store, resident.id, site, "support")
    assert not results(store, consultation.id).sites[0].published
    closed = close_consultation(store, organisers["coop"].id, consultation.id)
    assert closed.closes_at <= utcnow()
    with pytest.raises(StoreError) as refused:
        submit_opinion(store, resident.id, site, "oppose")
    assert refused.value.code == "consult_closed"
    tally = results(store, consultation.id).sites[0]
    assert tally.published and tally.opinions is None  # one opinion: suppressed, not 0
    again = close_consultation(store, organisers["coop"].id, consultation.id)
    assert again.closes_at == closed.closes_at


def test_only_its_organisation_closes_a_consultation(store, organisers):
    consultation = open_consultation(store, organisers["coop"])
    (resident,) = residents(store, 1)
    for account in (organisers["rival"], resident):
        with pytest.raises(StoreError) as refused:
            close_consultation(store, account.id, consultation.id)
        assert refused.value.code == "store_not_allowed"


def test_closing_before_opening_never_takes_an_opinion(store, organisers):
    now = utcnow()
    later = create_consultation(
        store,
        organisers["city"].id,
        "Plus tard",
        "",
        now + timedelta(days=2),
        now + timedelta(days=9),
        [candidate(1)],
    )
    closed = close_consultation(store, organisers["city"].id, later.id, now=now)
    assert closed.closes_at == later.opens_at + timedelta(seconds=1)


def test_candidate_sites_are_the_largest_suitable_roofs_with_their_figures():
    buildings = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d"]},
        geometry=[box(0, 0, 10, 10), box(20, 0, 40, 20), box(50, 0, 60, 10), box(70, 0, 80, 5)],
        crs="EPSG:2154",
    )
    rooftops = pd.DataFrame(
        {
            "suitable": [True, True, False, True],
            "suitable_kwp": [10.0, 30.0, 99.0, 0.0],
            "suitable_annual_kwh": [11_000.0, 9 * HOUSEHOLD_KWH + 1, 0.0, 0.0],
            "shading_loss_percent": [3.14, float("nan"), 1.0, 1.0],
        },
        index=pd.Index(["a", "b", "c", "d"], name="building_id"),
    )
    sites = candidate_sites(buildings, rooftops, COMPUTED, limit=5, names={"b": "Gymnase"})
    assert [s.building_id for s in sites] == ["b", "a"]  # c unsuitable, d without power
    assert sites[0].name == "Gymnase" and sites[1].name == "a"
    assert sites[0].households == 9 and sites[1].households == 2
    assert sites[1].mwh_per_year == 11.0 and sites[1].kwp == 10.0
    assert sites[0].shading_loss_pct == 0.0 and sites[1].shading_loss_pct == 3.1
    lon, lat = sites[0].geometry["coordinates"][0][0]
    assert -180 <= lon <= 180 and -90 <= lat <= 90  # turned to longitude/latitude
