"""Malformed geometries and attribute values give a report, never a crash."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
    box,
)

from geodata.io._common import (
    HEIGHT_RANGE_M,
    LEVELS_RANGE,
    ROOF_ANGLE_RANGE_DEG,
)
from geodata.io.bdtopo import interpret_bdtopo
from geodata.io.osm import interpret_osm
from geodata.io.vector import interpret_vector
from geodata.schema import BUILDING_COLUMNS, CRS, ROOF_SHAPES, USAGES
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe, has

LON, LAT, D = -1.5536, 47.2184, 0.0001


def _shapes(i: int) -> list:
    x, y = LON + 3 * i * D, LAT
    with np.errstate(invalid="ignore"):  # the NaN ring below is built on purpose
        nan_ring = Polygon([(x, y), (x + D, y), (x + D, math.nan), (x, y)])
    return [
        box(x, y, x + D, y + D),
        Polygon([(x, y), (x + D, y + D), (x + D, y), (x, y + D)]),  # bow tie
        Polygon([(x, y), (x + D, y), (x + 2 * D, y), (x, y)]),  # no area
        box(x, y, x + D / 20, y + D / 20),  # sliver
        Polygon(
            box(x, y, x + 3 * D, y + 3 * D).exterior,
            [box(x + D, y + D, x + 2 * D, y + 2 * D).exterior],
        ),
        MultiPolygon([box(x, y, x + D, y + D), box(x + D / 2, y, x + 2 * D, y + D)]),  # overlap
        Point(x, y),
        LineString([(x, y), (x + D, y)]),
        Polygon(),
        None,
        GeometryCollection([Point(x, y), box(x, y, x + D, y + D)]),
        nan_ring,
        Polygon([(x, y), (x + D, y), (x + D, y + D), (x, y + D), (x, y), (x, y)]),  # repeated
    ]


VALUES = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(
        ["12", "12 m", "40'", "-3", "abc", "1e400", "NaN", "inf", "SSW", "flat", "along"]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
)

ROWS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=12), st.lists(VALUES, min_size=8, max_size=8)),
    min_size=1,
    max_size=12,
)

COLUMNS = [
    "id",
    "height",
    "building:levels",
    "roof:shape",
    "roof:direction",
    "roof:angle",
    "building",
    "generator:source",
]


def _frame(rows) -> gpd.GeoDataFrame:
    geometry = [_shapes(i)[kind] for i, (kind, _) in enumerate(rows)]
    data = {c: pd.Series([r[1][j] for r in rows], dtype=object) for j, c in enumerate(COLUMNS)}
    return gpd.GeoDataFrame(data, geometry=geometry, crs=CRS)


def _check(buildings, report, n_in):
    assert list(buildings.columns) == list(BUILDING_COLUMNS)
    assert buildings.crs.equals(CRS)
    assert buildings["id"].is_unique and buildings["id"].notna().all()
    assert buildings.geometry.is_valid.all()
    assert set(buildings.geom_type) <= {"Polygon", "MultiPolygon"}
    assert report.kept == len(buildings)
    assert report.kept + report.dropped <= n_in
    h = buildings["height_m"].dropna()
    assert ((h > HEIGHT_RANGE_M[0]) & (h <= HEIGHT_RANGE_M[1])).all()
    lv = buildings["levels"].dropna()
    assert ((lv >= LEVELS_RANGE[0]) & (lv <= LEVELS_RANGE[1])).all()
    a = buildings["roof_angle_deg"].dropna()
    assert ((a >= ROOF_ANGLE_RANGE_DEG[0]) & (a <= ROOF_ANGLE_RANGE_DEG[1])).all()
    d = buildings["roof_direction_deg"].dropna()
    assert ((d >= 0) & (d < 360)).all()
    assert buildings["roof_shape"].dropna().isin(ROOF_SHAPES).all()
    assert buildings["usage"].dropna().isin(USAGES).all()
    for problem in report.problems:
        assert has(f"problem.{problem.code}"), problem.code
        describe(problem, "fr")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_generic_reader_never_crashes(rows):
    frame = _frame(rows)
    try:
        buildings, report = interpret_vector(frame)
    except ReadError as exc:  # a documented refusal, e.g. no polygon at all
        assert has(f"problem.{exc.code}")
        return
    _check(buildings, report, len(frame))
    assert report.kept + report.dropped == len(frame)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_osm_reader_never_crashes(rows):
    frame = _frame(rows)
    frame["other_tags"] = pd.Series(
        ['"roof:height"=>"' + str(r[1][1]).replace('"', '\\"') + '"' for r in rows], dtype=object
    )
    try:
        buildings, report = interpret_osm(frame)
    except ReadError as exc:  # nothing kept: refused, saying why
        assert exc.code in ("buildings_all_dropped", "no_buildings") and has(f"problem.{exc.code}")
        return
    _check(buildings, report, len(frame))
    assert buildings["existing_pv"].dropna().all()  # only ever a positive statement


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_bdtopo_reader_never_crashes(rows):
    frame = _frame(rows).rename(
        columns={
            "id": "cleabs",
            "height": "hauteur",
            "building:levels": "nombre_d_etages",
            "roof:shape": "altitude_minimale_toit",
            "roof:direction": "altitude_maximale_toit",
            "building": "usage_1",
        }
    )
    try:
        buildings, report = interpret_bdtopo(frame)
    except ReadError as exc:  # nothing kept: refused, saying why
        assert exc.code in ("buildings_all_dropped", "no_buildings") and has(f"problem.{exc.code}")
        return
    _check(buildings, report, len(frame))
    rise = buildings["roof_height_m"].dropna()
    assert (rise >= 0).all() and np.isfinite(rise).all()
