"""The normalised building schema that every reader produces.

One row per building, geometry in EPSG:4326. Unknown values stay missing
(``<NA>``/NaN): a reader never invents them; roof modelling records what it
inferred, per plane, in ``inferred_from``.

Columns
-------
id : str
    Identifier, unique in the frame (source id where there is one).
height_m : float
    Height of the building to the top of the roof [m].
levels : Int64
    Number of storeys above ground.
usage : str
    One of :data:`USAGES`.
dwellings : Int64
    Number of dwellings.
roof_shape : str
    OSM "Simple 3D buildings" vocabulary: flat, gabled, hipped, skillion, ...
roof_direction_deg : float
    Direction the main roof slope FACES, clockwise from north [deg]
    (OSM ``roof:direction``), e.g. 180 for a skillion facing south.
roof_orientation : str
    ``"along"`` or ``"across"``: ridge along or across the longest side (OSM).
roof_angle_deg : float
    Roof pitch from horizontal [deg].
roof_height_m : float
    Rise of the roof from eaves to ridge [m].
existing_pv : boolean
    True where panels are already on the roof.
source : str
    Where the row came from ("synthetic demo", "OpenStreetMap", "IGN BD TOPO", ...).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

CRS = "EPSG:4326"
METRIC_CRS_FRANCE = "EPSG:2154"  # Lambert-93

BUILDING_DTYPES: dict[str, str] = {
    "id": "string",
    "height_m": "float64",
    "levels": "Int64",
    "usage": "string",
    "dwellings": "Int64",
    "roof_shape": "string",
    "roof_direction_deg": "float64",
    "roof_orientation": "string",
    "roof_angle_deg": "float64",
    "roof_height_m": "float64",
    "existing_pv": "boolean",
    "source": "string",
}
BUILDING_COLUMNS: tuple[str, ...] = (*BUILDING_DTYPES, "geometry")

USAGES: tuple[str, ...] = (
    "residential",
    "apartments",
    "school",
    "sports",
    "retail",
    "office",
    "industrial",
    "public",
    "religious",
    "agricultural",
    "parking",
    "annex",
    "unknown",
)

ROOF_SHAPES: tuple[str, ...] = (
    "flat",
    "gabled",
    "hipped",
    "half-hipped",
    "skillion",
    "pyramidal",
    "mansard",
    "gambrel",
    "dome",
    "round",
    "saltbox",
    "sawtooth",
)


def normalise_buildings(frame: pd.DataFrame | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` with exactly the schema columns, in order, with their dtypes.

    Missing columns are added empty; extra columns are dropped. The CRS must
    already be EPSG:4326 (readers reproject before calling this).

    Raises
    ------
    ValueError
        If the frame has no geometry, another CRS, or duplicate ids.
    """
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name != "geometry":
        raise ValueError("buildings need a 'geometry' column")
    if frame.crs is None or not frame.crs.equals(CRS):
        raise ValueError(f"buildings must be in {CRS}, got {frame.crs}")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column, dtype in BUILDING_DTYPES.items():
        if column in frame:
            out[column] = pd.Series(frame[column].to_numpy(), index=out.index).astype(dtype)
        else:
            out[column] = pd.Series(None, index=out.index, dtype=dtype)
    if out["id"].isna().any() or out["id"].duplicated().any():
        raise ValueError("building ids must be present and unique")
    return gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=CRS)
