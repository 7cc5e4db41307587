"""OpenStreetMap buildings: ``.osm.pbf``, ``.osm`` XML, ogr2ogr GeoJSON and osmnx downloads.

Files are read with GDAL's OSM driver through pyogrio, layer ``multipolygons``:
GDAL's default ``osmconf.ini`` turns closed ways tagged ``building=*`` and
``type=multipolygon`` relations into that layer, keeps ``building`` as a column
and packs every other tag into the ``other_tags`` hstore string. We chose GDAL
over pyrosm because it is already a dependency (pyogrio), reads both PBF and XML,
and streams the file without a Python object per node; pyrosm stays an optional
extra and serves in the tests as an independent count.

Tags follow the "Simple 3D buildings" scheme (wiki.openstreetmap.org/wiki/Simple_3D_buildings):
``height``, ``building:levels``, ``roof:shape``, ``roof:direction``,
``roof:orientation``, ``roof:angle``, ``roof:height``; ``building:flats`` gives
dwellings and ``generator:source=solar`` on a building marks existing panels.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import queue
import socket
import threading
import urllib.parse
from pathlib import Path
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
from quartier_solaire.errors import ReadError

SOURCE = "OpenStreetMap"
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

# OSM tag -> schema column. ``building:height`` is the deprecated spelling of height.
VARIABLE_MAP: dict[str, str] = {
    "height": "height_m",
    "building:levels": "levels",
    "building:flats": "dwellings",
    "roof:shape": "roof_shape",
    "roof:direction": "roof_direction_deg",
    "roof:orientation": "roof_orientation",
    "roof:angle": "roof_angle_deg",
    "roof:height": "roof_height_m",
    "building": "usage",
}
TAGS: tuple[str, ...] = (*VARIABLE_MAP, "building:height", "generator:source")

# building=* values (wiki "Key:building") -> geodata.schema.USAGES; "yes" says nothing.
USAGE_MAP: dict[str, str] = {
    **dict.fromkeys(
        [
            "house",
            "detached",
            "terrace",
            "semidetached_house",
            "residential",
            "bungalow",
            "cabin",
            "farm",
            "houseboat",
            "static_caravan",
            "villa",
        ],
        "residential",
    ),
    **dict.fromkeys(["apartments", "dormitory"], "apartments"),
    **dict.fromkeys(["school", "kindergarten", "university", "college"], "school"),
    **dict.fromkeys(
        ["sports_hall", "sports_centre", "stadium", "grandstand", "pavilion", "riding_hall"],
        "sports",
    ),
    **dict.fromkeys(["supermarket", "retail", "commercial", "kiosk", "shop"], "retail"),
    "office": "office",
    **dict.fromkeys(["industrial", "warehouse", "factory", "manufacture"], "industrial"),
    **dict.fromkeys(
        [
            "public",
            "civic",
            "government",
            "hospital",
            "townhall",
            "fire_station",
            "train_station",
            "transportation",
            "museum",
        ],
        "public",
    ),
    **dict.fromkeys(
        [
            "church",
            "chapel",
            "cathedral",
            "mosque",
            "synagogue",
            "temple",
            "shrine",
            "religious",
            "monastery",
        ],
        "religious",
    ),
    **dict.fromkeys(
        ["barn", "farm_auxiliary", "greenhouse", "stable", "cowshed", "sty", "silo"],
        "agricultural",
    ),
    **dict.fromkeys(["carport", "parking"], "parking"),
    **dict.fromkeys(["garage", "garages", "shed", "hut", "service", "roof"], "annex"),
    "yes": "unknown",
}

# A key or value of GDAL's hstore: a double-quoted string where \" and \\ are escapes.
_HSTORE_PAIR = r'"(?P<key>(?:[^"\\]|\\.)*)"\s*=>\s*(?:"(?P<value>(?:[^"\\]|\\.)*)"|NULL)'


def parse_other_tags(other_tags: pd.Series, keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Parse GDAL's ``other_tags`` hstore strings into one column per tag.

    Parameters
    ----------
    other_tags : pandas.Series
        Strings such as ``"building:levels"=>"3","roof:shape"=>"gabled"``; quotes
        and backslashes inside keys and values are escaped with a backslash.
    keys : tuple of str, optional
        Tags to keep; all tags when None.

    Returns
    -------
    pandas.DataFrame
        Same index as ``other_tags``, one string column per tag, missing where absent.
        Malformed fragments are skipped, never raised.
    """
    text = other_tags.astype("string")
    pairs = text.str.extractall(_HSTORE_PAIR)
    if pairs.empty:
        return pd.DataFrame(index=other_tags.index, columns=list(keys or ()), dtype="string")
    unescape = r"\\(.)"
    pairs["key"] = pairs["key"].str.replace(unescape, r"\1", regex=True)
    pairs["value"] = pairs["value"].str.replace(unescape, r"\1", regex=True)
    if keys is not None:
        pairs = pairs[pairs["key"].isin(keys)]
    row = pairs.index.get_level_values(0)
    wide = (
        pd.DataFrame({"row": row, "key": pairs["key"].to_numpy(), "value": pairs["value"]})
        .drop_duplicates(["row", "key"], keep="first")
        .pivot(index="row", columns="key", values="value")
    )
    wide = wide.reindex(index=other_tags.index, columns=list(keys) if keys else wide.columns)
    return wide.astype("string")


