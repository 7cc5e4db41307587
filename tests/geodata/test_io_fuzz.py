"""Malformed geometries and attribute values give a report, never a crash."""

from __future__ import annotations

import io
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
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
from geodata.io.vector import interpret_vector, read_buildings
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


def _plain(rows) -> int:
    """How many rows are a plain, valid footprint (a box): those must be kept."""
    return sum(1 for kind, _ in rows if kind == 0)


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
        assert _plain(rows) == 0, f"a file with {_plain(rows)} good footprints refused: {exc}"
        return
    _check(buildings, report, len(frame))
    assert report.kept + report.dropped == len(frame)
    assert report.kept >= _plain(rows), "a good footprint was dropped for its attributes"


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
    # In OpenStreetMap only a feature tagged building=* (not "no") is a building.
    tagged = [
        r for r in rows if isinstance(r[1][6], str) and r[1][6].strip().lower() not in ("", "no")
    ]
    assert report.kept >= _plain(tagged), "a good footprint was dropped for its attributes"
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
    assert report.kept >= _plain(rows), "a good footprint was dropped for its attributes"
    rise = buildings["roof_height_m"].dropna()
    assert (rise >= 0).all() and np.isfinite(rise).all()


# --- whole files: harmless changes are read the same, harmful ones refused -------------
# A fuzz test that accepts a refusal passes when every file is refused: here a
# change that leaves the data alone (what editors, other systems and other GIS
# tools do to a GeoJSON) must give the same buildings as the original.

GEOJSON_FILES = ["cadastre_batiments.geojson", "osm_ogr2ogr.geojson"]
BOM = b"\xef\xbb\xbf"


def _json(data: bytes) -> dict:
    return json.loads(data.decode("utf-8-sig"))


def _rewrite(**dumps):
    return lambda data: json.dumps(_json(data), **dumps).encode("utf-8")


def _reversed_keys(data: bytes) -> bytes:
    def flip(node):
        if isinstance(node, dict):
            return {k: flip(node[k]) for k in reversed(list(node))}
        if isinstance(node, list):
            return [flip(v) for v in node]
        return node

    return json.dumps(flip(_json(data)), indent=2).encode("utf-8")


def _extra_members(data: bytes) -> bytes:
    # Foreign members (RFC 7946, 6.1) and an extra property on every feature.
    collection = _json(data)
    collection["x_generator"] = "another tool"
    for feature in collection["features"]:
        feature["x_note"] = "ignored"
        feature["properties"] = {**(feature.get("properties") or {}), "x_extra": 1}
    return json.dumps(collection).encode("utf-8")


HARMLESS = {
    "minified": _rewrite(separators=(",", ":")),
    "indented": _rewrite(indent=4),
    "ascii_escapes": _rewrite(ensure_ascii=True),
    "sorted_keys": _rewrite(sort_keys=True),
    "reversed_keys": _reversed_keys,
    "extra_members": _extra_members,
    "crlf": lambda data: data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
    "bom": lambda data: data if data.startswith(BOM) else BOM + data,
    "trailing_whitespace": lambda data: data.rstrip() + b"\n\n  \n",
}

HARMFUL = {
    "cut_in_half": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "binary": lambda data: bytes(range(256)) * 8,
    "not_geojson": lambda data: b'{"name": "a list of things", "items": [1, 2, 3]}',
}


def _buildings(data: bytes, name: str) -> gpd.GeoDataFrame:
    return read_buildings(io.BytesIO(data), filename=name)[0]


@pytest.mark.parametrize("mutation", sorted(HARMLESS))
@pytest.mark.parametrize("name", GEOJSON_FILES)
def test_harmless_changes_to_a_geojson_give_the_same_buildings(data_dir, name, mutation):
    original = (data_dir / "buildings" / name).read_bytes()
    expected = _buildings(original, name)
    assert len(expected) > 0
    got = _buildings(HARMLESS[mutation](original), name)
    assert list(got["id"]) == list(expected["id"])
    assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-9).all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(expected.drop(columns="geometry"))
    )


@pytest.mark.parametrize("mutation", sorted(HARMFUL))
@pytest.mark.parametrize("name", GEOJSON_FILES)
def test_harmful_changes_to_a_geojson_are_refused(data_dir, name, mutation):
    original = (data_dir / "buildings" / name).read_bytes()
    with pytest.raises(ReadError) as err:
        _buildings(HARMFUL[mutation](original), name)
    assert has(f"problem.{err.value.code}"), err.value.code
