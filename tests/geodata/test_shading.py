import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geodata.shading import (
    building_heights,
    horizon_frame,
    horizon_profiles,
    observer_heights,
    sector_centres,
)

# A point in Nantes, in Lambert-93 [m] (about 47.2 N, 1.56 W).
X0, Y0 = 355_000.0, 6_689_000.0
SOUTH = 18  # index of the 180 deg sector with 10 deg sectors


def _box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _buildings(rows):
    """rows: (id, height_m, geometry in local metres); returned in EPSG:4326."""
    ids, heights, geoms = zip(*rows, strict=True)
    frame = gpd.GeoDataFrame(
        {"id": list(ids), "height_m": list(heights)}, geometry=list(geoms), crs=2154
    )
    return frame.to_crs(4326)


def _observer(building_id="me", height=0.0, geometry=None):
    geometry = _box(-1, -1, 1, 1) if geometry is None else geometry
    frame = gpd.GeoDataFrame(
        {"building_id": [building_id], "plane_id": [f"{building_id}-1"]},
        geometry=[geometry],
        crs=2154,
    )
    frame["observer_height_m"] = height
    return frame.to_crs(4326)


def test_sector_centres():
    np.testing.assert_allclose(sector_centres(10.0), np.arange(0, 360, 10))
    assert len(sector_centres(5.0)) == 72
    with pytest.raises(ValueError):
        sector_centres(7.0)


def test_no_neighbours_gives_a_zero_horizon():
    buildings = _buildings([("me", 30.0, _box(-1, -1, 1, 1))])
    h = horizon_profiles(_observer(height=0.0), buildings)
    assert h.shape == (1, 36)
    assert np.all(h == 0.0)


def test_block_20m_high_20m_south_is_seen_at_45_deg():
    buildings = _buildings([("me", 0.0, _box(-1, -1, 1, 1)), ("s", 20.0, _box(-60, -40, 60, -20))])
    h = horizon_profiles(_observer(height=0.0), buildings)[0]
    assert h[SOUTH] == pytest.approx(45.0, abs=0.3)
    # Seen from a corner-to-corner span of about 2 * atan(60/20) = 143 deg.
    assert np.all(h[[0, 1, 2, 3, 4, 5, 6, 30, 31, 32, 33, 34, 35]] == 0.0)
    assert np.all(h[13:24] > 20.0)
    # Elevation falls off towards the ends of the block, as atan(20 cos(a) / 20).
    assert h[14] < h[16] < h[SOUTH]


def test_own_building_and_lower_neighbours_do_not_shade():
    buildings = _buildings(
        [
            ("me", 40.0, _box(-10, -10, 10, 10)),
            ("low", 5.0, _box(-10, -30, 10, -20)),
        ]
    )
    h = horizon_profiles(_observer(height=6.0), buildings)
    assert np.all(h == 0.0)


def test_neighbours_beyond_the_radius_are_ignored():
    buildings = _buildings(
        [("me", 0.0, _box(-1, -1, 1, 1)), ("far", 50.0, _box(-20, -90, 20, -80))]
    )
    near = horizon_profiles(_observer(), buildings, radius_m=100.0)[0]
    far = horizon_profiles(_observer(), buildings, radius_m=50.0)[0]
    assert near[SOUTH] == pytest.approx(np.degrees(np.arctan(50 / 80)), abs=0.3)
    assert np.all(far == 0.0)


def test_courtyard_walls_surround_the_observer():
    # A 12 m high block with a 20 m x 20 m courtyard around a 0 m observer.
    ring = _box(-20, -20, 20, 20).difference(_box(-10, -10, 10, 10))
    buildings = _buildings([("me", 0.0, _box(-1, -1, 1, 1)), ("ring", 12.0, ring)])
    h = horizon_profiles(_observer(), buildings)[0]
    # Nearest walls 10 m away on the four sides: atan(12 / 10) = 50.2 deg.
    for k in (0, 9, 18, 27):
        assert h[k] == pytest.approx(50.19, abs=0.3)
    assert h.min() > 35.0  # towards the corners, at 10 * sqrt(2) m: 40.3 deg


