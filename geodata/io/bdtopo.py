"""IGN BD TOPO v3 ``BATIMENT`` layer, GeoPackage field names or Shapefile short names.

Field names are those of the BD TOPO v3 content description (IGN, "BD TOPO
Version 3 - Descriptif de contenu", class BATIMENT): the GeoPackage / WFS
long names and the Shapefile names truncated to 10 characters. BD TOPO is
delivered in Lambert-93 (EPSG:2154) in metropolitan France.

``hauteur`` is measured from the ground to the GUTTER ("mesurée entre le sol et
la gouttière"), whereas the schema's ``height_m`` goes to the top of the roof:
where the roof altitudes are given, ``height_m = hauteur + (altitude_maximale_toit
- altitude_minimale_toit)``; where they are not, ``hauteur`` is kept (it is
exact for flat roofs) and a finding says so.
"""

from __future__ import annotations

import os
from typing import IO

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.io._common import (
    HEIGHT_RANGE_M,
    MIN_AREA_M2,
    BuildingReport,
    _as_path,
    _choose_layer,
    _Findings,
    _finish,
    _format_name,
    _parse_number,
    _Raw,
    _read_layer,
)

SOURCE = "IGN BD TOPO"
ATTRIBUTION = "IGN BD TOPO®, Licence Ouverte Etalab 2.0"

# Schema meaning -> (GeoPackage/WFS name, Shapefile short name), BD TOPO v3.
FIELDS: dict[str, tuple[str, str]] = {
    "id": ("cleabs", "ID"),
    "hauteur": ("hauteur", "HAUTEUR"),
    "levels": ("nombre_d_etages", "NB_ETAGES"),
    "dwellings": ("nombre_de_logements", "NB_LOGTS"),
    "usage_1": ("usage_1", "USAGE1"),
    "usage_2": ("usage_2", "USAGE2"),
    "z_min_toit": ("altitude_minimale_toit", "Z_MIN_TOIT"),
    "z_max_toit": ("altitude_maximale_toit", "Z_MAX_TOIT"),
    "z_min_sol": ("altitude_minimale_sol", "Z_MIN_SOL"),
    "roof_material": ("materiaux_de_la_toiture", "MAT_TOITS"),
    "nature": ("nature", "NATURE"),
}

# usage_1 values of BD TOPO v3 -> geodata.schema.USAGES (unaccented spellings of old exports).
USAGE_MAP: dict[str, str] = {
    "Résidentiel": "residential",
    "Residentiel": "residential",
    "Commercial et services": "retail",
    "Industriel": "industrial",
    "Agricole": "agricultural",
    "Religieux": "religious",
    "Sportif": "sports",
    "Annexe": "annex",
    "Indifférencié": "unknown",
    "Indifferencie": "unknown",
}

# Altitudes (NGF) span roughly -10 m to 4,810 m in France (Mont Blanc): wider values are errors.
ALTITUDE_RANGE_M = (-100.0, 5000.0)


def _column(frame: pd.DataFrame, meaning: str) -> tuple[pd.Series | None, str | None]:
    """Find a BD TOPO field by its long or short name, whatever the case."""
    by_lower = {str(c).lower(): c for c in frame.columns}
    for name in FIELDS[meaning]:
        if name.lower() in by_lower:
            original = by_lower[name.lower()]
            return frame[original], str(original)
    return None, None


def looks_like_bdtopo(columns: pd.Index) -> bool:
    """True when a table's columns are those of BD TOPO BATIMENT (long or short names)."""
    names = {str(c).lower() for c in columns}
    long_names = {"cleabs", "hauteur", "nombre_d_etages", "usage_1"}
    short_names = {"hauteur", "nb_etages", "usage1", "z_min_toit"}
    return len(names & long_names) >= 3 or len(names & short_names) >= 3


def interpret_bdtopo(
    frame: gpd.GeoDataFrame,
    *,
    name: str = "<frame>",
    fmt: str = "IGN BD TOPO",
    findings: _Findings | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Normalise a frame of BD TOPO BATIMENT features."""
    findings = findings or _Findings()
    frame = frame.reset_index(drop=True)
    locators = np.arange(1, len(frame) + 1)

    def number(meaning: str, rng: tuple[float, float], **kw) -> pd.Series:
        values, field = _column(frame, meaning)
        if values is None:
            return pd.Series(np.nan, index=frame.index)
        return _parse_number(
            values,
            column=meaning,
            source_field=field,
            value_range=rng,
            findings=findings,
            locators=locators,
            **kw,
        )

    hauteur = number("hauteur", HEIGHT_RANGE_M, include_low=False)
    z_min = number("z_min_toit", ALTITUDE_RANGE_M)
    z_max = number("z_max_toit", ALTITUDE_RANGE_M)
    rise = z_max - z_min
    inverted = rise < 0
    if inverted.any():
        findings.add(
            "buildings_value_inconsistent",
            f"{int(inverted.sum())} roof(s) have a maximum altitude below their minimum; "
            "roof height set missing",
            "warning",
            field=_column(frame, "z_max_toit")[1],
            locators=list(locators[inverted.to_numpy()]),
            count=int(inverted.sum()),
        )
        rise = rise.mask(inverted)
    height = hauteur + rise.fillna(0.0)
    to_gutter = hauteur.notna() & rise.isna()
    if to_gutter.any():
        findings.add(
            "buildings_height_to_gutter",
            f"{int(to_gutter.sum())} building(s) have no roof altitudes: their height is "
            "measured to the gutter, not the ridge",
            "info",
            field=_column(frame, "hauteur")[1],
            count=int(to_gutter.sum()),
        )
    ids, id_field = _column(frame, "id")
    usage, usage_field = _column(frame, "usage_1")
    levels, levels_field = _column(frame, "levels")
    dwellings, dwellings_field = _column(frame, "dwellings")
    columns: dict[str, pd.Series] = {"height_m": height, "roof_height_m": rise}
    fields: dict[str, str] = {"height_m": _column(frame, "hauteur")[1] or "hauteur"}
    for column, values, field in (
        ("id", ids, id_field),
        ("usage", usage, usage_field),
        ("levels", levels, levels_field),
        ("dwellings", dwellings, dwellings_field),
    ):
        if values is not None:
            columns[column] = values
            fields[column] = field
    raw = _Raw(
        frame=frame,
        columns=columns,
        fields=fields,
        locators=locators,
        usage_table=USAGE_MAP,
        id_prefix="bdtopo-feature-",
    )
    return _finish(
        raw, fmt=fmt, source=SOURCE, name=name, findings=findings, min_area_m2=min_area_m2
    )


def read_bdtopo_buildings(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes],
    filename: str | None = None,
    *,
    layer: str | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Read the BD TOPO ``BATIMENT`` layer (GeoPackage, Shapefile, zipped Shapefile, GeoJSON).

    Parameters
    ----------
    path_or_buffer : str, path, bytes or file-like
        The file, or its content (then ``filename`` gives its name).
    filename : str, optional
        Name of the file when a buffer is given.
    layer : str, optional
        Layer name; by default the layer called ``batiment`` (any case) or the only one.
    min_area_m2 : float, default 2.0
        Footprints smaller than this [m2] are dropped as slivers.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        Normalised buildings; ``id`` is BD TOPO's ``cleabs``.
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
    return interpret_bdtopo(
        frame,
        name=name,
        fmt=f"IGN BD TOPO ({_format_name(name)})",
        findings=findings,
        min_area_m2=min_area_m2,
    )
