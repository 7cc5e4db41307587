"""What every building reader shares: the report, CRS checks, geometry repair, value parsing.

A reader maps its source's attributes onto the schema columns as *raw* values
(strings or numbers as found), then :func:`_finish` checks the CRS, repairs or
drops geometries, parses and range-checks every value, makes ids unique and
returns the normalised frame with its :class:`BuildingReport`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from geodata.clusters import cluster_summary, scattered_problem
from geodata.metric import metric_crs
from geodata.schema import CRS, ROOF_SHAPES, USAGES, normalise_buildings
from quartier_solaire.errors import Problem, ReadError, ReadReport, Severity

# Smallest footprint kept [m2]. A documented assumption: below ~2 m2 a "building" is a
# digitising sliver or a chimney-sized artefact, and no PV module (~1.7 m2) fits on it.
MIN_AREA_M2 = 2.0

# Plausible ranges; values outside are set missing and reported. Documented assumptions:
# the tallest building is 828 m (Burj Khalifa), the most storeys 163; roof pitch is
# measured from horizontal so lies in [0, 90] deg (OSM roof:angle); azimuths in [0, 360].
HEIGHT_RANGE_M = (0.0, 1000.0)
LEVELS_RANGE = (0, 200)
DWELLINGS_RANGE = (0, 10_000)
ROOF_ANGLE_RANGE_DEG = (0.0, 90.0)
ROOF_DIRECTION_RANGE_DEG = (0.0, 360.0)

# How far outside a projected CRS's EPSG area of use coordinates may lie [deg]: a
# documented assumption, wide enough for a UTM zone used past its strip.
AREA_OF_USE_MARGIN_DEG = 3.0

# Archives are refused from their directory, before anything is decompressed, when
# they would unpack to more than this [bytes] (a documented limit: five times the
# 200 MB upload limit of .streamlit/config.toml, room for a department's BD TOPO) ...
MAX_UNCOMPRESSED_BYTES = 1_000_000_000
# ... or when a member larger than MIN_RATIO_CHECKED_BYTES shrinks more than this.
# Building files compress 5:1 to 20:1; zip bombs 1000:1 and more.
MAX_COMPRESSION_RATIO = 100.0
MIN_RATIO_CHECKED_BYTES = 1_000_000

# Words that make a JSON text GeoJSON (RFC 7946 member values).
_GEOJSON_WORDS = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Feature|Polygon|MultiPolygon)"')

# Longest JSON text checked for truncation when GDAL cannot open it [bytes].
_MAX_JSON_CHECKED_BYTES = 200_000_000

# OSM roof:direction also accepts the 16 compass points (wiki "Key:roof:direction").
COMPASS_DEG: dict[str, float] = {
    name: 22.5 * i
    for i, name in enumerate(
        "N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW".split(),
    )
}

# Feet and inches to metres (international foot, 1959).
FOOT_M = 0.3048
INCH_M = 0.0254

# Roof shapes spelt otherwise in the wild -> schema vocabulary.
_ROOF_SHAPE_ALIASES = {"half_hipped": "half-hipped", "halfhipped": "half-hipped"}

_POLYGON_TYPES = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)

# How many feature numbers a grouped finding lists in its params (keeps reports short).
_MAX_LOCATORS = 10


@dataclass(frozen=True)
class BuildingReport(ReadReport):
    """What a building reader kept, repaired and dropped, and why (a ReadReport).

    ``kind`` is ``"buildings"``; ``rows_kept``, ``rows_dropped`` and
    ``rows_repaired`` repeat ``kept``, ``dropped`` and ``repaired``.

    Parameters
    ----------
    format : str
        Source format ("OpenStreetMap PBF", "IGN BD TOPO", "GeoJSON", ...).
    kept : int
        Buildings returned.
    dropped : int
        Building features of the source not returned (bad geometry, slivers).
    repaired : int
        Buildings returned with a repaired geometry.
    with_height : int
        Buildings returned whose source gave a height.
    with_roof_shape : int
        Buildings returned whose source gave a roof shape.
    crs_in : str or None
        CRS of the source, e.g. ``"EPSG:2154"`` (the assumed one if ``crs_assumed``).
    crs_assumed : bool
        True when the source had no CRS and one was assumed from the coordinates.
    problems : tuple of Problem
        Every finding, grouped by code and field, with counts.
    """

    format: str
    kept: int
    dropped: int
    repaired: int
    with_height: int
    with_roof_shape: int
    crs_in: str | None
    crs_assumed: bool
    problems: tuple[Problem, ...] = field(default=(), kw_only=True)
    kind: str = field(default="buildings", kw_only=True)

    def __post_init__(self) -> None:
        # The shared counts of ReadReport, from this report's own.
        for shared, own in (("rows_kept", self.kept), ("rows_dropped", self.dropped)):
            object.__setattr__(self, shared, own)
        object.__setattr__(self, "rows_repaired", self.repaired)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-serialisable values."""
        return {
            "format": self.format,
            "kept": self.kept,
            "dropped": self.dropped,
            "repaired": self.repaired,
            "with_height": self.with_height,
            "with_roof_shape": self.with_roof_shape,
            "crs_in": self.crs_in,
            "crs_assumed": self.crs_assumed,
            "problems": [p.to_dict() for p in self.problems],
        }


