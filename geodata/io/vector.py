"""Generic vector buildings (GeoJSON, GeoPackage, Shapefile) and the one entry point.

:func:`read_buildings` opens any of the supported files, recognises its kind
from the extension and the attribute names (OpenStreetMap, IGN BD TOPO, Etalab
cadastre, or a generic table) and hands it to the matching reader.
:func:`read_vector_buildings` maps common attribute names of other sources.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.io import bdtopo, cadastre, osm
from geodata.io._common import (
    MIN_AREA_M2,
    BuildingReport,
    _as_path,
    _choose_layer,
    _Findings,
    _finish,
    _format_name,
    _Raw,
    _read_layer,
)
from quartier_solaire.errors import NotRecognised, ReadError

SOURCE = "vector file"

# Schema column -> attribute names recognised in generic files (compared case-insensitively),
# in order of preference: our own names, OSM tags, French open-data names, English variants.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "building_id", "cleabs", "identifiant", "@id", "osm_id", "gid", "fid"),
    "height_m": ("height_m", "height", "building:height", "hauteur", "haut", "bldg_height"),
    "levels": (
        "levels",
        "building:levels",
        "building_levels",
        "nombre_d_etages",
        "nb_etages",
        "etages",
        "storeys",
        "floors",
        "num_floors",
    ),
    "usage": ("usage", "usage_1", "usage1", "building", "building_type", "type_usage"),
    "dwellings": (
        "dwellings",
        "building:flats",
        "flats",
        "nombre_de_logements",
        "nb_logts",
        "logements",
    ),
    "roof_shape": ("roof_shape", "roof:shape", "forme_toit"),
    "roof_direction_deg": ("roof_direction_deg", "roof:direction", "roof_direction"),
    "roof_orientation": ("roof_orientation", "roof:orientation"),
    "roof_angle_deg": ("roof_angle_deg", "roof:angle", "roof_angle", "pente_toit"),
    "roof_height_m": ("roof_height_m", "roof:height", "roof_height"),
    "existing_pv": ("existing_pv", "solar", "pv"),
}

# Words understood as usages in generic files: ours, OSM's and BD TOPO's.
USAGE_MAP: dict[str, str] = {**osm.USAGE_MAP, **bdtopo.USAGE_MAP}

# Extensions of files that are never building data (consumption, weather, tables).
_NOT_VECTOR = (".csv", ".tsv", ".txt", ".epw", ".xlsx", ".xls", ".parquet", ".pdf")


def interpret_vector(
    frame: gpd.GeoDataFrame,
    *,
    name: str = "<frame>",
    fmt: str = "vector",
    findings: _Findings | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Normalise a frame whose attributes have common names (see :data:`COLUMN_ALIASES`)."""
    findings = findings or _Findings()
    frame = frame.reset_index(drop=True)
    by_lower = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    columns: dict[str, pd.Series] = {}
    fields: dict[str, str] = {}
    for column, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in by_lower:
                columns[column] = frame[by_lower[alias]]
                fields[column] = str(by_lower[alias])
                break
    raw = _Raw(
        frame=frame,
        columns=columns,
        fields=fields,
        usage_table=USAGE_MAP,
        id_prefix="feature-",
        # Free-text heights may carry units ("12 m"), as in OSM.
        lengths=True,
    )
    return _finish(
        raw, fmt=fmt, source=SOURCE, name=name, findings=findings, min_area_m2=min_area_m2
    )