def _osm_tags(frame: pd.DataFrame) -> pd.DataFrame:
    """Tags of interest from columns and ``other_tags`` (a column wins over the hstore)."""
    tags = pd.DataFrame(index=frame.index)
    if "other_tags" in frame:
        tags = parse_other_tags(frame["other_tags"], TAGS)
    for key in TAGS:
        if key in frame:
            column = frame[key].astype("string")
            tags[key] = column.fillna(tags[key]) if key in tags else column
        elif key not in tags:
            tags[key] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return tags


def _osm_ids(frame: pd.DataFrame) -> pd.Series:
    """``way/123`` or ``relation/456`` from GDAL's osm_way_id / osm_id, else an id column."""
    ids = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "osm_way_id" in frame:
        way = frame["osm_way_id"].astype("string")
        ids = ids.fillna("way/" + way)
    if "osm_id" in frame:
        # In GDAL's multipolygons layer osm_id is set for relations only.
        rel = frame["osm_id"].astype("string")
        prefix = "relation/" if "osm_way_id" in frame else ""
        ids = ids.fillna(prefix + rel)
    for name in ("@id", "id"):
        if name in frame:
            ids = ids.fillna(frame[name].astype("string"))
    return ids


def _osm_raw(frame: gpd.GeoDataFrame, findings: _Findings) -> _Raw:
    """Keep features tagged building=* (not "no") and map their tags to schema columns."""
    locators = np.arange(1, len(frame) + 1)
    tags = _osm_tags(frame)
    building = tags["building"].str.strip().str.lower()
    is_building = building.notna() & (building != "no") & (building != "")
    others = int((~is_building).sum())
    if others:
        findings.add(
            "buildings_not_building",
            f"{others} feature(s) without a building tag were left out",
            "info",
            field="building",
            count=others,
        )
    mask = is_building.to_numpy()
    frame = frame[mask]
    tags = tags[mask]
    ids = _osm_ids(frame)
    height = tags["height"].fillna(tags["building:height"])
    # generator:source may list several sources separated by ";" (OSM multi-value syntax).
    solar = tags["generator:source"].str.contains(r"(?:^|;)\s*solar\s*(?:;|$)", case=False)
    solar = solar.fillna(False).astype(bool)
    columns = {column: tags[key] for key, column in VARIABLE_MAP.items()}
    columns["height_m"] = height
    columns["id"] = ids
    # Only a positive statement is recorded: no solar tag means "unknown", not "no panels".
    columns["existing_pv"] = pd.Series(
        np.where(solar.to_numpy(dtype=bool), "yes", None), index=frame.index
    )
    fields = {column: key for key, column in VARIABLE_MAP.items()}
    fields["existing_pv"] = "generator:source"
    raw = _Raw(
        frame=frame,
        columns=columns,
        fields=fields,
        locators=locators[mask],
        usage_table=USAGE_MAP,
        id_prefix="osm-feature-",
        lengths=True,
    )
    return raw


