"""Roof planes from building footprints.

Every building of the normalised schema (:mod:`geodata.schema`) becomes one or
more roof planes with a tilt, an azimuth, an area and a peak power, ready for
pvlib (``surface_tilt``, ``surface_azimuth``).

Geometry is computed in the metric CRS of :func:`geodata.metric.metric_crs`
(Lambert-93, EPSG:2154, when every building lies inside its area of use,
otherwise the UTM zone). Azimuths are measured from TRUE north: a grid bearing
is corrected by the meridian convergence at each building
(:func:`geodata.metric.north_bearing`, about 3.3 deg at Nantes in Lambert-93).

Roof models
-----------
The footprint's minimum rotated rectangle (``shapely.oriented_envelope``)
gives a long axis ``u`` (half-length ``A``) and a short axis ``v``
(half-length ``B <= A``). Regions of that rectangle are intersected with the
real footprint, so holes, L shapes and multipolygon parts keep their real
area (each part of a multipolygon is modelled on its own).

gabled
    The ridge runs through the rectangle's centre along the long axis (OSM
    ``roof:orientation=along``, the default), along the short axis when
    ``roof_orientation == "across"``, and along the envelope axis nearest to
    perpendicular to ``roof_direction_deg`` when that is given (one plane then
    faces exactly ``roof_direction_deg``, the other the opposite way). Two
    planes face away from the ridge.
hipped
    Same pitch on all four sides: in plan, the hips leave the corners at 45
    deg to the sides and meet the ridge, of length ``2(A - B)`` along the long
    axis, at its ends (the straight skeleton of the rectangle). Each end is a
    triangle of base ``2B`` and height ``B``: horizontal area ``B**2`` (that
    is ``b**2 / 4`` for a side ``b = 2B``); each long side is a trapezoid of
    parallel sides ``2A`` and ``2(A - B)`` and height ``B``: area
    ``(2A - B) B``. Together: ``2 B**2 + 2 (2A - B) B = 4 A B``, the footprint.
    A square gives a pyramid of four triangles. Exact for rectangles.
skillion
    One plane facing ``roof_direction_deg``.
flat
    Modules on racks, in rows facing ``RoofParams.flat_rack_azimuth_deg`` at
    ``RoofParams.flat_rack_tilt_deg``, spaced so that a row does not shade the
    next one at the design sun elevation (see :func:`rack_ground_coverage_ratio`).
    Rows are treated as continuous (no rounding to whole rows).
canopy
    A low parking building (``usage == "parking"``, at most
    ``RoofParams.canopy_max_height_m`` high) is a solar car-port: the canopy
    itself carries the modules, tilted at ``RoofParams.canopy_tilt_deg``
    across its short axis, with no row spacing and no edge setback.

L-, T- and U-shaped footprints
-------------------------------
One ridge on the enclosing rectangle is wrong for a house with wings: the
wing of an L would face the wrong way. A gabled or hipped footprint (after
mapping the shapes of :data:`SHAPE_MODELS`) is therefore split into wings
when it fills less than ``RoofParams.split_fill_ratio`` of its minimum
rotated rectangle and is rectilinear (:func:`geodata.footprints.split_footprint`:
dominant edge direction, snapped grid, greedy rectangles with the fewest,
most balanced parts; the parts tile the footprint exactly). Each part is
roofed with the building's shape:

- gabled: the ridge runs through the part's centre along its WING, the
  largest rectangle of the footprint that contains the part, so that the
  short stub left at the inner corner of an L keeps the ridge of its wing;
- hipped: the four planes of the part's own rectangle.

The valleys where wings meet are not modelled: each part's planes stop at
the part's edge, and every plane keeps its true plan area. A stated
``roof_direction_deg`` or ``roof_orientation`` applies to the main (largest)
wing only; the other wings take the default ridge along their wing (noted
in ``inferred_from``), since a house's wings are usually at right angles to
one another. The split is noted in ``inferred_from`` (``"footprint split
into 2 wings (L-shape)"``). Footprints under the fill ratio that are not
rectilinear (curves, many angles) or would need more than
``RoofParams.split_max_parts`` wings keep one ridge on the enclosing
rectangle, noted ``"complex footprint: one ridge on the bounding rectangle,
approximate"``. Skillions, flat roofs and canopies are never split (racks are
laid on the whole usable area).

Other OSM shapes are approximated (:data:`SHAPE_MODELS`): half-hipped,
gambrel and saltbox as gabled; pyramidal and mansard as hipped; dome, round
and sawtooth as flat roofs with racks. The approximation is recorded in
``inferred_from``.

Missing attributes are inferred and recorded, per plane, in ``inferred_from``
(an empty tuple when everything came from the data): the roof shape from the
usage and the footprint area, the pitch from ``roof_height_m`` when that is
known, otherwise a default of :class:`RoofParams`. Each record is a
:class:`RoofNote`, a code and its parameters, so that a page can say it in
the reader's language; ``str()`` gives it in English.

Areas and power
---------------
``footprint_area_m2`` is the horizontal projection of the plane.
``area_m2`` is the area of the roof surface: ``footprint_area_m2 /
cos(surface_tilt)`` for pitched planes and canopies, the footprint for flat
roofs. ``usable_area_m2`` is MODULE area: for pitched planes, the roof
surface left after an edge setback of ``RoofParams.edge_setback_m`` measured
on the sloped surface (the plane is unfolded into its true shape, then
buffered inwards); for flat roofs, the roof left after the setback times the
ground coverage ratio of the racks; for canopies, the canopy surface.
``kwp = usable_area_m2 * RoofParams.module_power_density_kwp_m2``.

Planes are never dropped: a plane whose usable area is below
``RoofParams.min_usable_area_m2``, or on a building that already has PV
(``existing_pv``), keeps its geometry and areas but gets ``kwp = 0`` and an
``excluded`` reason (``"below_min_area"`` or ``"existing_pv"``), so that a map
can still draw it. A building with an empty or zero-area geometry has no plane.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geodata.footprints import split_footprint
from geodata.metric import bearing, metric_crs, north_bearing
from geodata.schema import CRS as WGS84

__all__ = [
    "PLANE_COLUMNS",
    "SHAPE_MODELS",
    "RoofNote",
    "RoofParams",
    "metric_crs",
    "rack_ground_coverage_ratio",
    "roof_planes",
]

# How each OSM roof:shape is modelled. Shapes not listed here (and missing
# shapes) are inferred from usage and footprint area.
SHAPE_MODELS: dict[str, str] = {
    "flat": "flat",
    "gabled": "gabled",
    "hipped": "hipped",
    "skillion": "skillion",
    "half-hipped": "gabled",
    "gambrel": "gabled",
    "saltbox": "gabled",
    "pyramidal": "hipped",
    "mansard": "hipped",
    "dome": "flat",
    "round": "flat",
    "sawtooth": "flat",
}

PLANE_COLUMNS: tuple[str, ...] = (
    "building_id",
    "plane_id",
    "roof_shape",
    "surface_tilt",
    "surface_azimuth",
    "footprint_area_m2",
    "area_m2",
    "usable_area_m2",
    "kwp",
    "mounting",
    "excluded",
    "inferred_from",
    "geometry",
)

# Earth's axial tilt [deg]: the sun's declination at the December solstice is -23.44 deg.
_OBLIQUITY_DEG = 23.44
# Margin [m] by which region rectangles overhang the oriented envelope, so that
# floating-point noise never clips a sliver of the footprint.
_MARGIN_M = 1.0
# Planes smaller than this in plan [m2] are numerical slivers of an intersection.
_SLIVER_M2 = 1e-6


# English wording of each RoofNote code (the pages use the catalogue instead).
_NOTE_TEXT: dict[str, str] = {
    "complex_footprint": "complex footprint: one ridge on the bounding rectangle, approximate",
    "footprint_split": "footprint split into {parts} wings ({shape})",
    "main_wing_only": "roof_direction_deg and roof_orientation apply to the main wing only",
    "orientation_assumed": "roof_orientation=along assumed (ridge on the long axis)",
    "direction_assumed": (
        "roof_direction_deg={azimuth:.0f} assumed (short side nearest {target:.0f})"
    ),
    "shape_modelled_as": "roof_shape={shape} modelled as {model}",
    "shape_not_modelled": "roof_shape={shape} not modelled",
    "canopy_height_missing": "height_m missing: parking canopy assumed",
    "canopy_flat_assumed": "roof_shape=flat assumed (parking canopy)",
    "shape_assumed": "roof_shape={shape} assumed (usage {usage}, {area_m2:.0f} m2 footprint)",
    "angle_out_of_range": "roof_angle_deg={angle:g} out of range",
    "angle_from_height": "roof_angle_deg={angle:.1f} from roof_height_m={roof_height_m:g}",
    "angle_assumed": "roof_angle_deg={angle:g} assumed (default for {kind})",
}


@dataclass(frozen=True)
class RoofNote:
    """One thing the roof model assumed for a plane, as a code and its parameters.

    Attributes
    ----------
    code : str
        What was assumed: one of the keys of ``_NOTE_TEXT`` (``"shape_assumed"``,
        ``"angle_assumed"``, ...).
    params : tuple of (str, object)
        Its values as name/value pairs: roof shapes and usages as schema codes
        (``usage`` is ``""`` when missing), angles [deg], areas [m2], counts.
    """

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> RoofNote:
        """Build a note from keyword parameters."""
        return cls(code, tuple(params.items()))

    def __str__(self) -> str:
        values = dict(self.params)
        if self.code == "shape_assumed":
            values["usage"] = values["usage"] or "missing"
        return _NOTE_TEXT[self.code].format(**values)


@dataclass(frozen=True)
class RoofParams:
    """Assumptions of the roof model; every figure can be changed by the caller.

    Parameters
    ----------
    gabled_tilt_deg : float, default 35
        Pitch of gabled roofs when neither ``roof_angle_deg`` nor
        ``roof_height_m`` is known [deg]. Assumption: Nantes houses carry slate
        or tile roofs, typically pitched 30-45 deg.
    hipped_tilt_deg : float, default 30
        Pitch of hipped roofs when unknown [deg] (assumption, hipped roofs of
        detached houses are usually a little flatter than gables).
    skillion_tilt_deg : float, default 15
        Pitch of mono-pitch roofs when unknown [deg] (assumption).
    max_roof_angle_deg : float, default 75
        Pitches at or above this are treated as wrong data and replaced by the
        default [deg].
    flat_rack_tilt_deg : float, default 15
        Tilt of modules on racks on flat roofs [deg]. Assumption: ballasted
        flat-roof systems use 10-15 deg to limit wind load and row spacing.
    flat_rack_azimuth_deg : float, default 180
        Direction the racks face, clockwise from north [deg]; 180 = south.
    rack_design_sun_elevation_deg : float or None, default None
        Sun elevation at which rows must not shade each other [deg]. ``None``
        uses solar noon at the December solstice at each building's latitude,
        ``90 - |latitude| - 23.44`` (19.4 deg at Nantes), the usual
        no-shading criterion for rows facing the equator.
    flat_rack_gcr : float or None, default None
        Ground coverage ratio (module slant length / row pitch, pvlib's
        ``gcr``) that overrides the one computed from the sun elevation.
    canopy_tilt_deg : float, default 7
        Tilt of car-port canopies [deg]. Assumption: car-port canopies are
        built at 5-10 deg.
    canopy_max_height_m : float, default 5
        A parking building at most this high is a canopy, not a multi-storey
        car park [m].
    edge_setback_m : float, default 0.5
        Clearance kept free of modules along every roof edge, ridge and hip,
        measured on the roof surface [m]. Assumption: a maintenance and
        fire-fighting access strip; local rules may ask for more on large flat
        roofs.
    min_usable_area_m2 : float, default 5
        Planes with less usable area get ``kwp = 0`` (about three modules;
        below that an installation is not worth its fixed costs) [m2].
    module_power_density_kwp_m2 : float, default 0.20
        Peak power per module area [kWp/m2]; current crystalline-silicon
        modules give 200-215 Wp/m2 (Fraunhofer ISE, ITRPV).
    house_max_footprint_m2 : float, default 250
        A building of a usage in ``pitched_usages`` whose roof shape is
        unknown gets a gabled roof up to this footprint, a flat roof above it
        [m2] (assumption: larger footprints are collective or commercial
        buildings).
    pitched_usages : tuple of str
        Usages (:data:`geodata.schema.USAGES`) whose small buildings are
        assumed to have gabled roofs when the shape is unknown; a missing
        usage counts as ``"unknown"``.
    split_fill_ratio : float, default 0.9
        A gabled or hipped footprint filling less than this share of its
        minimum rotated rectangle is looked at for wings [-]. Assumption: an L
        of two equal wings fills at most 0.75 of it, but a U of three 6 m
        wings around a 4 m yard fills 0.86, hence 0.9 rather than 0.85; a
        rectangle with a porch that passes the gate stays whole, since parts
        below ``split_min_part_area_m2`` are not wings. Above the ratio the
        footprint is roofed on its rectangle, exactly as before.
    split_max_parts : int, default 6
        At most this many wings; beyond it the footprint is roofed as a whole
        (assumption: houses have a few wings).
    split_min_part_area_m2 : float, default 10
        Rectangles smaller than this join a neighbouring wing [m2]
        (assumption: porches and bay windows carry no roof worth modelling
        on its own).
    split_angle_tolerance_deg : float, default 10
        Edges within this angle of the footprint's main directions count as
        right-angled [deg] (assumption: digitised footprints of right-angled
        houses are off by a few degrees).
    """

    gabled_tilt_deg: float = 35.0
    hipped_tilt_deg: float = 30.0
    skillion_tilt_deg: float = 15.0
    max_roof_angle_deg: float = 75.0
    flat_rack_tilt_deg: float = 15.0
    flat_rack_azimuth_deg: float = 180.0
    rack_design_sun_elevation_deg: float | None = None
    flat_rack_gcr: float | None = None
    canopy_tilt_deg: float = 7.0
    canopy_max_height_m: float = 5.0
    edge_setback_m: float = 0.5
    min_usable_area_m2: float = 5.0
    module_power_density_kwp_m2: float = 0.20
    house_max_footprint_m2: float = 250.0
    pitched_usages: tuple[str, ...] = ("residential", "unknown", "annex", "religious")
    split_fill_ratio: float = 0.9
    split_max_parts: int = 6
    split_min_part_area_m2: float = 10.0
    split_angle_tolerance_deg: float = 10.0


def rack_ground_coverage_ratio(
    surface_tilt: float | np.ndarray, sun_elevation: float | np.ndarray
) -> np.ndarray:
    """Ground coverage ratio of rows that do not shade each other.

    A row of slant length ``L`` tilted at ``surface_tilt`` covers ``L
    cos(tilt)`` of roof and casts, behind it, a shadow of length ``L
    sin(tilt) / tan(sun_elevation)`` with the sun in front of the row. The row
    pitch is the sum, and the ground coverage ratio (pvlib's ``gcr``, module
    slant length over pitch) is::

        gcr = 1 / (cos(tilt) + sin(tilt) / tan(sun_elevation))

    Module area on a roof area ``S`` is ``S * gcr`` (equivalently ``S`` times
    the horizontal coverage ``gcr cos(tilt)``, divided by ``cos(tilt)``).

    Parameters
    ----------
    surface_tilt : float or array
        Module tilt [deg].
    sun_elevation : float or array
        Sun elevation at which rows must not shade each other [deg]; values
        below 5 deg are raised to 5 deg.

    Returns
    -------
    numpy.ndarray
        Ground coverage ratio [-], 1 for flat modules.
    """
    tilt = np.radians(np.asarray(surface_tilt, dtype=float))
    # Near-horizontal sun would space rows without bound; 5 deg is a floor.
    elevation = np.radians(np.maximum(np.asarray(sun_elevation, dtype=float), 5.0))
    return 1.0 / (np.cos(tilt) + np.sin(tilt) / np.tan(elevation))


def roof_planes(buildings: gpd.GeoDataFrame, params: RoofParams = RoofParams()) -> gpd.GeoDataFrame:
    """Split every building's roof into planes with tilt, azimuth, area and kWp.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings in the schema of :mod:`geodata.schema` (any CRS; missing
        attribute columns are treated as unknown). Without an ``id`` column the
        index is used.
    params : RoofParams
        Assumptions of the model.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per plane, in EPSG:4326, with columns :data:`PLANE_COLUMNS`:
        ``building_id`` (str), ``plane_id`` (str, ``"<building_id>-<k>"``),
        ``roof_shape`` (model used: gabled, hipped, skillion, flat, canopy),
        ``surface_tilt`` [deg], ``surface_azimuth`` [deg clockwise from true
        north, 180 = south], ``footprint_area_m2`` (horizontal projection)
        [m2], ``area_m2`` (roof surface) [m2], ``usable_area_m2`` (module
        area) [m2], ``kwp`` [kWp], ``mounting`` (``"roof"`` flush, or
        ``"rack"``), ``excluded`` (``""``, ``"existing_pv"`` or
        ``"below_min_area"``; excluded planes have ``kwp = 0``),
        ``inferred_from`` (what was assumed: a tuple of :class:`RoofNote`) and
        ``geometry`` (the plane in plan).

    Raises
    ------
    ValueError
        If ``buildings`` has no CRS.
    """
    crs = metric_crs(buildings)
    if "id" in buildings:
        ids = buildings["id"].astype("string").fillna("").to_numpy(dtype=object)
    else:
        ids = np.array([str(i) for i in buildings.index], dtype=object)
    attrs = _attributes(buildings)

    # Parts in the metric CRS: repaired, multipolygons split, non-areal bits dropped.
    geoms = buildings.geometry.to_crs(crs).to_numpy()
    geoms = np.where(shapely.is_valid(geoms), geoms, shapely.make_valid(geoms))
    polygons, owner = _polygon_parts(geoms)
    if len(polygons) == 0:
        return _empty()
    parts = _describe_parts(polygons, owner, attrs, crs, params)
    chunks = [
        *_gabled(parts, attrs, params),
        *_hipped(parts, attrs, params),
        *_single(parts, attrs, params),
    ]
    planes = _assemble(chunks, parts)
    planes = _areas(planes, parts, params)
    return _finish(planes, ids, attrs, crs, params)


@dataclass(frozen=True)
class _Parts:
    """Polygon parts of the buildings in the metric CRS, with their oriented envelopes.

    Vectors are (n, 2) arrays of grid (x east, y north) components; ``conv`` is
    the grid bearing of true north [deg]; ``direction`` the stated
    ``roof_direction_deg`` [deg from true north] and ``dir_vec`` its grid unit
    vector, ``orientation`` the stated ``roof_orientation`` (both only on the
    main wing of a split footprint); ``margin`` how far [m] the region
    rectangles overhang the part's rectangle; ``notes`` collects, per part,
    what was assumed.
    """

    polygons: np.ndarray
    owner: np.ndarray
    centre: np.ndarray
    u: np.ndarray
    v: np.ndarray
    a: np.ndarray
    b: np.ndarray
    corners: np.ndarray
    conv: np.ndarray
    latitude: np.ndarray
    direction: np.ndarray
    dir_vec: np.ndarray
    orientation: np.ndarray
    margin: np.ndarray
    model: np.ndarray
    notes: list


def _describe_parts(polygons, owner, attrs, crs, params) -> _Parts:
    frame = _frames(polygons)
    notes: list[list[RoofNote]] = [[] for _ in range(len(polygons))]
    model = _resolve_shape(attrs, owner, shapely.area(polygons), params, notes)
    polygons, owner, model, notes, frame, main, margin = _split_wings(
        polygons, owner, model, notes, frame, attrs, params
    )
    conv = north_bearing(frame["centre"][:, 0], frame["centre"][:, 1], crs)
    direction = np.where(main, attrs["roof_direction_deg"][owner], np.nan)
    return _Parts(
        polygons=polygons,
        owner=owner,
        conv=conv,
        latitude=_latitude(frame["centre"], crs),
        direction=direction,
        dir_vec=_unit_from_bearing(np.radians(direction + conv)),
        orientation=np.where(main, attrs["roof_orientation"][owner], ""),
        margin=margin,
        model=model,
        notes=notes,
        **frame,
    )


def _split_wings(polygons, owner, model, notes, frame, attrs, params):
    """Replace L-, T- and U-shaped gabled and hipped parts by their wings (module notes).

    Returns the new polygons, owners, models, notes and frames, whether each
    part is its footprint's main (largest) wing, and each part's region margin [m].
    """
    n = len(polygons)
    main = np.ones(n, dtype=bool)
    margin = np.full(n, _MARGIN_M)
    fill = shapely.area(polygons) / np.maximum(4.0 * frame["a"] * frame["b"], _SLIVER_M2)
    candidates = np.flatnonzero(
        np.isin(model, ("gabled", "hipped")) & (fill < params.split_fill_ratio)
    )
    if not candidates.size:
        return polygons, owner, model, notes, frame, main, margin
    splits = {}
    for k in candidates:
        split = split_footprint(
            polygons[k],
            max_parts=params.split_max_parts,
            min_part_area_m2=params.split_min_part_area_m2,
            angle_tolerance_deg=params.split_angle_tolerance_deg,
        )
        if split.split:
            splits[k] = split
        elif split.shape == "complex":
            notes[k].append(RoofNote.of("complex_footprint"))
    if not splits:
        return polygons, owner, model, notes, frame, main, margin

    rows: list[int] = []  # the original part each new part comes from
    new_polygons, new_notes, new_main, new_margin, overrides = [], [], [], [], []
    for k in range(n):
        split = splits.get(k)
        if split is None:
            rows.append(k)
            new_polygons.append(polygons[k])
            new_notes.append(notes[k])
            new_main.append(True)
            new_margin.append(_MARGIN_M)
            overrides.append(None)
            continue
        stated = np.isfinite(attrs["roof_direction_deg"][owner[k]]) or (
            attrs["roof_orientation"][owner[k]] != ""
        )
        said = RoofNote.of("footprint_split", parts=len(split.parts), shape=split.shape)
        for j, (tile, rect, wing) in enumerate(
            zip(split.parts, split.rectangles, split.wings, strict=True)
        ):
            extra = [said]
            if j > 0 and stated:
                extra.append(RoofNote.of("main_wing_only"))
            rows.append(k)
            new_polygons.append(tile)
            new_notes.append([*notes[k], *extra])
            new_main.append(j == 0)
            # Regions must reach every bit of the tile that lies outside its rectangle.
            new_margin.append(_MARGIN_M + shapely.hausdorff_distance(tile, rect))
            overrides.append(_box_frame(rect, wing if model[k] == "gabled" else rect))
    rows = np.asarray(rows)
    frame = {key: value[rows].copy() for key, value in frame.items()}
    for new, override in enumerate(overrides):
        if override is not None:
            for key, value in override.items():
                frame[key][new] = value
    polygons = np.empty(len(rows), dtype=object)
    polygons[:] = new_polygons
    return (
        polygons,
        owner[rows],
        model[rows],
        new_notes,
        frame,
        np.asarray(new_main),
        np.asarray(new_margin, dtype=float),
    )


def _box_frame(rect, axis_box) -> dict:
    """Frame of a rectangle whose long axis ``u`` is that of ``axis_box`` (see :func:`_frames`)."""
    corners = np.asarray(rect.exterior.coords)[:4]
    axis = np.asarray(axis_box.exterior.coords)[:3]
    e0, e1 = axis[1] - axis[0], axis[2] - axis[1]
    long_edge = e0 if np.hypot(*e0) >= np.hypot(*e1) else e1
    u = long_edge / np.hypot(*long_edge)
    v = np.array([-u[1], u[0]])
    centre = corners.mean(axis=0)
    along = (corners - centre) @ u
    across = (corners - centre) @ v
    return {
        "centre": centre,
        "u": u,
        "v": v,
        "a": along.max(),
        "b": across.max(),
        "corners": corners,
    }


def _gabled(parts: _Parts, attrs: dict, params: RoofParams) -> list[dict]:
    """Two planes each side of the ridge; the ridge axis from direction, orientation or shape."""
    idx = np.flatnonzero(parts.model == "gabled")
    if not idx.size:
        return []
    orientation = parts.orientation[idx]
    with_dir = np.isfinite(parts.direction[idx])
    dir_vec, u, v = parts.dir_vec[idx], parts.u[idx], parts.v[idx]
    # A stated direction wins: the slopes run along the envelope axis nearest to it.
    dot_u = np.abs(np.einsum("ij,ij->i", dir_vec, u))
    dot_v = np.abs(np.einsum("ij,ij->i", dir_vec, v))
    ridge_on_u = np.where(with_dir, dot_v >= dot_u, orientation != "across")
    for k in np.flatnonzero(~with_dir & (orientation == "")):
        parts.notes[idx[k]].append(RoofNote.of("orientation_assumed"))
    ridge = np.where(ridge_on_u[:, None], u, v)
    normal = np.where(ridge_on_u[:, None], v, u)
    # Point the normal towards the stated direction so that its plane faces it exactly.
    flip = with_dir & (np.einsum("ij,ij->i", normal, dir_vec) < 0)
    normal = np.where(flip[:, None], -normal, normal)
    margin = parts.margin[idx]
    half_ridge = np.where(ridge_on_u, parts.a[idx], parts.b[idx]) + margin
    half_span = np.where(ridge_on_u, parts.b[idx], parts.a[idx])
    tilt = _pitch(attrs, parts, idx, half_span, params.gabled_tilt_deg, "gabled", params)
    stated = np.radians(parts.direction[idx] + parts.conv[idx])
    zero = np.zeros_like(half_ridge)
    chunks = []
    for order, side in enumerate((1.0, -1.0)):
        outer = side * (half_span + margin)
        local = np.array(
            [[-half_ridge, zero], [half_ridge, zero], [half_ridge, outer], [-half_ridge, outer]]
        )
        grid_az = np.where(with_dir, stated + order * np.pi, _bearing(side * normal))
        chunks.append(
            dict(
                part=idx,
                region=_to_grid(local.transpose(2, 0, 1), parts.centre[idx], ridge, normal),
                grid_az=grid_az,
                tilt=tilt,
                order=order,
            )
        )
    return chunks


def _hipped(parts: _Parts, attrs: dict, params: RoofParams) -> list[dict]:
    """Four planes: the straight skeleton of the oriented rectangle (see module notes)."""
    idx = np.flatnonzero(parts.model == "hipped")
    if not idx.size:
        return []
    # Outer corners overhang by the margin along the 45-degree hips, so the split is unchanged.
    margin = parts.margin[idx]
    a, b = parts.a[idx] + margin, parts.b[idx] + margin
    # Half-length of the ridge; a wing's square rectangle may have b above a by rounding.
    r = np.maximum(parts.a[idx] - parts.b[idx], 0.0)
    zero = np.zeros_like(a)
    u, v = parts.u[idx], parts.v[idx]
    tilt = _pitch(attrs, parts, idx, parts.b[idx], params.hipped_tilt_deg, "hipped", params)
    regions = (
        ([[-a, b], [a, b], [r, zero], [-r, zero]], v),  # long side facing +v
        ([[a, b], [a, -b], [r, zero]], u),  # end facing +u
        ([[-a, -b], [-r, zero], [r, zero], [a, -b]], -v),  # long side facing -v
        ([[-a, -b], [-a, b], [-r, zero]], -u),  # end facing -u
    )
    return [
        dict(
            part=idx,
            region=_to_grid(np.array(local).transpose(2, 0, 1), parts.centre[idx], u, v),
            grid_az=_bearing(facing),
            tilt=tilt,
            order=order,
        )
        for order, (local, facing) in enumerate(regions)
    ]


def _single(parts: _Parts, attrs: dict, params: RoofParams) -> list[dict]:
    """One plane per part: skillions, canopies and flat roofs (racks)."""
    chunks = []
    for kind in ("skillion", "canopy"):
        idx = np.flatnonzero(parts.model == kind)
        if not idx.size:
            continue
        # Without a stated direction: the short side nearest the rack azimuth (canopies)
        # or the south (skillions).
        target = params.flat_rack_azimuth_deg if kind == "canopy" else 180.0
        target_vec = _unit_from_bearing(np.radians(target + parts.conv[idx]))
        v = parts.v[idx]
        side = np.where(np.einsum("ij,ij->i", v, target_vec) >= 0, 1.0, -1.0)
        with_dir = np.isfinite(parts.direction[idx])
        facing = np.where(with_dir[:, None], parts.dir_vec[idx], side[:, None] * v)
        guess = np.mod(np.degrees(_bearing(facing)) - parts.conv[idx], 360.0)
        for k in np.flatnonzero(~with_dir):
            parts.notes[idx[k]].append(
                RoofNote.of(
                    "direction_assumed", azimuth=round(float(guess[k])), target=round(target)
                )
            )
        if kind == "skillion":
            run = _extent_along(parts.corners[idx], facing)
            tilt = _pitch(attrs, parts, idx, run, params.skillion_tilt_deg, "skillion", params)
        else:
            tilt = np.full(idx.size, params.canopy_tilt_deg)
        chunks.append(dict(part=idx, region=None, grid_az=_bearing(facing), tilt=tilt, order=0))

    idx = np.flatnonzero(parts.model == "flat")
    if idx.size:
        grid_az = np.radians(params.flat_rack_azimuth_deg + parts.conv[idx])
        tilt = np.full(idx.size, params.flat_rack_tilt_deg)
        chunks.append(dict(part=idx, region=None, grid_az=grid_az, tilt=tilt, order=0))
    return chunks


# --- attributes -----------------------------------------------------------------------


def _attributes(buildings: pd.DataFrame) -> dict[str, np.ndarray]:
    def number(name: str) -> np.ndarray:
        if name not in buildings:
            return np.full(len(buildings), np.nan)
        return (
            pd.to_numeric(buildings[name], errors="coerce")
            .astype("float64")
            .to_numpy(na_value=np.nan)
        )

    def text(name: str) -> np.ndarray:
        if name not in buildings:
            return np.full(len(buildings), "", dtype=object)
        values = buildings[name].astype("string").str.strip().str.lower().fillna("")
        return values.to_numpy(dtype=object)

    if "existing_pv" in buildings:
        existing = buildings["existing_pv"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        existing = np.zeros(len(buildings), dtype=bool)
    return {
        "height_m": number("height_m"),
        "levels": number("levels"),
        "roof_direction_deg": number("roof_direction_deg"),
        "roof_angle_deg": number("roof_angle_deg"),
        "roof_height_m": number("roof_height_m"),
        "usage": text("usage"),
        "roof_shape": text("roof_shape"),
        "roof_orientation": text("roof_orientation"),
        "existing_pv": existing,
    }


def _resolve_shape(
    attrs: dict, owner: np.ndarray, part_area: np.ndarray, params: RoofParams, notes: list
) -> np.ndarray:
    """Roof model of each part, with notes on what was assumed."""
    shape = attrs["roof_shape"][owner]
    usage = attrs["usage"][owner]
    height = attrs["height_m"][owner]
    levels = attrs["levels"][owner]
    model = np.array([SHAPE_MODELS.get(s, "") for s in shape], dtype=object)
    for k in np.flatnonzero((model != "") & (model != shape)):
        notes[k].append(RoofNote.of("shape_modelled_as", shape=shape[k], model=model[k]))
    for k in np.flatnonzero((model == "") & (shape != "")):
        notes[k].append(RoofNote.of("shape_not_modelled", shape=shape[k]))

    # Low parking buildings are car-port canopies (flat or unknown shape).
    low = (height <= params.canopy_max_height_m) | (np.isnan(height) & ~(levels > 1))
    canopy = (usage == "parking") & low & ((model == "flat") | (model == ""))
    for k in np.flatnonzero(canopy):
        if np.isnan(height[k]):
            notes[k].append(RoofNote.of("canopy_height_missing"))
        if model[k] == "":
            notes[k].append(RoofNote.of("canopy_flat_assumed"))
    model[canopy] = "canopy"

    unknown = model == ""
    # A missing usage counts as "unknown".
    known_usage = np.where(usage == "", "unknown", usage)
    house = np.isin(known_usage, params.pitched_usages)
    house &= part_area <= params.house_max_footprint_m2
    for k in np.flatnonzero(unknown):
        guess = "gabled" if house[k] else "flat"
        notes[k].append(
            RoofNote.of(
                "shape_assumed",
                shape=guess,
                usage=str(usage[k]),
                area_m2=round(float(part_area[k])),
            )
        )
        model[k] = guess
    return model


def _pitch(
    attrs: dict,
    parts: _Parts,
    idx: np.ndarray,
    run: np.ndarray,
    default: float,
    kind: str,
    params: RoofParams,
) -> np.ndarray:
    """Pitch [deg] from roof_angle_deg, else roof_height_m over the run [m], else the default."""
    owner = parts.owner[idx]
    angle = attrs["roof_angle_deg"][owner]
    rise = attrs["roof_height_m"][owner]
    good = (angle > 0) & (angle < params.max_roof_angle_deg)
    from_rise = ~good & (rise > 0) & (run > 0)
    tilt = np.where(good, angle, default)
    tilt = np.where(from_rise, np.degrees(np.arctan2(rise, np.where(run > 0, run, 1.0))), tilt)
    for k in np.flatnonzero(~good):
        notes = parts.notes[idx[k]]
        if np.isfinite(angle[k]):
            notes.append(RoofNote.of("angle_out_of_range", angle=float(angle[k])))
        if from_rise[k]:
            notes.append(
                RoofNote.of(
                    "angle_from_height",
                    angle=round(float(tilt[k]), 1),
                    roof_height_m=float(rise[k]),
                )
            )
        else:
            notes.append(RoofNote.of("angle_assumed", angle=float(default), kind=kind))
    return tilt


# --- geometry -------------------------------------------------------------------------


def _polygon_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygons of every geometry with their owner's position; empty and non-areal parts dropped."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    # make_valid may nest a MultiPolygon inside a GeometryCollection: one more level.
    nested, sub = shapely.get_parts(parts, return_index=True)
    owner = owner[sub]
    keep = (shapely.get_type_id(nested) == 3) & (shapely.area(nested) > _SLIVER_M2)
    return nested[keep], owner[keep]


def _frames(parts: np.ndarray) -> dict[str, np.ndarray]:
    """Axes of each part's oriented envelope: centre, unit long axis u, unit v, half-lengths."""
    # GEOS loses about 1e-3 deg of the rectangle's angle at Lambert-93's 1e6 m
    # coordinates: compute it on each part moved next to the origin.
    coords, index = shapely.get_coordinates(parts, return_index=True)
    offset = coords[np.searchsorted(index, np.arange(len(parts)))]
    moved = shapely.transform(parts, lambda xy: xy - offset[index])
    envelope = shapely.oriented_envelope(moved)
    coords, index = shapely.get_coordinates(envelope, return_index=True)
    first = np.searchsorted(index, np.arange(len(parts)))
    p0, p1, p2, p3 = (coords[first + k] + offset for k in range(4))
    e0, e1 = p1 - p0, p2 - p1
    l0, l1 = np.hypot(*e0.T), np.hypot(*e1.T)
    long_first = l0 >= l1
    long_edge = np.where(long_first[:, None], e0, e1)
    length = np.maximum(l0, l1)
    u = long_edge / length[:, None]
    v = np.column_stack([-u[:, 1], u[:, 0]])
    return {
        "centre": (p0 + p2) / 2.0,
        "u": u,
        "v": v,
        "a": length / 2.0,
        "b": np.minimum(l0, l1) / 2.0,
        "corners": np.stack([p0, p1, p2, p3], axis=1),
    }