def test_statistic_mean_is_below_max_and_options_are_checked():
    buildings = _buildings([("me", 0.0, _box(-1, -1, 1, 1)), ("s", 20.0, _box(-5, -40, 5, -30))])
    plane = _observer()
    hmax = horizon_profiles(plane, buildings, statistic="max")[0]
    hmean = horizon_profiles(plane, buildings, statistic="mean")[0]
    assert hmean.max() > 0
    assert np.all(hmean <= hmax + 1e-12)
    assert hmean.sum() < hmax.sum()
    with pytest.raises(ValueError):
        horizon_profiles(plane, buildings, statistic="median")
    with pytest.raises(ValueError):
        horizon_profiles(plane, buildings, sector_deg=7.0)
    with pytest.raises(ValueError):
        horizon_profiles(plane, buildings, radius_m=0.0)


def test_observer_inside_an_overlapping_footprint_ignores_it():
    # A building part mapped over the plane's own outline (overlapping footprints).
    buildings = _buildings([("me", 5.0, _box(-5, -5, 5, 5)), ("part", 15.0, _box(-5, -5, 5, 5))])
    assert np.all(horizon_profiles(_observer(height=5.0), buildings) == 0.0)


def test_building_heights_estimates_and_reports():
    frame = gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "height_m": [9.0, np.nan, np.nan, 0.0],
            "levels": [1, 4, None, None],
        },
        geometry=[_box(0, 0, 1, 1)] * 4,
        crs=2154,
    )
    frame["levels"] = frame["levels"].astype("Int64")
    heights, problems = building_heights(frame, storey_height_m=3.0, default_height_m=7.0)
    np.testing.assert_allclose(heights, [9.0, 12.0, 7.0, 7.0])
    counts = {p.code: p.count for p in problems}
    assert counts == {"shading_height_from_levels": 1, "shading_height_default": 2}


def _grid_south_true_azimuth():
    """True azimuth [deg] of Lambert-93 grid south at (X0, Y0): 180 minus the convergence."""
    to_geo = Transformer.from_crs(2154, 4326, always_xy=True)
    lon, lat = to_geo.transform(X0, Y0)
    nx, ny = Transformer.from_crs(4326, 2154, always_xy=True).transform(lon, lat + 1e-4)
    return 180.0 - np.degrees(np.arctan2(nx - X0, ny - Y0))


def test_observer_heights_mid_roof():
    south = _grid_south_true_azimuth()
    assert 175.0 < south < 178.0  # about 3.3 deg of meridian convergence at Nantes
    buildings = _buildings(
        [
            ("g", 10.0, _box(0, 0, 10, 10)),
            ("r", 10.0, _box(20, 0, 30, 10)),
            ("f", 8.0, _box(40, 0, 50, 10)),
            ("o", 8.0, _box(60, 0, 70, 10)),
        ]
    )
    buildings["roof_height_m"] = [np.nan, 4.0, np.nan, np.nan]
    planes = gpd.GeoDataFrame(
        {
            "building_id": ["g", "r", "f", "o", "nowhere"],
            "plane_id": ["g-1", "r-1", "f-1", "o-1", "x-1"],
            "surface_tilt": [45.0, 30.0, 15.0, 45.0, 0.0],
            "surface_azimuth": [south] * 5,
            "roof_shape": ["gabled", "gabled", "flat", "gabled", "flat"],
            "observer_height_m": [np.nan, np.nan, np.nan, 3.5, np.nan],
        },
        geometry=[
            _box(0, 0, 10, 5),  # south half of a gable: 5 m run at 45 deg, rise 5 m
            _box(20, 0, 30, 5),
            _box(40, 0, 50, 10),
            _box(60, 0, 70, 5),
            _box(90, 0, 95, 5),
        ],
        crs=2154,
    ).to_crs(4326)
    heights, problems = observer_heights(planes, buildings, default_height_m=6.0)
    # Runs are measured along the plane's azimuth, from TRUE north.
    np.testing.assert_allclose(heights, [7.5, 8.0, 8.0, 3.5, 6.0], atol=1e-4)
    assert [p.code for p in problems] == ["shading_plane_building_unknown"]