def _osm_format(name: str) -> tuple[str, str | None]:
    lower = name.lower()
    if lower.endswith(".pbf"):
        return "OpenStreetMap PBF", "multipolygons"
    if lower.endswith(".osm"):
        return "OpenStreetMap XML", "multipolygons"
    return "OpenStreetMap GeoJSON", None


def read_osm_buildings(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes],
    filename: str | None = None,
    *,
    layer: str | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Read OpenStreetMap buildings from a PBF, an XML ``.osm`` or an ogr2ogr GeoJSON.

    Parameters
    ----------
    path_or_buffer : str, path, bytes or file-like
        The file, or its content (then ``filename`` gives its name and format).
    filename : str, optional
        Name of the file when a buffer is given.
    layer : str, optional
        Layer to read; ``multipolygons`` for PBF and XML.
    min_area_m2 : float, default 2.0
        Footprints smaller than this [m2] are dropped as slivers.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        Normalised buildings (see :mod:`geodata.schema`), ids ``way/<n>`` or ``relation/<n>``.
    report : BuildingReport

    Raises
    ------
    ReadError
        If the file cannot be read or its CRS is missing or wrong.
    """
    findings = _Findings()
    with _as_path(path_or_buffer, filename) as (path, name):
        fmt, default_layer = _osm_format(name)
        frame = _read_layer(path, name, layer=layer or default_layer, findings=findings)
    return interpret_osm(frame, name=name, fmt=fmt, findings=findings, min_area_m2=min_area_m2)


def interpret_osm(
    frame: gpd.GeoDataFrame,
    *,
    name: str = "<frame>",
    fmt: str = "OpenStreetMap",
    findings: _Findings | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Normalise a frame of OSM features (tags as columns and/or ``other_tags``)."""
    findings = findings or _Findings()
    raw = _osm_raw(frame, findings)
    return _finish(
        raw,
        fmt=fmt,
        source=SOURCE,
        name=name,
        findings=findings,
        min_area_m2=min_area_m2,
    )


def looks_like_osm(columns: pd.Index) -> bool:
    """True when a table's columns look like OSM features (ogr2ogr or tag columns)."""
    names = {str(c) for c in columns}
    if "other_tags" in names and ("osm_id" in names or "osm_way_id" in names):
        return True
    return "building" in names and bool(names & {"osm_id", "osm_way_id", "@id", "building:levels"})


# --- download ----------------------------------------------------------------

# Longest wait to learn whether the Overpass server can be reached at all [s].
# Offline, osmnx would wait 60 s after failing to read the server's status page,
# then fail; this probe fails within a few seconds instead.
REACH_TIMEOUT_S = 5.0
# Longest wait for one answer from the Overpass server once it is reachable [s]
# (osmnx's default is 180 s); a 2 km square of buildings takes seconds.
OVERPASS_TIMEOUT_S = 60