def _to_grid(local: np.ndarray, centre: np.ndarray, x_axis: np.ndarray, y_axis: np.ndarray):
    """Polygons from (n, k, 2) local coordinates on the given axes about ``centre``."""
    xy = (
        centre[:, None, :]
        + local[:, :, 0:1] * x_axis[:, None, :]
        + local[:, :, 1:2] * y_axis[:, None, :]
    )
    return shapely.polygons(xy)


def _bearing(vec: np.ndarray) -> np.ndarray:
    """Grid bearing [rad] of (x, y) vectors, clockwise from grid north."""
    return np.radians(bearing(vec[:, 0], vec[:, 1]))


def _unit_from_bearing(bearing: np.ndarray) -> np.ndarray:
    return np.column_stack([np.sin(bearing), np.cos(bearing)])


def _extent_along(corners: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Length [m] of each envelope (n, 4, 2) projected on a unit direction (n, 2)."""
    proj = np.einsum("ikj,ij->ik", corners, direction)
    return proj.max(axis=1) - proj.min(axis=1)


def _latitude(centre: np.ndarray, crs: CRS) -> np.ndarray:
    _, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(centre[:, 0], centre[:, 1])
    return np.asarray(lat, dtype=float)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal part of intersection results (drop stray lines and points)."""
    out = geoms.copy()
    for k in np.flatnonzero(shapely.get_type_id(geoms) == 7):
        polys = [g for g in shapely.get_parts(geoms[k]) if shapely.get_type_id(g) in (3, 6)]
        out[k] = shapely.union_all(polys) if polys else shapely.Polygon()
    return out


def _assemble(chunks: list[dict], parts: _Parts) -> pd.DataFrame:
    """One row per non-empty plane, ordered by building, part and plane."""
    part = np.concatenate([c["part"] for c in chunks])
    order = np.concatenate([np.full(c["part"].size, c["order"]) for c in chunks])
    tilt = np.concatenate([c["tilt"] for c in chunks]).astype(float)
    grid_az = np.concatenate([c["grid_az"] for c in chunks])
    geometry = np.empty(part.size, dtype=object)
    start = 0
    for c in chunks:
        stop = start + c["part"].size
        polygons = parts.polygons[c["part"]]
        if c["region"] is None:
            geometry[start:stop] = polygons
        else:
            geometry[start:stop] = _polygonal(shapely.intersection(polygons, c["region"]))
        start = stop
    keep = shapely.area(geometry) > _SLIVER_M2
    sort = np.lexsort((order[keep], part[keep]))
    part, tilt, grid_az, geometry = (x[keep][sort] for x in (part, tilt, grid_az, geometry))
    azimuth = np.mod(np.degrees(grid_az) - parts.conv[part], 360.0)
    # Round away float noise so that 180 stays 180 (1e-9 deg is far below any data).
    azimuth = np.mod(np.round(azimuth, 9), 360.0)
    pitched = np.isin(parts.model[part], ("gabled", "hipped", "skillion"))
    return pd.DataFrame(
        {
            "part": part,
            "owner": parts.owner[part],
            "roof_shape": parts.model[part],
            "surface_tilt": tilt,
            "surface_azimuth": azimuth,
            "grid_az": grid_az,
            "mounting": np.where(pitched, "roof", "rack"),
            "inferred_from": [tuple(parts.notes[p]) for p in part],
            "geometry": geometry,
        }
    )


def _areas(planes: pd.DataFrame, parts: _Parts, params: RoofParams) -> pd.DataFrame:
    geometry = planes["geometry"].to_numpy()
    tilt = np.radians(planes["surface_tilt"].to_numpy())
    footprint = shapely.area(geometry)
    shape = planes["roof_shape"].to_numpy()
    area = np.where(shape == "flat", footprint, footprint / np.cos(tilt))
    usable = np.zeros(len(planes))

    roof = (planes["mounting"] == "roof").to_numpy()
    if roof.any():
        # Unfold each pitched plane into its true shape: stretch by 1/cos(tilt) along its
        # slope, so that a setback buffered on it is measured on the roof surface.
        unfolded = _unfold(
            geometry[roof],
            planes["grid_az"].to_numpy()[roof],
            tilt[roof],
            parts.centre[planes["part"].to_numpy()[roof]],
        )
        usable[roof] = shapely.area(shapely.buffer(unfolded, -params.edge_setback_m, quad_segs=4))

    flat = shape == "flat"
    if flat.any():
        if params.flat_rack_gcr is not None:
            gcr = np.full(flat.sum(), params.flat_rack_gcr)
        else:
            if params.rack_design_sun_elevation_deg is not None:
                elevation = np.full(flat.sum(), params.rack_design_sun_elevation_deg)
            else:
                lat = parts.latitude[planes["part"].to_numpy()[flat]]
                elevation = 90.0 - np.abs(lat) - _OBLIQUITY_DEG
            gcr = rack_ground_coverage_ratio(params.flat_rack_tilt_deg, elevation)
        inner = shapely.area(shapely.buffer(geometry[flat], -params.edge_setback_m, quad_segs=4))
        usable[flat] = inner * gcr

    canopy = shape == "canopy"
    usable[canopy] = area[canopy]

    planes = planes.assign(footprint_area_m2=footprint, area_m2=area, usable_area_m2=usable)
    return planes


def _unfold(geometry: np.ndarray, grid_az: np.ndarray, tilt: np.ndarray, centre: np.ndarray):
    coords, index = shapely.get_coordinates(geometry, return_index=True)
    slope = _unit_from_bearing(grid_az)[index]
    stretch = (1.0 / np.cos(tilt) - 1.0)[index]
    along = np.einsum("ij,ij->i", coords - centre[index], slope)
    return shapely.transform(geometry, lambda xy: xy + (along * stretch)[:, None] * slope)


def _finish(planes, ids, attrs, crs, params) -> gpd.GeoDataFrame:
    building_id = ids[planes["owner"].to_numpy()]
    k = planes.groupby("owner", sort=False).cumcount().to_numpy() + 1
    plane_id = [f"{b}-{i}" for b, i in zip(building_id, k, strict=True)]
    existing = attrs["existing_pv"][planes["owner"].to_numpy()]
    small = planes["usable_area_m2"].to_numpy() < params.min_usable_area_m2
    excluded = np.where(existing, "existing_pv", np.where(small, "below_min_area", ""))
    kwp = np.where(
        excluded == "", planes["usable_area_m2"] * params.module_power_density_kwp_m2, 0.0
    )
    out = pd.DataFrame(
        {
            "building_id": pd.array(building_id, dtype="string"),
            "plane_id": pd.array(plane_id, dtype="string"),
            "roof_shape": pd.array(planes["roof_shape"].to_numpy(), dtype="string"),
            "surface_tilt": planes["surface_tilt"].to_numpy(dtype=float),
            "surface_azimuth": planes["surface_azimuth"].to_numpy(dtype=float),
            "footprint_area_m2": planes["footprint_area_m2"].to_numpy(dtype=float),
            "area_m2": planes["area_m2"].to_numpy(dtype=float),
            "usable_area_m2": planes["usable_area_m2"].to_numpy(dtype=float),
            "kwp": kwp.astype(float),
            "mounting": pd.array(planes["mounting"].to_numpy(), dtype="string"),
            "excluded": pd.array(excluded, dtype="string"),
            "inferred_from": planes["inferred_from"].to_numpy(dtype=object),
        }
    )
    geometry = gpd.GeoSeries(planes["geometry"].to_numpy(), crs=crs).to_crs(WGS84).to_numpy()
    # A sliver a few micrometres wide can cross itself once in degrees: repair it there.
    invalid = ~shapely.is_valid(geometry)
    if invalid.any():
        geometry[invalid] = _polygonal(shapely.make_valid(geometry[invalid]))
    return gpd.GeoDataFrame(out, geometry=geometry, crs=WGS84)


def _empty() -> gpd.GeoDataFrame:
    columns = {
        "building_id": "string",
        "plane_id": "string",
        "roof_shape": "string",
        "surface_tilt": "float64",
        "surface_azimuth": "float64",
        "footprint_area_m2": "float64",
        "area_m2": "float64",
        "usable_area_m2": "float64",
        "kwp": "float64",
        "mounting": "string",
        "excluded": "string",
        "inferred_from": "object",
    }
    frame = pd.DataFrame({k: pd.Series(dtype=v) for k, v in columns.items()})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