class _Findings:
    """Collects problems while a reader works; one entry per (code, field)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        code: str,
        message: str,
        severity: Severity,
        *,
        field: str | None = None,
        locators: list[int] | None = None,
        count: int = 1,
        **params: Any,
    ) -> None:
        line = None
        if locators:
            line = int(locators[0])
            params["features"] = [int(x) for x in locators[:_MAX_LOCATORS]]
        self.problems.append(
            Problem(
                code=code,
                message=message,
                severity=severity,
                line=line,
                field=field,
                count=int(count),
                params=params,
            )
        )


# --- reading -----------------------------------------------------------------


@contextlib.contextmanager
def _as_path(
    path_or_buffer: str | os.PathLike | bytes | IO[bytes], filename: str | None
) -> Iterator[tuple[str, str]]:
    """Yield ``(path GDAL can open, display name)``; buffers go to a temporary file.

    A temporary file with the original name (rather than GDAL's /vsimem/) lets
    GDAL pick its driver from the extension, which the OSM and Shapefile-in-zip
    drivers need.
    """
    if isinstance(path_or_buffer, str | os.PathLike):
        path = os.fspath(path_or_buffer)
        yield path, filename or Path(path.removeprefix("zip://")).name
        return
    data = path_or_buffer if isinstance(path_or_buffer, bytes) else path_or_buffer.read()
    name = Path(filename or getattr(path_or_buffer, "name", None) or "upload.geojson").name
    with tempfile.TemporaryDirectory(prefix="qs-buildings-") as tmp:
        # The user's name may be long or odd (over 255 bytes is an OSError): only a
        # short, known suffix goes into the path, for GDAL's choice of driver.
        target = Path(tmp) / ("upload" + _safe_suffix(name))
        target.write_bytes(data)
        _check_archive(str(target), name)
        yield str(target), name


def _safe_suffix(name: str) -> str:
    """Return the known extension(s) of ``name`` (".osm.pbf", ".geojson.gz"), else ""."""
    suffixes = [s.lower() for s in Path(name).suffixes[-2:]]
    known = [s for s in suffixes if s in _FORMATS or s == ".osm"]
    return "".join(known[-2:]) if known and known[-1] == suffixes[-1] else ""


def _check_archive(path: str, name: str) -> None:
    """Refuse an archive that would unpack too large, from its directory alone.

    Zip archives are judged by their central directory, gzip files by their
    trailer (ISIZE: the size modulo 4 GiB, so a bomb past 4 GiB may show a small
    size, but then its ratio still gives it away unless crafted for it); nothing
    is decompressed.

    Raises
    ------
    ReadError
        ``buildings_archive_too_large`` when the members add up to more than
        MAX_UNCOMPRESSED_BYTES, ``buildings_archive_ratio`` when a member is
        compressed more than MAX_COMPRESSION_RATIO times (a zip bomb).
    """
    members = _archive_members(path)
    for size, packed in members:
        _check_member(size, packed, name)
    total = sum(size for size, _ in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ReadError(
            f"the archive would unpack to {total / 1e9:.1f} GB, over the limit of "
            f"{MAX_UNCOMPRESSED_BYTES / 1e9:g} GB; send the building layer alone",
            path=name,
            code="buildings_archive_too_large",
            params={
                "size_gb": round(total / 1e9, 1),
                "limit_gb": MAX_UNCOMPRESSED_BYTES / 1e9,
            },
        )


def _archive_members(path: str) -> list[tuple[int, int]]:
    """(unpacked, packed) sizes [bytes] of a zip's members or a gzip file; [] otherwise."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                return [(m.file_size, m.compress_size) for m in z.infolist()]
        except (zipfile.BadZipFile, OSError, ValueError):
            return []  # GDAL will say it cannot open it
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return []
        packed = f.seek(0, os.SEEK_END)
        if packed < 18:
            return []
        f.seek(-4, os.SEEK_END)
        return [(int.from_bytes(f.read(4), "little"), packed)]


def _check_member(size: int, packed: int, name: str) -> None:
    if size > MIN_RATIO_CHECKED_BYTES:
        ratio = size / max(packed, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise ReadError(
                f"a member of the archive is compressed {ratio:.0f} times (limit "
                f"{MAX_COMPRESSION_RATIO:g}): it is not a building file but a zip bomb",
                path=name,
                code="buildings_archive_ratio",
                params={"ratio": round(ratio), "limit": MAX_COMPRESSION_RATIO},
            )


def _gdal_path(path: str) -> str:
    """Return the GDAL path for ``path``.

    gzip-compressed GeoJSON is read through /vsigzip/; in a zip archive, the one
    vector file (or the one named like a building layer) is opened wherever it
    sits, since GDAL only looks at the archive's root.
    """
    lower = path.lower()
    if lower.endswith((".json.gz", ".geojson.gz")) and not path.startswith("/vsi"):
        return "/vsigzip/" + path
    archive = path.removeprefix("zip://")
    if archive.lower().endswith(".zip") and Path(archive).is_file():
        try:
            with zipfile.ZipFile(archive) as z:
                members = z.namelist()
        except zipfile.BadZipFile:
            return path
        vectors = [m for m in members if m.lower().endswith(_VECTOR_MEMBERS)]
        named = [m for m in vectors if Path(m).stem.lower() in _BUILDING_LAYERS]
        chosen = vectors if len(vectors) == 1 else named
        if len(chosen) == 1:
            return f"/vsizip/{archive}/{chosen[0]}"
    return path


def _read_layer(
    path: str, name: str, *, layer: str | int | None, findings: _Findings
) -> gpd.GeoDataFrame:
    """Read one layer with pyogrio; undecodable geometries become missing, GDAL warnings kept."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(
                _gdal_path(path), layer=layer, on_invalid="ignore", use_arrow=False
            )
    except pyogrio.errors.DataSourceError as exc:
        _check_json_text(path, name)
        raise ReadError(
            "not a vector file GDAL can open (GeoJSON, GeoPackage, Shapefile, OSM)",
            path=name,
            code="unreadable",
        ) from exc
    except (RuntimeError, OSError, ValueError) as exc:
        # DataLayerError (missing layer, bad field, bad feature) and damaged files.
        raise ReadError(
            f"the layer could not be read: missing, damaged or incomplete ({type(exc).__name__})",
            path=name,
            code="buildings_damaged",
        ) from exc
    messages = sorted({_scrub(str(w.message), path, name).splitlines()[0][:200] for w in caught})
    if messages:
        findings.add(
            "buildings_driver_warning",
            "the GDAL driver reported: " + "; ".join(messages),
            "warning",
            count=len(caught),
            detail="; ".join(messages),
        )
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
    return frame


def _scrub(message: str, path: str, name: str) -> str:
    """Replace the server's paths in a GDAL message by the file's own name."""
    for server_path in (_gdal_path(path), path.removeprefix("zip://"), path):
        message = message.replace(server_path, name)
    # Whatever else points into the temporary folder (a member, a sidecar file).
    temp = re.escape(tempfile.gettempdir().rstrip("/"))
    return re.sub(temp + r"/qs-buildings-[^/\s]*/[^\s'\"]*", name, message)


def _check_json_text(path: str, name: str) -> None:
    """Say where a GeoJSON that GDAL cannot open is broken: truncated, or invalid at a line.

    GDAL's messages give no line; Python's JSON parser does. Only files named
    .json/.geojson (or starting with "{") are checked.

    Raises
    ------
    ReadError
        ``buildings_truncated`` or ``buildings_json_invalid``, with the line.
    """
    real = path.removeprefix("zip://")
    try:
        if not Path(real).is_file() or Path(real).stat().st_size > _MAX_JSON_CHECKED_BYTES:
            return
        data = Path(real).read_bytes()
    except OSError:
        return
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    # Only GeoJSON is checked: another JSON (a Data Connect export) is not buildings.
    if not (head.startswith(b"{") and _GEOJSON_WORDS.search(data[:100_000])):
        return
    try:
        text = data.decode("utf-8-sig")
        json.loads(text)
    except UnicodeDecodeError:
        return
    except RecursionError:
        raise ReadError(
            "the JSON text is nested too deep to be a building file",
            path=name,
            code="buildings_json_invalid",
        ) from None
    except json.JSONDecodeError as exc:
        # The parser stopped at the end of the text, or inside a string that never ends.
        if not text[exc.pos :].strip() or exc.msg.startswith("Unterminated string"):
            raise ReadError(
                "the file is truncated: it ends in the middle of the JSON text (an "
                "interrupted download or copy?)",
                path=name,
                line=text.rstrip().count("\n") + 1,
                code="buildings_truncated",
            ) from None
        raise ReadError(
            f"the JSON text is invalid ({exc.msg})",
            path=name,
            line=exc.lineno,
            code="buildings_json_invalid",
        ) from None


def _list_layers(path: str, name: str) -> list[tuple[str, str]]:
    try:
        # The driver's warnings come again, scrubbed, when the layer is read.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return [(str(n), str(t)) for n, t in pyogrio.list_layers(_gdal_path(path))]
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        _check_json_text(path, name)
        raise ReadError("not a vector file GDAL can open", path=name, code="unreadable") from exc


# --- CRS ---------------------------------------------------------------------


@functools.cache
def _lambert93_bounds() -> tuple[float, float, float, float]:
    """Return EPSG:2154's area of use (France, per the EPSG registry) in Lambert-93 [m]."""
    crs = pyproj.CRS.from_epsg(2154)
    aou = crs.area_of_use
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return transformer.transform_bounds(aou.west, aou.south, aou.east, aou.north)


def _finite(geoms: np.ndarray) -> np.ndarray:
    """Mask of geometries present, not empty, with only finite coordinates."""
    present = shapely.is_valid_input(geoms) & ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    out = present.copy()
    rows = np.flatnonzero(present)
    if len(rows):
        coords, owner = shapely.get_coordinates(geoms[rows], return_index=True)
        out[rows[np.unique(owner[~np.isfinite(coords).all(axis=1)])]] = False
    return out


def _within(bounds: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    return bool(
        bounds[0] >= box[0] and bounds[1] >= box[1] and bounds[2] <= box[2] and bounds[3] <= box[3]
    )


def _resolve_crs(
    frame: gpd.GeoDataFrame, name: str, findings: _Findings
) -> tuple[gpd.GeoDataFrame, str | None, bool]:
    """Give ``frame`` its CRS, never relabelling a wrong one.

    Returns the frame (labelled only when the source had no CRS at all), the CRS
    as a string, and whether it was assumed.
    """
    geoms = frame.geometry.to_numpy()
    finite = _finite(geoms)
    bounds = (
        shapely.total_bounds(geoms[finite]) if finite.any() else np.full(4, np.nan, dtype=float)
    )
    has_coords = bool(np.isfinite(bounds).all())
    lonlat_box = (-180.0, -90.0, 180.0, 90.0)
    if frame.crs is None:
        if not has_coords:
            return frame.set_crs(CRS, allow_override=True), None, False
        if _within(bounds, lonlat_box):
            assumed = CRS
        elif _within(bounds, _lambert93_bounds()):
            assumed = "EPSG:2154"
        else:
            raise ReadError(
                "the file has no coordinate reference system and its coordinates are "
                "neither longitude/latitude nor Lambert-93 (EPSG:2154); add a .prj file "
                "or convert it to EPSG:4326",
                path=name,
                code="buildings_crs_missing",
            )
        findings.add(
            "buildings_crs_assumed",
            f"the file has no coordinate reference system; {assumed} was assumed from "
            "the range of its coordinates",
            "warning",
            crs=assumed,
        )
        return frame.set_crs(assumed), assumed, True
    crs_in = _crs_name(frame.crs)
    if frame.crs.is_geographic and has_coords and not _within(bounds, lonlat_box):
        raise ReadError(
            f"the file says its coordinates are longitude/latitude ({crs_in}) but they "
            "look metric (beyond ±180/±90); its CRS label is wrong: re-export it with "
            "the right CRS",
            path=name,
            code="buildings_crs_mislabelled",
            params={"crs": crs_in},
        )
    if frame.crs.is_projected and has_coords and not _inside_area_of_use(frame.crs, bounds):
        raise ReadError(
            f"the coordinates lie far outside the area where {crs_in} is used; its CRS "
            "label is wrong (longitude/latitude labelled as metric?): re-export it with "
            "the right CRS",
            path=name,
            code="buildings_crs_mislabelled",
            params={"crs": crs_in},
        )
    return frame, crs_in, False


def _inside_area_of_use(crs: pyproj.CRS, bounds: np.ndarray) -> bool:
    """True when ``bounds`` (in ``crs``) fall within the CRS's EPSG area of use, widened.

    The margin (AREA_OF_USE_MARGIN_DEG) tolerates data just outside the official
    area, e.g. a UTM zone used a little past its 6-degree strip.
    """
    aou = crs.area_of_use
    if aou is None:
        return True
    to_lonlat = pyproj.Transformer.from_crs(crs, CRS, always_xy=True)
    west, south, east, north = to_lonlat.transform_bounds(*bounds)
    m = AREA_OF_USE_MARGIN_DEG
    if not np.isfinite([west, south, east, north]).all():
        return False
    return bool(
        west >= aou.west - m
        and east <= aou.east + m
        and south >= aou.south - m
        and north <= aou.north + m
    )


def _crs_name(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


# --- geometry ----------------------------------------------------------------


def _polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (None where there are none)."""
    out = np.full(len(geoms), None, dtype=object)
    parts, index = shapely.get_parts(geoms, return_index=True)
    # A collection may nest a MultiPolygon: flatten one more level.
    sub, sub_index = shapely.get_parts(parts, return_index=True)
    index = index[sub_index]
    keep = shapely.get_type_id(sub) == shapely.GeometryType.POLYGON
    keep &= ~shapely.is_empty(sub)
    sub, index = sub[keep], index[keep]
    if len(sub) == 0:
        return out
    owners, dense, counts = np.unique(index, return_inverse=True, return_counts=True)
    multi = shapely.multipolygons(sub, indices=dense)
    out[owners] = np.where(counts == 1, shapely.get_geometry(multi, 0), multi)
    return out


def _repair_geometry(
    frame: gpd.GeoDataFrame, locators: np.ndarray, findings: _Findings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (2-D geometries with repairs, mask of rows kept, mask of rows repaired)."""
    geoms = shapely.force_2d(frame.geometry.to_numpy())
    n = len(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    coords_ok = np.ones(n, dtype=bool)
    present = np.flatnonzero(~missing)
    if len(present):
        coords, owner = shapely.get_coordinates(geoms[present], return_index=True)
        bad = ~np.isfinite(coords).all(axis=1)
        coords_ok[present[np.unique(owner[bad])]] = False
    type_id = shapely.get_type_id(geoms)
    collection = type_id == shapely.GeometryType.GEOMETRYCOLLECTION
    polygonal = np.isin(type_id, _POLYGON_TYPES) | collection
    kept = ~missing & coords_ok & polygonal
    _drop_report(
        findings,
        missing,
        locators,
        "buildings_geometry_missing",
        "features without geometry were dropped",
    )
    _drop_report(
        findings,
        ~missing & ~coords_ok,
        locators,
        "buildings_geometry_not_finite",
        "features with non-finite coordinates (Infinity, NaN) were dropped",
    )
    not_polygon = ~missing & coords_ok & ~polygonal
    _drop_report(
        findings,
        not_polygon,
        locators,
        "buildings_geometry_not_polygon",
        "features that are points or lines, not footprints, were dropped",
    )
    repaired = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(kept)
    valid = shapely.is_valid(geoms[rows]) & ~collection[rows]
    fix = rows[~valid]
    if len(fix):
        _report_collapsed_parts(geoms[fix], locators[fix], findings)
        # "structure" keeps the polygonal parts and drops collapsed ones; the default
        # "linework" fails on a part collapsed to a point ("mixed-dimension").
        fixed = _polygonal_parts(
            shapely.make_valid(geoms[fix], method="structure", keep_collapsed=False)
        )
        geoms[fix] = fixed
        lost = fix[shapely.is_missing(fixed)]
        kept[lost] = False
        repaired[fix[~shapely.is_missing(fixed)]] = True
        lost_mask = np.zeros(n, dtype=bool)
        lost_mask[lost] = True
        _drop_report(
            findings,
            lost_mask,
            locators,
            "buildings_geometry_invalid",
            "features whose geometry has no area once repaired were dropped",
        )
        if repaired.any():
            findings.add(
                "buildings_geometry_repaired",
                "invalid footprints (self-intersecting, unclosed) were repaired, keeping "
                "their polygonal parts",
                "repaired",
                field="geometry",
                locators=list(locators[repaired]),
                count=int(repaired.sum()),
            )
    # GDAL's OSM and Shapefile drivers wrap single footprints in MultiPolygons: unwrap them.
    single = kept & (shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOLYGON)
    single &= shapely.get_num_geometries(geoms) == 1
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    return geoms, kept, repaired


def _report_collapsed_parts(geoms: np.ndarray, locators: np.ndarray, findings: _Findings) -> None:
    """Report multipolygons that lose a part of no area (a point or a line) in repair."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    collapsed = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & (
        shapely.area(parts) <= 0
    )
    whole = shapely.get_num_geometries(geoms)
    rows = np.unique(owner[collapsed])
    rows = rows[whole[rows] > np.bincount(owner[collapsed], minlength=len(geoms))[rows]]
    if len(rows):
        findings.add(
            "buildings_geometry_part_dropped",
            "parts of multipolygons that had collapsed to a point or a line were dropped; "
            "the other parts were kept",
            "repaired",
            field="geometry",
            locators=list(locators[rows]),
            count=len(rows),
        )


def _drop_report(
    findings: _Findings, mask: np.ndarray, locators: np.ndarray, code: str, message: str
) -> None:
    if mask.any():
        findings.add(
            code,
            message,
            "dropped",
            field="geometry",
            locators=list(locators[mask]),
            count=int(mask.sum()),
        )


def _areas_m2(geoms_4326: np.ndarray) -> np.ndarray:
    """Footprint areas [m2], in the metric CRS of :func:`geodata.metric.metric_crs`.

    NaN for a geometry that cannot be projected (a coordinate out of range).
    """
    if len(geoms_4326) == 0:
        return np.zeros(0)
    series = gpd.GeoSeries(geoms_4326, crs=CRS)
    with np.errstate(invalid="ignore", over="ignore"):
        return series.to_crs(metric_crs(series)).area.to_numpy()


# --- values ------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    """Return ``values`` as stripped strings, missing where empty."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _report_values(
    findings: _Findings,
    mask: pd.Series,
    locators: np.ndarray,
    column: str,
    source_field: str | None,
    code: str,
    what: str,
) -> None:
    if mask.any():
        field_name = source_field or column
        findings.add(
            code,
            f"{int(mask.sum())} value(s) of '{field_name}' {what}; set missing",
            "warning" if code != "buildings_value_unknown" else "info",
            field=field_name,
            locators=list(locators[mask.to_numpy()]),
            count=int(mask.sum()),
        )


def _parse_number(
    values: pd.Series,
    *,
    column: str,
    source_field: str | None,
    value_range: tuple[float, float],
    findings: _Findings,
    locators: np.ndarray,
    lengths: bool = False,
    integer: bool = False,
    include_low: bool = True,
) -> pd.Series:
    """Parse numbers (or OSM lengths such as "12 m" or 40 feet) and range-check them.

    Malformed and out-of-range values become missing and are reported by field.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        number = values.astype("float64")
        given = number.notna()
        malformed = pd.Series(False, index=values.index)
    else:
        text = _as_text(values)
        given = text.notna()
        if lengths:
            number = _parse_lengths(text)
        else:
            number = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
            number = number.astype("float64")
        malformed = given & number.isna()
    if integer:
        fractional = number.notna() & (number != np.round(number))
        malformed |= fractional
        number = number.mask(fractional)
    low, high = value_range
    too_low = number < low if include_low else number <= low
    out = number.notna() & (too_low | (number > high) | ~np.isfinite(number.fillna(0)))
    _report_values(
        findings,
        malformed,
        locators,
        column,
        source_field,
        "buildings_value_malformed",
        "are not numbers",
    )
    _report_values(
        findings,
        out,
        locators,
        column,
        source_field,
        "buildings_value_out_of_range",
        f"lie outside [{low:g}, {high:g}]",
    )
    return number.mask(out)


def _parse_lengths(text: pd.Series) -> pd.Series:
    """OSM lengths: metres by default ("12", "12 m", "12.5m"), feet/inches as 40' or 40'6"."""
    parts = text.str.extract(
        r"^\s*(?P<num>[+-]?\d+(?:[.,]\d+)?)\s*(?P<unit>m|ft|')?"
        r"\s*(?:(?P<inch>\d+(?:[.,]\d+)?)\s*(?:\"|in))?\s*$"
    )
    num = pd.to_numeric(parts["num"].str.replace(",", ".", regex=False), errors="coerce")
    inch = pd.to_numeric(parts["inch"].str.replace(",", ".", regex=False), errors="coerce")
    feet = parts["unit"].isin(["ft", "'"]).to_numpy()
    # Inches only make sense after feet (40'6").
    bad_inch = inch.notna() & ~feet
    metres = np.where(feet, num * FOOT_M + inch.fillna(0) * INCH_M, num)
    return pd.Series(metres, index=text.index, dtype="float64").mask(bad_inch)


def _parse_direction(
    values: pd.Series,
    *,
    source_field: str | None,
    findings: _Findings,
    locators: np.ndarray,
) -> pd.Series:
    """Parse roof directions: degrees clockwise from north or compass points (N, NNE, ...)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        text = values.astype("float64").astype("string")
    else:
        text = _as_text(values)
    compass = text.str.upper().map(COMPASS_DEG)
    numeric = text.where(compass.isna())
    number = _parse_number(
        numeric,
        column="roof_direction_deg",
        source_field=source_field,
        value_range=ROOF_DIRECTION_RANGE_DEG,
        findings=findings,
        locators=locators,
    )
    out = number.fillna(compass.astype("float64"))
    return out % 360.0


def _parse_vocabulary(
    values: pd.Series,
    *,
    column: str,
    vocabulary: tuple[str, ...],
    aliases: dict[str, str],
    source_field: str | None,
    findings: _Findings,
    locators: np.ndarray,
) -> pd.Series:
    """Lower-case ``values``; terms outside ``vocabulary`` become missing (reported)."""
    text = _as_text(values).str.lower()
    text = text.replace(aliases)
    unknown = text.notna() & ~text.isin(vocabulary)
    _report_values(
        findings,
        unknown,
        locators,
        column,
        source_field,
        "buildings_value_unknown",
        f"are not in the vocabulary ({', '.join(vocabulary)})",
    )
    return text.mask(unknown)


def _parse_bool(
    values: pd.Series, *, source_field: str | None, findings: _Findings, locators: np.ndarray
) -> pd.Series:
    """Parse yes/no flags; anything else becomes missing and is reported."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    text = _as_text(values).str.lower()
    mapping = {"true": True, "yes": True, "1": True, "oui": True}
    mapping |= {"false": False, "no": False, "0": False, "non": False}
    out = text.map(mapping)
    bad = text.notna() & out.isna()
    _report_values(
        findings,
        bad,
        locators,
        "existing_pv",
        source_field,
        "buildings_value_malformed",
        "are not yes/no",
    )
    return out.astype("boolean")


def _map_usage(
    values: pd.Series,
    table: dict[str, str],
    *,
    source_field: str | None,
    findings: _Findings,
    locators: np.ndarray,
) -> pd.Series:
    """Map source usage terms to :data:`geodata.schema.USAGES`; unmapped terms -> "unknown"."""
    text = _as_text(values)
    key = text.str.lower()
    mapped = key.map({k.lower(): v for k, v in table.items()} | {u: u for u in USAGES})
    unmapped = key.notna() & mapped.isna()
    if unmapped.any():
        terms = sorted(set(text[unmapped].astype(str)))[:_MAX_LOCATORS]
        findings.add(
            "buildings_usage_unmapped",
            f"{int(unmapped.sum())} usage value(s) of '{source_field}' have no usage class "
            f"({', '.join(terms)}); recorded as 'unknown'",
            "info",
            field=source_field,
            locators=list(locators[unmapped.to_numpy()]),
            count=int(unmapped.sum()),
            terms=terms,
        )
    return mapped.where(~unmapped, "unknown").astype("string")


# --- ids ---------------------------------------------------------------------


def _unique_ids(
    ids: pd.Series, locators: np.ndarray, prefix: str, findings: _Findings
) -> pd.Series:
    """Fill missing ids from the feature number, suffix duplicates with -2, -3, ..."""
    out = _as_text(ids) if len(ids) else ids.astype("string")
    missing = out.isna()
    if missing.any():
        out = out.copy()
        out[missing] = [f"{prefix}{int(x)}" for x in locators[missing.to_numpy()]]
        if missing.sum() < len(out):
            findings.add(
                "buildings_id_missing",
                f"{int(missing.sum())} building(s) had no id; the feature number was used",
                "repaired",
                field="id",
                locators=list(locators[missing.to_numpy()]),
                count=int(missing.sum()),
            )
    dup = out.duplicated(keep="first")
    if dup.any():
        taken = set(out)
        new = out.copy()
        rank = out.groupby(out).cumcount() + 1
        for i in np.flatnonzero(dup.to_numpy()):
            k = int(rank.iloc[i])
            candidate = f"{out.iloc[i]}-{k}"
            while candidate in taken:
                k += 1
                candidate = f"{out.iloc[i]}-{k}"
            taken.add(candidate)
            new.iloc[i] = candidate
        findings.add(
            "buildings_id_duplicate",
            f"{int(dup.sum())} duplicate id(s) were made unique with a -2, -3, ... suffix",
            "repaired",
            field="id",
            locators=list(locators[dup.to_numpy()]),
            count=int(dup.sum()),
        )
        out = new
    return out


# --- the common finish -------------------------------------------------------


@dataclass
class _Raw:
    """Raw values mapped onto schema columns, before parsing.

    ``fields`` names the source field of each column (for reports); ``locators``
    holds the 1-based feature number of each row in the source.
    """

    frame: gpd.GeoDataFrame
    columns: dict[str, pd.Series]
    fields: dict[str, str] = field(default_factory=dict)
    locators: np.ndarray | None = None
    usage_table: dict[str, str] = field(default_factory=dict)
    id_prefix: str = "feature-"
    lengths: bool = False


def _finish(
    raw: _Raw,
    *,
    fmt: str,
    source: str,
    name: str,
    findings: _Findings,
    min_area_m2: float = MIN_AREA_M2,
) -> tuple[gpd.GeoDataFrame, BuildingReport]:
    """Check CRS, repair geometry, parse values, unique ids; return the schema frame."""
    frame = raw.frame.reset_index(drop=True)
    n = len(frame)
    locators = np.arange(1, n + 1) if raw.locators is None else np.asarray(raw.locators, dtype=int)
    if n == 0:
        raise ReadError(
            "there is no building in this file (no feature at all)",
            path=name,
            code="no_buildings",
        )
    frame, crs_in, crs_assumed = _resolve_crs(frame, name, findings)
    geoms, kept, repaired = _repair_geometry(frame, locators, findings)
    geoms_4326 = np.full(n, None, dtype=object)
    if kept.any():
        part = gpd.GeoSeries(geoms[kept], crs=frame.crs)
        geoms_4326[kept] = part.to_crs(CRS).to_numpy()
        areas = np.full(n, np.inf)
        areas[kept] = _areas_m2(geoms_4326[kept])
        sliver = kept & (areas < min_area_m2)
        if sliver.any():
            findings.add(
                "buildings_sliver",
                f"{int(sliver.sum())} footprint(s) smaller than {min_area_m2:g} m2 were dropped",
                "dropped",
                field="geometry",
                locators=list(locators[sliver]),
                count=int(sliver.sum()),
                min_area_m2=min_area_m2,
            )
            kept &= ~sliver

    rows = np.flatnonzero(kept)
    if len(rows) == 0:
        _raise_all_dropped(n, name, findings)
    loc = locators[rows]
    columns = {
        c: pd.Series(v).reset_index(drop=True).iloc[rows].reset_index(drop=True)
        for c, v in raw.columns.items()
    }
    values = _parse_columns(columns, raw, findings, loc)
    values["id"] = _unique_ids(
        columns.get("id", pd.Series([None] * len(rows), dtype="string")),
        loc,
        raw.id_prefix,
        findings,
    )
    values["source"] = pd.Series([source] * len(rows), dtype="string")
    out = gpd.GeoDataFrame(values, geometry=list(geoms_4326[rows]), crs=CRS)
    buildings = normalise_buildings(out)
    scattered = scattered_problem(cluster_summary(buildings))
    if scattered is not None:
        findings.problems.append(scattered)
    report = BuildingReport(
        format=fmt,
        kept=len(buildings),
        dropped=int(n - len(rows)),
        repaired=int(repaired[rows].sum()),
        with_height=int(buildings["height_m"].notna().sum()),
        with_roof_shape=int(buildings["roof_shape"].notna().sum()),
        crs_in=crs_in,
        crs_assumed=crs_assumed,
        problems=tuple(findings.problems),
    )
    return buildings, report


def _raise_all_dropped(n: int, name: str, findings: _Findings) -> None:
    """Refuse a file whose every feature was dropped, saying why each group went."""
    dropped = [p for p in findings.problems if p.severity == "dropped"]
    reasons = "; ".join(f"{p.count}: {p.message}" for p in dropped)
    raise ReadError(
        f"no building kept: all {n} feature(s) were dropped ({reasons})",
        path=name,
        code="buildings_all_dropped",
        params={"total": n, "reasons": [p.to_dict() for p in dropped]},
    )


def _parse_columns(
    columns: dict[str, pd.Series], raw: _Raw, findings: _Findings, loc: np.ndarray
) -> dict[str, pd.Series]:
    values: dict[str, pd.Series] = {}
    fields = raw.fields

    def number(column: str, rng: tuple[float, float], **kw: Any) -> None:
        if column in columns:
            values[column] = _parse_number(
                columns[column],
                column=column,
                source_field=fields.get(column),
                value_range=rng,
                findings=findings,
                locators=loc,
                **kw,
            )

    number("height_m", HEIGHT_RANGE_M, lengths=raw.lengths, include_low=False)
    number("roof_height_m", HEIGHT_RANGE_M, lengths=raw.lengths)
    number("roof_angle_deg", ROOF_ANGLE_RANGE_DEG)
    number("levels", LEVELS_RANGE, integer=True)
    number("dwellings", DWELLINGS_RANGE, integer=True)
    if "roof_direction_deg" in columns:
        values["roof_direction_deg"] = _parse_direction(
            columns["roof_direction_deg"],
            source_field=fields.get("roof_direction_deg"),
            findings=findings,
            locators=loc,
        )
    if "roof_shape" in columns:
        values["roof_shape"] = _parse_vocabulary(
            columns["roof_shape"],
            column="roof_shape",
            vocabulary=ROOF_SHAPES,
            aliases=_ROOF_SHAPE_ALIASES,
            source_field=fields.get("roof_shape"),
            findings=findings,
            locators=loc,
        )
    if "roof_orientation" in columns:
        values["roof_orientation"] = _parse_vocabulary(
            columns["roof_orientation"],
            column="roof_orientation",
            vocabulary=("along", "across"),
            aliases={},
            source_field=fields.get("roof_orientation"),
            findings=findings,
            locators=loc,
        )
    if "existing_pv" in columns:
        values["existing_pv"] = _parse_bool(
            columns["existing_pv"],
            source_field=fields.get("existing_pv"),
            findings=findings,
            locators=loc,
        )
    if "usage" in columns:
        values["usage"] = _map_usage(
            columns["usage"],
            raw.usage_table,
            source_field=fields.get("usage"),
            findings=findings,
            locators=loc,
        )
    if "height_m" in values and "roof_height_m" in values:
        # A roof cannot rise higher than the whole building.
        bad = values["roof_height_m"] > values["height_m"]
        if bad.any():
            findings.add(
                "buildings_value_inconsistent",
                f"{int(bad.sum())} roof height(s) exceed the building height; set missing",
                "warning",
                field=fields.get("roof_height_m", "roof_height_m"),
                locators=list(loc[bad.to_numpy()]),
                count=int(bad.sum()),
            )
            values["roof_height_m"] = values["roof_height_m"].mask(bad)
    return values


# --- layers and formats ------------------------------------------------------

_FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gz": "GeoJSON (gzip)",
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".zip": "Shapefile (zip)",
    ".pbf": "OpenStreetMap PBF",
    ".osm": "OpenStreetMap XML",
}

# Files of a zip archive that GDAL can read as vector layers.
_VECTOR_MEMBERS = (".shp", ".gpkg", ".geojson", ".json")

# Layer names that hold buildings, in order of preference (BD TOPO, cadastre, OSM).
_BUILDING_LAYERS = ("batiment", "batiments", "buildings", "building", "multipolygons")


def _format_name(name: str) -> str:
    """Human name of the container format, from the file name."""
    return _FORMATS.get(Path(name).suffix.lower(), Path(name).suffix.lstrip(".") or "vector")


def _choose_layer(path: str, name: str, layer: str | int | None) -> str | int | None:
    """Return ``layer`` or the one building layer of a multi-layer source.

    Raises
    ------
    ReadError
        If the source has several layers and none is recognisably the buildings one.
    """
    if layer is not None:
        return layer
    layers = _list_layers(path, name)
    if len(layers) <= 1:
        return None
    by_lower = {n.lower(): n for n, _ in layers}
    for candidate in _BUILDING_LAYERS:
        if candidate in by_lower:
            return by_lower[candidate]
    names = [n for n, _ in layers]
    raise ReadError(
        f"the file has {len(names)} layers ({', '.join(names[:10])}); say which one "
        "holds the buildings",
        path=name,
        code="buildings_layer_ambiguous",
        params={"layers": ", ".join(names[:10])},
    )