def read_vector_buildings(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes],
    filename: str | None = None,
    *,
    layer: str | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Read buildings from a GeoJSON, GeoPackage or (zipped) Shapefile with common names.

    Parameters
    ----------
    path_or_buffer : str, path, bytes or file-like
        The file (``zip://`` and ``/vsizip/`` paths included), or its content.
    filename : str, optional
        Name of the file when a buffer is given.
    layer : str, optional
        Layer name for multi-layer files.
    min_area_m2 : float, default 2.0
        Footprints smaller than this [m2] are dropped as slivers.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
    report : BuildingReport

    Raises
    ------
    ReadError
        If the file cannot be read, the layer is ambiguous or the CRS is missing or wrong.
    """
    findings = _Findings()
    with _as_path(path_or_buffer, filename) as (path, name):
        chosen = _choose_layer(path, name, layer)
        frame = _read_layer(path, name, layer=chosen, findings=findings)
    return interpret_vector(
        frame, name=name, fmt=_format_name(name), findings=findings, min_area_m2=min_area_m2
    )


def detect_kind(frame: pd.DataFrame, name: str = "") -> str:
    """Return ``"osm"``, ``"bdtopo"``, ``"cadastre"`` or ``"vector"`` from names and columns."""
    if name.lower().endswith((".pbf", ".osm")) or osm.looks_like_osm(frame.columns):
        return "osm"
    if bdtopo.looks_like_bdtopo(frame.columns):
        return "bdtopo"
    if cadastre.looks_like_cadastre(frame.columns):
        return "cadastre"
    return "vector"


_INTERPRETERS = {
    "osm": (osm.interpret_osm, "OpenStreetMap"),
    "bdtopo": (bdtopo.interpret_bdtopo, "IGN BD TOPO"),
    "cadastre": (cadastre.interpret_cadastre, "Etalab cadastre"),
    "vector": (interpret_vector, None),
}


def read_buildings(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes],
    filename: str | None = None,
    *,
    layer: str | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Read buildings from any supported file, recognising its format.

    OpenStreetMap (``.osm.pbf``, ``.osm``, ogr2ogr GeoJSON with ``other_tags``),
    IGN BD TOPO ``BATIMENT`` (GeoPackage or Shapefile names), the Etalab cadastre
    ``batiments`` layer, or any GeoJSON / GeoPackage / (zipped) Shapefile of
    footprints with common attribute names.

    Parameters
    ----------
    path_or_buffer : str, path, bytes or file-like
        The file, or its content (then ``filename`` gives its name and format).
    filename : str, optional
        Name of the file when a buffer is given.
    layer : str, optional
        Layer of a multi-layer file; by default the buildings layer.
    min_area_m2 : float, default 2.0
        Footprints smaller than this [m2] are dropped as slivers.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        Normalised buildings (:mod:`geodata.schema`), EPSG:4326.
    report : BuildingReport
        What was kept, repaired and dropped, and why.

    Raises
    ------
    ReadError
        If the file cannot be read, holds no footprints, or its CRS is missing or wrong.
    """
    findings = _Findings()
    with _as_path(path_or_buffer, filename) as (path, name):
        if name.lower().endswith(_NOT_VECTOR):
            raise ReadError(
                "not a vector building file (GeoJSON, GeoPackage, Shapefile, OSM)",
                path=name,
                code="unreadable",
            )
        if name.lower().endswith((".pbf", ".osm")):
            chosen: str | int | None = layer or "multipolygons"
        else:
            chosen = _choose_layer(path, name, layer)
        frame = _read_layer(path, name, layer=chosen, findings=findings)
    _require_polygons(frame, name)
    kind = detect_kind(frame, name)
    interpret, label = _INTERPRETERS[kind]
    container = _format_name(name)
    fmt = container if label is None or label in container else f"{label} ({container})"
    return interpret(frame, name=name, fmt=fmt, findings=findings, min_area_m2=min_area_m2)


def _require_polygons(frame: gpd.GeoDataFrame, name: str) -> None:
    """Refuse a table with features but no polygon at all: it is not footprints."""
    if len(frame) == 0:
        return
    geoms = frame.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(
        types,
        (
            shapely.GeometryType.POLYGON,
            shapely.GeometryType.MULTIPOLYGON,
            shapely.GeometryType.GEOMETRYCOLLECTION,
        ),
    )
    if not polygonal.any():
        raise ReadError(
            "the file holds no polygon: building footprints were expected",
            path=name,
            code="buildings_no_polygons",
        )


def inspect_buildings(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes], filename: str | None = None
) -> dict[str, Any]:
    """Say what a building file holds, as the readers see it (for ``quartier-solaire inspect``).

    Returns
    -------
    dict
        ``kind`` ("buildings"), ``format``, ``buildings`` (kept), ``dropped``,
        ``repaired``, ``with_height``, ``with_roof_shape``, ``crs_in``,
        ``crs_assumed`` and ``problems`` (list of dicts).

    Raises
    ------
    NotRecognised
        If the file is not vector building data (a consumption CSV, a weather file).
    ReadError
        If it is building data that cannot be read (e.g. a CRS that is wrong).
    """
    name = filename or (
        Path(os.fspath(path_or_buffer)).name
        if isinstance(path_or_buffer, str | os.PathLike)
        else "upload"
    )
    try:
        _, report = read_buildings(path_or_buffer, filename)
    except ReadError as exc:
        if exc.code in ("unreadable", "buildings_no_polygons", "buildings_layer_ambiguous"):
            raise NotRecognised(
                "not a building file (GeoJSON, GeoPackage, Shapefile, OSM)", path=name
            ) from exc
        raise
    return {
        "kind": "buildings",
        "format": report.format,
        "buildings": report.kept,
        "dropped": report.dropped,
        "repaired": report.repaired,
        "with_height": report.with_height,
        "with_roof_shape": report.with_roof_shape,
        "crs_in": report.crs_in,
        "crs_assumed": report.crs_assumed,
        "problems": [p.to_dict() for p in report.problems],
    }
