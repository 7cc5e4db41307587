import numpy as np
import pandas as pd
import pytest

from planner.roof_share import (
    AVERAGE_HOUSEHOLD_KWH,
    Households,
    footprint_m2,
    households_sharing,
    share_of,
)


def test_the_datas_dwellings_come_first():
    block = {"usage": "apartments", "levels": 5, "dwellings": 34}
    assert households_sharing(block, 480.0, 50_000.0) == Households(34, "dwellings", True)


@pytest.mark.parametrize(
    ("usage", "footprint", "levels", "expected"),
    [
        # 480 m2 x 5 levels x 0.8 living / 63 m2 per flat = 30.5 -> 30
        ("apartments", 480.0, 5, 30),
        # 100 m2 x 2 levels x 0.8 / 112 m2 per house = 1.4 -> 1
        ("residential", 100.0, 2, 1),
        # a large house split into flats still counts its dwellings from its area
        ("residential", 300.0, 3, 6),
        # unknown levels count as one
        ("apartments", 400.0, pd.NA, 5),
        # a sliver never makes zero households
        ("residential", 5.0, 1, 1),
    ],
)
def test_floor_area_gives_the_count_when_the_data_do_not(usage, footprint, levels, expected):
    building = {"usage": usage, "levels": levels, "dwellings": pd.NA}
    households = households_sharing(building, footprint, 10_000.0)
    assert households == Households(expected, "floor_area", True)


@pytest.mark.parametrize("dwellings", [0, pd.NA, None])
def test_a_school_is_shared_among_average_households(dwellings):
    school = {"usage": "school", "levels": 2, "dwellings": dwellings}
    households = households_sharing(school, 1200.0, 112_000.0)
    assert households == Households(round(112_000.0 / AVERAGE_HOUSEHOLD_KWH), "production", False)
    assert households_sharing(school, 1200.0, 0.0).count == 1


def test_footprint_sums_the_buildings_planes():
    planes = pd.DataFrame({"building_id": ["a", "a", "b"], "footprint_area_m2": [40.0, 40.0, 15.0]})
    assert footprint_m2(planes, "a") == 80.0
    assert footprint_m2(planes, "zz") == 0.0


def test_share_of_divides_every_step():
    production = pd.Series(np.arange(4.0))
    np.testing.assert_allclose(share_of(production, 4).to_numpy(), np.arange(4.0) / 4)
    with pytest.raises(ValueError):
        share_of(production, 0)