def fetch_osm_buildings(
    bbox: tuple[float, float, float, float] | None = None,
    place: str | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Download OpenStreetMap buildings with osmnx, caching the raw tags on disk.

    Parameters
    ----------
    bbox : tuple of float, optional
        ``(west, south, east, north)`` [deg], WGS84.
    place : str, optional
        Place name geocoded by Nominatim, e.g. ``"Nantes, France"``.
    cache_dir : str or path, optional
        Folder of the GeoJSON cache; when the same request was cached there, the
        cached file is read and osmnx is not imported (no network).
    min_area_m2 : float, default 2.0
        Footprints smaller than this [m2] are dropped as slivers.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
    report : BuildingReport

    Raises
    ------
    ReadError
        If neither or both of ``bbox`` and ``place`` are given, osmnx is missing
        (install ``osmnx``) or the download fails.
    """
    if (bbox is None) == (place is None):
        raise ReadError("give either a bounding box or a place name", code="buildings_fetch_args")
    if bbox is not None:
        bbox = tuple(float(v) for v in bbox)
        west, south, east, north = bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ReadError(
                "the bounding box must be (west, south, east, north) in degrees",
                code="buildings_fetch_args",
            )
    cache_file = None
    if cache_dir is not None:
        cache_file = _cache_file(cache_dir, bbox, place)
        if cache_file.exists():
            return read_osm_buildings(cache_file, min_area_m2=min_area_m2)
    features = _download(bbox, place)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        features.to_file(cache_file, driver="GeoJSON", engine="pyogrio")
    return interpret_osm(
        features, name=str(place or bbox), fmt="OpenStreetMap (osmnx)", min_area_m2=min_area_m2
    )


def _cache_file(
    cache_dir: str | os.PathLike, bbox: tuple[float, ...] | None, place: str | None
) -> Path:
    """Cache file of one request: a hash of the bounding box or place name."""
    request = {"bbox": None if bbox is None else [float(v) for v in bbox], "place": place}
    key = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"osm-buildings-{key}.geojson"


def _download(
    bbox: tuple[float, float, float, float] | None, place: str | None
) -> gpd.GeoDataFrame:
    """Fetch building features with osmnx; return id, tags of interest and geometry."""
    try:
        ox = importlib.import_module("osmnx")
    except ImportError as exc:
        raise ReadError(
            "downloading from OpenStreetMap needs osmnx: pip install osmnx",
            code="buildings_osmnx_missing",
        ) from exc
    if not _reachable(ox.settings.overpass_url, REACH_TIMEOUT_S):
        raise ReadError(
            "the OpenStreetMap server cannot be reached from here (no network?)",
            code="buildings_fetch_offline",
        )
    ox.settings.requests_timeout = OVERPASS_TIMEOUT_S
    try:
        if bbox is not None:
            features = ox.features_from_bbox(bbox, tags={"building": True})
        else:
            features = ox.features_from_place(place, tags={"building": True})
    except Exception as exc:  # osmnx raises many kinds (HTTP, no data, geocoding)
        raise ReadError(
            f"the OpenStreetMap download failed ({type(exc).__name__})",
            code="buildings_fetch_failed",
        ) from exc
    features = features.reset_index()
    # osmnx >= 2 indexes by (element, id); element is "node", "way" or "relation".
    element = features["element"] if "element" in features else features.get("element_type")
    osmid = features["id"] if "id" in features else features.get("osmid")
    if element is None or osmid is None:
        raise ReadError(
            "osmnx returned features without element type and id; this osmnx version "
            "is not supported (osmnx >= 2.0 is)",
            code="buildings_fetch_failed",
        )
    out = gpd.GeoDataFrame(
        {"@id": (element.astype(str) + "/" + osmid.astype(str)).to_numpy()},
        geometry=features.geometry.to_numpy(),
        crs=features.crs,
    )
    for key in TAGS:
        if key in features:
            out[key] = features[key].astype("string").to_numpy()
    return out


def _reachable(url: str, timeout_s: float) -> bool:
    """Return whether a TCP connection to ``url``'s host opens within ``timeout_s`` [s].

    Name resolution has no timeout of its own, so the probe runs in a daemon
    thread and is abandoned when it takes too long.
    """
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    answer: queue.Queue[bool] = queue.Queue()

    def probe() -> None:
        try:
            socket.create_connection((parts.hostname, port), timeout=timeout_s).close()
            answer.put(True)
        except (OSError, UnicodeError):
            answer.put(False)

    threading.Thread(target=probe, daemon=True).start()
    try:
        return answer.get(timeout=timeout_s)
    except queue.Empty:
        return False
