"""IGN BD TOPO BATIMENT, with GeoPackage long names and Shapefile short names (Lambert-93)."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Polygon

from geodata.io import read_bdtopo_buildings, read_buildings
from geodata.schema import CRS

# Around Nantes in Lambert-93 [m].
X0, Y0 = 355_000.0, 6_689_000.0


def _square(dx: float, dy: float, size: float = 10.0, z: float | None = None, hole=False):
    ring = [(X0 + dx, Y0 + dy), (X0 + dx + size, Y0 + dy), (X0 + dx + size, Y0 + dy + size)]
    ring.append((X0 + dx, Y0 + dy + size))
    if z is not None:
        ring = [(x, y, z) for x, y in ring]
    holes = []
    if hole:
        c = size / 4
        holes = [[(X0 + dx + c, Y0 + dy + c), (X0 + dx + 3 * c, Y0 + dy + c)]]
        holes[0] += [(X0 + dx + 3 * c, Y0 + dy + 3 * c), (X0 + dx + c, Y0 + dy + 3 * c)]
    if z is not None:
        holes = [[(x, y, z) for x, y in h] for h in holes]
    return Polygon(ring, holes)


def _bdtopo_frame() -> gpd.GeoDataFrame:
    """Five BATIMENT rows with BD TOPO v3 GeoPackage names and values."""
    return gpd.GeoDataFrame(
        {
            "cleabs": [
                "BATIMENT0000000302923133",
                "BATIMENT0000000302923132",
                "BATIMENT0000000302923134",
                "BATIMENT0000000302923135",
                "BATIMENT0000000302923136",
            ],
            "nature": ["Indifférenciée"] * 4 + ["Industriel, agricole ou commercial"],
            "usage_1": [
                "Résidentiel",
                "Commercial et services",
                "Indifférencié",
                "Annexe",
                "Sportif",
            ],
            "usage_2": [None, "Résidentiel", None, None, None],
            "nombre_de_logements": [1, 4, None, 0, 0],
            "nombre_d_etages": [2, 3, -3, 1, 1],
            "materiaux_de_la_toiture": ["10", None, None, None, None],
            "hauteur": [6.2, 13.4, None, 2.5, 9.0],
            "altitude_minimale_sol": [6.0, 6.0, 7.0, 7.0, 8.0],
            "altitude_minimale_toit": [12.2, None, None, 10.0, 17.0],
            "altitude_maximale_toit": [16.0, None, None, 9.0, 17.0],
        },
        geometry=[
            _square(0, 0, z=12.2),
            _square(20, 0, z=19.4),
            _square(40, 0, z=7.0),
            _square(60, 0, size=3, z=9.0),
            _square(80, 0, size=40, z=17.0, hole=True),
        ],
        crs="EPSG:2154",
    )


SHORT_NAMES = {
    "cleabs": "ID",
    "nature": "NATURE",
    "usage_1": "USAGE1",
    "usage_2": "USAGE2",
    "nombre_de_logements": "NB_LOGTS",
    "nombre_d_etages": "NB_ETAGES",
    "materiaux_de_la_toiture": "MAT_TOITS",
    "hauteur": "HAUTEUR",
    "altitude_minimale_sol": "Z_MIN_SOL",
    "altitude_minimale_toit": "Z_MIN_TOIT",
    "altitude_maximale_toit": "Z_MAX_TOIT",
}


def _zip_shapefile(folder, frame, name="BATIMENT", prj=True):
    frame.to_file(folder / f"{name}.shp", engine="pyogrio", encoding="UTF-8")
    archive = folder / "BDTOPO_BATI.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.glob(f"{name}.*"):
            if part.suffix == ".prj" and not prj:
                continue
            z.write(part, f"BATI/{part.name}")
    return archive


def _check(buildings, report):
    by_id = buildings.set_index("id")
    assert buildings.crs.equals(CRS)
    assert report.crs_in == "EPSG:2154"
    assert report.kept == 5 and report.dropped == 0
    first = by_id.loc["BATIMENT0000000302923133"]
    # hauteur is to the gutter: add the roof rise (16.0 - 12.2) for the ridge
    assert first["roof_height_m"] == pytest.approx(3.8)
    assert first["height_m"] == pytest.approx(10.0)
    assert (first["levels"], first["dwellings"], first["usage"]) == (2, 1, "residential")
    second = by_id.loc["BATIMENT0000000302923132"]
    assert second["height_m"] == pytest.approx(13.4)  # no roof altitudes: kept, reported
    assert pd.isna(second["roof_height_m"])
    assert second["usage"] == "retail"
    third = by_id.loc["BATIMENT0000000302923134"]
    assert pd.isna(third["levels"])  # -3 storeys
    assert pd.isna(third["height_m"])
    assert third["usage"] == "unknown"
    annex = by_id.loc["BATIMENT0000000302923135"]
    assert annex["usage"] == "annex"
    assert pd.isna(annex["roof_height_m"])  # max below min
    assert annex["height_m"] == pytest.approx(2.5)
    sports = by_id.loc["BATIMENT0000000302923136"]
    assert sports["usage"] == "sports"
    assert sports["roof_height_m"] == 0.0
    assert len(sports.geometry.interiors) == 1
    assert not buildings.geometry.has_z.any()
    assert report.with_height == 4
    assert report.with_roof_shape == 0
    assert buildings["roof_shape"].isna().all()
    assert buildings["source"].eq("IGN BD TOPO").all()
    # 10 m squares keep their area through the reprojection
    area = buildings.to_crs("EPSG:2154").area.to_numpy()
    np.testing.assert_allclose(area[:3], 100.0, rtol=1e-6)
    codes = {(p.code, p.field) for p in report.problems}
    return codes


def test_geopackage_long_names(tmp_path):
    path = tmp_path / "BDTOPO.gpkg"
    _bdtopo_frame().to_file(path, layer="batiment", engine="pyogrio")
    roads = gpd.GeoDataFrame(
        {"nature": ["Route"]}, geometry=[LineString([(X0, Y0), (X0 + 50, Y0)])], crs="EPSG:2154"
    )
    roads.to_file(path, layer="troncon_de_route", engine="pyogrio")
    buildings, report = read_buildings(path)
    assert report.format == "IGN BD TOPO (GeoPackage)"
    codes = _check(buildings, report)
    assert ("buildings_value_out_of_range", "nombre_d_etages") in codes
    assert ("buildings_height_to_gutter", "hauteur") in codes
    assert ("buildings_value_inconsistent", "altitude_maximale_toit") in codes
    same, _ = read_bdtopo_buildings(path)
    pd.testing.assert_frame_equal(same.drop(columns="geometry"), buildings.drop(columns="geometry"))


def test_zipped_shapefile_short_names(tmp_path):
    frame = _bdtopo_frame().rename(columns=SHORT_NAMES)
    archive = _zip_shapefile(tmp_path, frame)
    for path in (archive, f"zip://{archive}", f"/vsizip/{archive}/BATI/BATIMENT.shp"):
        buildings, report = read_buildings(path)
        codes = _check(buildings, report)
        assert ("buildings_value_out_of_range", "NB_ETAGES") in codes
        assert report.format.startswith("IGN BD TOPO")


def test_shapefile_without_prj_in_lambert93_range_is_assumed_and_reported(tmp_path):
    frame = _bdtopo_frame().rename(columns=SHORT_NAMES)
    archive = _zip_shapefile(tmp_path, frame, prj=False)
    buildings, report = read_bdtopo_buildings(archive)
    assert report.crs_assumed is True
    assert report.crs_in == "EPSG:2154"
    assumed = [p for p in report.problems if p.code == "buildings_crs_assumed"]
    assert len(assumed) == 1 and assumed[0].severity == "warning"
    # the assumption is right here: same footprints as with the .prj
    other = tmp_path / "with_prj"
    other.mkdir()
    reference, _ = read_bdtopo_buildings(_zip_shapefile(other, frame))
    assert buildings.geometry.geom_equals_exact(reference.geometry, 1e-9).all()
