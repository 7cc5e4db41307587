"""Etalab cadastre ``batiments`` layer (cadastre.data.gouv.fr, GeoJSON, WGS84).

Each feature carries ``commune`` (INSEE code), ``nom``, ``type`` and the dates
``created`` / ``updated``; some exports add an ``id``. ``type`` follows the DGFiP
PCI: ``"01"`` bâti dur (a building on foundations), ``"02"`` bâti léger (a light
structure: shed, carport, greenhouse, lean-to). The cadastre gives no height,
storeys or roof: those stay missing.
"""

from __future__ import annotations

import os
from typing import IO

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.io._common import (
    MIN_AREA_M2,
    BuildingReport,
    _as_path,
    _Findings,
    _finish,
    _Raw,
    _read_layer,
)

SOURCE = "Etalab cadastre"
ATTRIBUTION = "DGFiP / Etalab, cadastre.data.gouv.fr, Licence Ouverte 2.0"

# Cadastre building type -> usage. "02" (bâti léger) are light outbuildings by definition
# of the PCI; "01" says nothing of the use.
USAGE_MAP: dict[str, str] = {"01": "unknown", "02": "annex"}


def looks_like_cadastre(columns: pd.Index) -> bool:
    """True when a table's columns are those of the Etalab cadastre ``batiments`` layer."""
    names = {str(c).lower() for c in columns}
    return {"type", "commune"} <= names and bool(names & {"created", "updated"})


def interpret_cadastre(
    frame: gpd.GeoDataFrame,
    *,
    name: str = "<frame>",
    fmt: str = "Etalab cadastre",
    findings: _Findings | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Normalise a frame of cadastre ``batiments`` features."""
    findings = findings or _Findings()
    frame = frame.reset_index(drop=True)
    by_lower = {str(c).lower(): c for c in frame.columns}
    kind = frame[by_lower["type"]] if "type" in by_lower else pd.Series(pd.NA, index=frame.index)
    # GDAL may have read "01" as the integer 1: restore the two-digit code.
    kind = kind.astype("string").str.strip().str.zfill(2)
    columns: dict[str, pd.Series] = {"usage": kind}
    fields = {"usage": str(by_lower.get("type", "type"))}
    if "id" in by_lower:
        columns["id"] = frame[by_lower["id"]]
        fields["id"] = str(by_lower["id"])
    elif "commune" in by_lower:
        # Without an id, the commune code and the feature number identify the footprint.
        commune = frame[by_lower["commune"]].astype("string").fillna("commune")
        columns["id"] = commune + "-" + pd.Series(np.arange(1, len(frame) + 1)).astype("string")
    raw = _Raw(
        frame=frame,
        columns=columns,
        fields=fields,
        usage_table=USAGE_MAP,
        id_prefix="cadastre-feature-",
    )
    return _finish(
        raw, fmt=fmt, source=SOURCE, name=name, findings=findings, min_area_m2=min_area_m2
    )


def read_cadastre_buildings(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes],
    filename: str | None = None,
    *,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Read an Etalab cadastre ``batiments`` GeoJSON (plain or ``.json.gz``).

    Parameters
    ----------
    path_or_buffer : str, path, bytes or file-like
        The file, or its content (then ``filename`` gives its name).
    filename : str, optional
        Name of the file when a buffer is given.
    min_area_m2 : float, default 2.0
        Footprints smaller than this [m2] are dropped as slivers.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        Normalised buildings without heights; ``usage`` is ``annex`` for bâti léger.
    report : BuildingReport

    Raises
    ------
    ReadError
        If the file cannot be read or its CRS is missing or wrong.
    """
    findings = _Findings()
    with _as_path(path_or_buffer, filename) as (path, name):
        frame = _read_layer(path, name, layer=None, findings=findings)
    return interpret_cadastre(frame, name=name, findings=findings, min_area_m2=min_area_m2)
