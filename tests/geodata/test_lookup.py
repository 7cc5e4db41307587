import geopandas as gpd
import shapely

from geodata.lookup import building_at


def _frame():
    outer = shapely.box(-1.60, 47.20, -1.59, 47.21)
    inner = shapely.box(-1.597, 47.203, -1.593, 47.207)
    return gpd.GeoDataFrame({"id": ["big", "small"]}, geometry=[outer, inner], crs=4326)


def test_point_in_a_building_returns_its_id():
    assert building_at(_frame(), 47.201, -1.599) == "big"


def test_nested_buildings_return_the_smallest():
    assert building_at(_frame(), 47.205, -1.595) == "small"


def test_point_outside_returns_none():
    assert building_at(_frame(), 47.3, -1.5) is None


def test_bbox_size_on_the_ground():
    from geodata.lookup import bbox_size_km

    # One hundredth of a degree: ~1.11 km north-south, ~0.76 km east-west at 47.2 N.
    width, height = bbox_size_km(-1.60, 47.20, -1.59, 47.21)
    assert abs(height - 1.112) < 0.005
    assert abs(width - 0.757) < 0.005