def _reference_horizon(plane_xy, obs_h, neighbours, heights, radius_m, n_rays=180):
    """Slow, independent skyline: each ray cast with shapely in a local
    azimuthal-equidistant projection centred on the observer (grid north = true north).

    Returns the skyline per sector and a mask of the sectors where a ray meets
    a neighbour within 0.5 % of the radius (the two projections' scales differ
    by up to ~0.1 %: the cut-off may fall on either side there).
    """
    lon, lat = Transformer.from_crs(2154, 4326, always_xy=True).transform(*plane_xy)
    local = Transformer.from_crs(
        2154, f"+proj=aeqd +lat_0={lat} +lon_0={lon} +units=m", always_xy=True
    )

    def to_local(c):
        return np.column_stack(local.transform(c[:, 0], c[:, 1]))

    polys = [shapely.transform(g, to_local) for g in neighbours]
    out = np.zeros(n_rays)
    ambiguous = np.zeros(n_rays, dtype=bool)
    reach = radius_m * 1.01
    for k in range(n_rays):
        az = np.radians(-5.0 + 1.0 + k * 2.0)
        ray = shapely.LineString([(0, 0), (reach * np.sin(az), reach * np.cos(az))])
        for poly, h in zip(polys, heights, strict=True):
            if h <= obs_h:
                continue
            hit = shapely.intersection(ray, poly)
            if hit.is_empty:
                continue
            d = shapely.distance(shapely.Point(0, 0), hit)
            if d > 0.995 * radius_m:
                ambiguous[k] = True
            if d <= radius_m:
                out[k] = max(out[k], np.degrees(np.arctan2(h - obs_h, d)))
    return out.reshape(36, 5).max(axis=1), ambiguous.reshape(36, 5).any(axis=1)


def _grid_city(n_side=40, spacing=25.0, seed=1):
    """n_side**2 buildings on a grid, each with two gabled planes (north and south)."""
    rng = np.random.default_rng(seed)
    n = n_side * n_side
    ix, iy = np.divmod(np.arange(n), n_side)
    w = rng.uniform(8, 16, n)
    d = rng.uniform(8, 12, n)
    cx = ix * spacing + rng.uniform(-3, 3, n)
    cy = iy * spacing + rng.uniform(-3, 3, n)
    heights = rng.choice([4.0, 7.0, 10.0, 16.0, 30.0], n, p=[0.2, 0.4, 0.2, 0.15, 0.05])
    ids = [f"b{i}" for i in range(n)]
    footprints = shapely.box(X0 + cx - w / 2, Y0 + cy - d / 2, X0 + cx + w / 2, Y0 + cy + d / 2)
    south = shapely.box(X0 + cx - w / 2, Y0 + cy - d / 2, X0 + cx + w / 2, Y0 + cy)
    north = shapely.box(X0 + cx - w / 2, Y0 + cy, X0 + cx + w / 2, Y0 + cy + d / 2)
    buildings = gpd.GeoDataFrame(
        {"id": ids, "height_m": heights}, geometry=footprints, crs=2154
    ).to_crs(4326)
    planes = gpd.GeoDataFrame(
        {
            "building_id": ids + ids,
            "plane_id": [f"{i}-1" for i in ids] + [f"{i}-2" for i in ids],
            "surface_tilt": 35.0,
            "surface_azimuth": [180.0] * n + [0.0] * n,
            "roof_shape": "gabled",
        },
        geometry=np.concatenate([south, north]),
        crs=2154,
    ).to_crs(4326)
    return buildings, planes


