"""Hostile and broken building files: each is refused or repaired with a precise finding.

The small files live in tests/data/buildings/hostile/; large ones (zip bombs, long
names) are built here on the fly.
"""

from __future__ import annotations

import gzip
import io
import sqlite3
import zipfile

import geopandas as gpd
import pytest
import shapely

import geodata.io._common as common
from geodata.io import read_buildings
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe

HOUSE = shapely.box(-1.5500, 47.2100, -1.5496, 47.2103)


@pytest.fixture
def hostile(data_dir):
    return data_dir / "buildings" / "hostile"


def _codes(report) -> set[str]:
    return {p.code for p in report.problems}


def test_empty_collection_says_there_is_no_building(hostile):
    with pytest.raises(ReadError) as err:
        read_buildings(hostile / "empty_collection.geojson")
    assert err.value.code == "no_buildings"
    assert "no building" in err.value.message


def test_only_slivers_says_all_were_dropped_and_why(hostile):
    with pytest.raises(ReadError) as err:
        read_buildings(hostile / "only_slivers.geojson")
    assert err.value.code == "buildings_all_dropped"
    assert err.value.params["total"] == 2
    reasons = err.value.params["reasons"]
    assert [r["code"] for r in reasons] == ["buildings_sliver"]
    assert reasons[0]["count"] == 2
    for lang in ("fr", "en"):
        assert "2" in describe(err.value, lang)


def test_multipolygon_with_a_part_collapsed_to_a_point_is_repaired(hostile):
    # GEOS's default make_valid raised "Overlay input is mixed-dimension" on it.
    buildings, report = read_buildings(hostile / "multipolygon_collapsed_part.geojson")
    assert list(buildings["id"]) == ["school", "gym"]
    school = buildings.geometry.iloc[0]
    assert school.geom_type == "Polygon" and school.is_valid
    assert school.area == pytest.approx(HOUSE.area)
    part = next(p for p in report.problems if p.code == "buildings_geometry_part_dropped")
    assert part.params["features"] == [1] and part.severity == "repaired"
    assert report.repaired == 1


def test_infinite_coordinate_is_dropped_with_its_feature_named(hostile):
    buildings, report = read_buildings(hostile / "infinity_next_to_building.geojson")
    assert list(buildings["id"]) == ["house"]
    dropped = next(p for p in report.problems if p.code == "buildings_geometry_not_finite")
    assert dropped.params["features"] == [1] and dropped.count == 1


def test_infinite_coordinate_does_not_hide_a_wrong_crs(hostile):
    # The non-finite feature made the extent infinite, so the CRS checks were skipped
    # and pyproj failed on a latitude of 6e6 (CRSError).
    with pytest.raises(ReadError) as err:
        read_buildings(hostile / "infinity_and_metric_latitude.geojson")
    assert err.value.code == "buildings_crs_mislabelled"


@pytest.mark.parametrize("name", ["truncated.geojson", "truncated_mid_number.geojson"])
def test_truncated_geojson_says_so_with_the_line(hostile, name):
    with pytest.raises(ReadError) as err:
        read_buildings(hostile / name)
    assert err.value.code == "buildings_truncated"
    assert err.value.line == 3


def test_invalid_json_names_its_line():
    text = b'{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",, }\n ]\n}\n'
    with pytest.raises(ReadError) as err:
        read_buildings(text, filename="broken.geojson")
    assert err.value.code == "buildings_json_invalid" and err.value.line == 3


def test_deeply_nested_json_is_refused_without_recursion_error():
    text = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ReadError) as err:
        read_buildings(text, filename="deep.json")
    assert err.value.code == "unreadable"


def _geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_json().encode()


def test_upload_name_over_255_bytes_is_read():
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[HOUSE], crs=4326)
    name = "é" * 200 + ".geojson"  # 408 bytes: OSError "File name too long" before
    buildings, report = read_buildings(_geojson(frame), filename=name)
    assert list(buildings["id"]) == ["a"] and report.format == "GeoJSON"


def test_safe_suffix_keeps_only_known_extensions():
    assert common._safe_suffix("quartier.osm.pbf") == ".osm.pbf"
    assert common._safe_suffix("b.2023.geojson") == ".geojson"
    assert common._safe_suffix("x.geojson.gz") == ".geojson.gz"
    assert common._safe_suffix("../../etc/passwd") == ""


def _refuse_gdal(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("GDAL was asked to open an archive that must be refused first")

    monkeypatch.setattr(common.pyogrio, "read_dataframe", fail)
    monkeypatch.setattr(common.pyogrio, "list_layers", fail)


def test_zip_bomb_is_refused_from_the_directory(monkeypatch):
    # 20 MB of one repeated feature compress ~1000:1, like the 4 MB zip of 3 GB.
    feature = b'{"type": "Feature", "properties": {}, "geometry": null},\n'
    member = b'{"type": "FeatureCollection", "features": [\n' + feature * 350_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("batiments.geojson", member)
    assert len(buffer.getvalue()) < len(member) / common.MAX_COMPRESSION_RATIO
    _refuse_gdal(monkeypatch)
    with pytest.raises(ReadError) as err:
        read_buildings(buffer.getvalue(), filename="bombe.zip")
    assert err.value.code == "buildings_archive_ratio"
    assert err.value.params["ratio"] > common.MAX_COMPRESSION_RATIO


def test_archive_unpacking_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(common, "MAX_UNCOMPRESSED_BYTES", 100_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("batiments.geojson", b" " * 150_000)
    _refuse_gdal(monkeypatch)
    with pytest.raises(ReadError) as err:
        read_buildings(buffer.getvalue(), filename="gros.zip")
    assert err.value.code == "buildings_archive_too_large"


def test_gdal_warning_names_the_upload_not_the_server_path(tmp_path):
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[HOUSE], crs=4326)
    path = tmp_path / "x.gpkg"
    frame.to_file(path, driver="GPKG")
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 1234")  # GDAL warns, quoting the path
    db.close()
    _, report = read_buildings(path.read_bytes(), filename="mes_batiments.gpkg")
    warning = next(p for p in report.problems if p.code == "buildings_driver_warning")
    assert "mes_batiments.gpkg" in warning.message
    assert "qs-buildings" not in warning.message and "/tmp" not in warning.message
    assert "qs-buildings" not in warning.params["detail"]


def test_gzip_bomb_is_refused_from_its_trailer(monkeypatch):
    member = b'{"type": "FeatureCollection", "features": [' + b" " * 20_000_000 + b"]}"
    packed = gzip.compress(member, compresslevel=9)
    _refuse_gdal(monkeypatch)
    with pytest.raises(ReadError) as err:
        read_buildings(packed, filename="batiments.geojson.gz")
    assert err.value.code == "buildings_archive_ratio"


def test_gzipped_geojson_is_still_read():
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[HOUSE], crs=4326)
    buildings, _ = read_buildings(gzip.compress(_geojson(frame)), filename="b.geojson.gz")
    assert list(buildings["id"]) == ["a"]