def test_grid_city_matches_a_ray_by_ray_reference():
    # 2,000 buildings (40 x 50) and 4,000 planes: the scale of a neighbourhood.
    # Runtime is measured outside the unit tests (no timing assertion here).
    buildings, planes = _grid_city(n_side=45)
    h = horizon_profiles(planes, buildings)
    assert h.shape == (len(planes), 36)
    assert np.isfinite(h).all() and h.min() >= 0.0 and h.max() < 90.0
    assert (h.max(axis=1) > 0).mean() > 0.5  # most roofs see some neighbour
    obs_h, _ = observer_heights(planes, buildings)
    metric = buildings.to_crs(2154)
    centroids = shapely.centroid(planes.to_crs(2154).geometry.to_numpy())
    for k in (0, 777, 1500, 2100, 3333):
        xy = (shapely.get_x(centroids[k]), shapely.get_y(centroids[k]))
        own = planes["building_id"].iloc[k]
        near = metric[(metric["id"] != own) & (metric.distance(centroids[k]) <= 100.0)]
        ref, ambiguous = _reference_horizon(
            xy, obs_h[k], near.geometry.to_numpy(), near["height_m"].to_numpy(), 100.0
        )
        assert ambiguous.sum() < 10
        np.testing.assert_allclose(
            h[k][~ambiguous], ref[~ambiguous], atol=0.1, err_msg=f"plane {k}"
        )


def test_missing_geometries_and_heights_from_levels():
    buildings = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "height_m": [3.0, 20.0, np.nan], "levels": [None, None, 5]},
        geometry=[_box(0, 0, 5, 5), None, _box(10, 0, 20, 5)],
        crs=2154,
    ).to_crs(4326)
    buildings["levels"] = buildings["levels"].astype("Int64")
    planes = gpd.GeoDataFrame(
        {"building_id": ["a", "zz", None], "plane_id": ["1", "2", "3"]},
        geometry=[_box(0, 0, 5, 5), shapely.Polygon(), None],
        crs=2154,
    ).to_crs(4326)
    h = horizon_profiles(planes, buildings)
    # "c": 5 levels x 3 m = 15 m, seen from 3 m at 7.5 m to the east.
    assert h[0, 9] == pytest.approx(np.degrees(np.arctan(12.0 / 7.5)), abs=0.3)
    assert np.all(h[1:] == 0.0)
    assert horizon_profiles(planes.iloc[:0], buildings).shape == (0, 36)
    # horizon_frame: the same skylines, and what horizon_profiles used to drop.
    frame, problems = horizon_frame(planes, buildings)
    np.testing.assert_array_equal(frame.to_numpy(), h)
    assert list(frame.index) == ["1", "2", "3"] and frame.index.name == "plane_id"
    np.testing.assert_array_equal(frame.columns, sector_centres(10.0))
    assert frame.columns.name == "azimuth"
    counts = {p.code: p.count for p in problems}
    assert counts == {
        "shading_height_from_levels": 1,  # "c"
        "shading_plane_building_unknown": 2,  # "zz" and None
        "shading_plane_no_position": 2,  # an empty and a missing plane
    }


def test_findings_are_in_the_catalogue():
    from quartier_solaire.i18n import describe

    frame = gpd.GeoDataFrame(
        {"id": ["a", "b"], "height_m": [np.nan, np.nan], "levels": [2, None]},
        geometry=[_box(0, 0, 1, 1)] * 2,
        crs=2154,
    ).to_crs(4326)
    planes = gpd.GeoDataFrame({"building_id": ["x"]}, geometry=[_box(0, 0, 1, 1)], crs=2154)
    problems = building_heights(frame)[1] + observer_heights(planes.to_crs(4326), frame)[1]
    assert len(problems) == 3
    for problem in problems:
        for lang in ("fr", "en"):
            text = describe(problem, lang)
            assert text != problem.message and "{" not in text
