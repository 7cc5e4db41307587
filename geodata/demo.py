"""A generated demonstration neighbourhood in Nantes.

The buildings are SYNTHETIC: a plausible layout of the kinds of roofs that
matter for a collective solar project, placed at real coordinates so that the
weather, the sun and the maps are right, but they are not the buildings that
stand there. Every row says ``source == "synthetic demo"``.

The layout is drawn in Lambert-93 (EPSG:2154) metres around :data:`DEMO_SITE`
and returned in EPSG:4326 through :func:`geodata.schema.normalise_buildings`:

- three streets of terraced houses (about 6 x 10 m, 2-3 storeys, gabled,
  ridges parallel to the street), the streets running east-west, 35 deg north
  of east and 65 deg south of east, so that their roofs face many azimuths;
- detached houses with hipped roofs (about 11 x 9 m), turned every way;
- detached houses whose roof shape and pitch are unknown (as often in
  OpenStreetMap), with garden sheds and mono-pitch garages;
- apartment blocks of 12 x 40 m with 4-6 storeys and flat roofs, and one
  perimeter block around a courtyard (a footprint with a hole);
- a school (two classroom wings and a canteen, flat roofs), a gymnasium
  (45 x 30 m, low-pitch gable), a supermarket (80 x 60 m, flat) and its car
  park with four solar-ready canopies (``usage == "parking"``, 3 m high).

A few roofs already carry PV (``existing_pv``). Sizes are jittered with a
seeded random generator: the same seed always gives the same frame.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geodata.schema import CRS, METRIC_CRS_FRANCE, normalise_buildings

__all__ = ["DEMO_SITE", "DEMO_SOURCE", "demo_buildings", "demo_geojson"]

# Chantenay, a residential district of western Nantes (quartier Bellevue -
# Chantenay - Sainte-Anne): coordinates of the former commune of
# Chantenay-sur-Loire, 47 deg 12' 25" N, 1 deg 35' 42" W (French Wikipedia).
# Altitude: approximate, on the Sillon de Bretagne ridge above the Loire
# (Nantes spans 2-52 m; assumption).
DEMO_SITE: dict = dict(
    name="Chantenay, Nantes (synthetic demo neighbourhood)",
    latitude=47.2069,
    longitude=-1.5950,
    altitude=30.0,
)
DEMO_SOURCE = "synthetic demo"

# Storey height [m] of houses and flats (assumption: 2.5 m ceilings plus floors).
_STOREY_M = 2.8
# Living area per dwelling [m2] used to count flats: 1 dwelling per 70 m2 of floor
# (assumption close to the average French flat, about 65-70 m2).
_M2_PER_DWELLING = 70.0
# Street half-width and front garden depth [m] of the terraced streets (assumption).
_STREET_HALF_M = 5.0
_FRONT_GARDEN_M = 2.0


def demo_buildings(seed: int = 0) -> gpd.GeoDataFrame:
    """The demonstration neighbourhood, in the normalised building schema.

    Parameters
    ----------
    seed : int, default 0
        Seed of the generator that jitters sizes, storeys and pitches; the
        same seed gives an identical frame.

    Returns
    -------
    geopandas.GeoDataFrame
        About 190 buildings (186 with seed 0) in EPSG:4326 with the columns of
        :data:`geodata.schema.BUILDING_COLUMNS`, ``source == "synthetic demo"``.
    """
    rng = np.random.default_rng(seed)
    to_grid = Transformer.from_crs(CRS, METRIC_CRS_FRANCE, always_xy=True)
    x0, y0 = to_grid.transform(DEMO_SITE["longitude"], DEMO_SITE["latitude"])
    rows: list[dict] = []

    # Terraced streets: (name, start x, start y [m from the site], direction [deg from east],
    # length [m]).
    streets = (
        ("A", -210.0, 160.0, 0.0, 180.0),
        ("B", -200.0, -50.0, 35.0, 150.0),
        ("C", -200.0, -95.0, -65.0, 120.0),
    )
    for name, sx, sy, angle, length in streets:
        rows += _terrace(rng, name, sx, sy, angle, length)
    rows += _hipped_houses(rng)
    rows += _unknown_houses(rng)
    rows += _apartments(rng)
    rows += _amenities()

    # A few roofs already carry PV: four terraced houses, one hipped house, one block.
    terraced = [k for k, r in enumerate(rows) if r["id"].startswith("terrace")]
    hipped = [k for k, r in enumerate(rows) if r["id"].startswith("house-hipped")]
    blocks = [k for k, r in enumerate(rows) if r["id"].startswith("apartments")]
    chosen = [*rng.choice(terraced, 4, replace=False), rng.choice(hipped), rng.choice(blocks)]
    for k in chosen:
        rows[int(k)]["existing_pv"] = True

    frame = pd.DataFrame(rows)
    geometry = shapely.transform(
        frame.pop("geometry").to_numpy(), lambda xy: xy + np.array([x0, y0])
    )
    frame["source"] = DEMO_SOURCE
    frame["existing_pv"] = frame["existing_pv"].fillna(False).astype(bool)
    grid = gpd.GeoDataFrame(frame, geometry=geometry, crs=METRIC_CRS_FRANCE)
    return normalise_buildings(grid.to_crs(CRS))


def demo_geojson(path: str | Path, seed: int = 0) -> Path:
    """Write :func:`demo_buildings` to a GeoJSON file and return its path.

    Parameters
    ----------
    path : str or Path
        File to write (overwritten).
    seed : int, default 0
        Passed to :func:`demo_buildings`.
    """
    path = Path(path)
    demo_buildings(seed).to_file(path, driver="GeoJSON")
    return path


# --- generators (local metres east/north of the site, Lambert-93 axes) ---------------------


def _rect(cx: float, cy: float, length: float, width: float, angle_deg: float) -> shapely.Polygon:
    """Rectangle centred on (cx, cy), ``length`` along ``angle_deg`` (anticlockwise from east)."""
    a = math.radians(angle_deg)
    u = np.array([math.cos(a), math.sin(a)])
    v = np.array([-u[1], u[0]])
    c = np.array([cx, cy])
    hl, hw = length / 2, width / 2
    return shapely.Polygon(
        [c - hl * u - hw * v, c + hl * u - hw * v, c + hl * u + hw * v, c - hl * u + hw * v]
    )


def _terrace(rng, name: str, sx: float, sy: float, angle: float, length: float) -> list[dict]:
    """Both sides of a street of terraced houses, ridges parallel to the street."""
    a = math.radians(angle)
    t = np.array([math.cos(a), math.sin(a)])
    n = np.array([-t[1], t[0]])
    rows = []
    for side in (1, -1):
        s, count = 0.0, 0
        while True:
            width = round(float(rng.uniform(5.5, 7.0)), 1)
            depth = round(float(rng.uniform(9.0, 11.0)), 1)
            if s + width > length:
                break
            count += 1
            centre = (
                np.array([sx, sy])
                + (s + width / 2) * t
                + side * (_STREET_HALF_M + _FRONT_GARDEN_M + depth / 2) * n
            )
            levels = int(rng.choice([2, 2, 2, 3]))
            pitch = float(rng.choice([35.0, 40.0, 45.0]))
            rise = depth / 2 * math.tan(math.radians(pitch))
            known_pitch = rng.random() > 0.2  # one roof in five has no pitch in the data
            rows.append(
                dict(
                    id=f"terrace-{name}{'n' if side > 0 else 's'}-{count:02d}",
                    geometry=_rect(centre[0], centre[1], width, depth, angle),
                    height_m=round(levels * _STOREY_M + rise, 1),
                    levels=levels,
                    usage="residential",
                    dwellings=1,
                    roof_shape="gabled",
                    roof_orientation="across" if depth > width else "along",
                    roof_angle_deg=pitch if known_pitch else np.nan,
                )
            )
            # A passage between houses every eight houses.
            s += width + (3.0 if count % 8 == 0 else 0.0)
    return rows


def _hipped_houses(rng) -> list[dict]:
    """Detached houses with hipped roofs on 24 plots, turned every way."""
    rows = []
    k = 0
    for y in (125.0, 160.0, 195.0):
        for x in np.arange(25.0, 200.0, 25.0):
            k += 1
            length = round(float(rng.uniform(10.0, 13.0)), 1)
            width = round(float(rng.uniform(8.0, 10.0)), 1)
            levels = int(rng.choice([1, 2]))
            pitch = float(rng.choice([25.0, 30.0, np.nan]))
            rise = width / 2 * math.tan(math.radians(30.0))
            rows.append(
                dict(
                    id=f"house-hipped-{k:02d}",
                    geometry=_rect(x, y, length, width, float(rng.uniform(-45.0, 45.0))),
                    height_m=round(levels * _STOREY_M + rise, 1),
                    levels=levels,
                    usage="residential",
                    dwellings=1,
                    roof_shape="hipped",
                    roof_angle_deg=pitch,
                    # Survey gives the rise on the roofs whose pitch is unknown.
                    roof_height_m=round(rise, 1) if np.isnan(pitch) else np.nan,
                )
            )
    return rows


def _unknown_houses(rng) -> list[dict]:
    """Detached houses with unknown roofs, with sheds and mono-pitch garages."""
    rows = []
    k = 0
    for y in (-125.0, -170.0):
        for x in (-100.0, -80.0, -60.0, -40.0, -20.0):
            k += 1
            angle = float(rng.uniform(-10.0, 10.0))
            levels = int(rng.choice([1, 2]))
            rows.append(
                dict(
                    id=f"house-{k:02d}",
                    geometry=_rect(
                        x,
                        y,
                        round(float(rng.uniform(8.0, 11.0)), 1),
                        round(float(rng.uniform(7.0, 9.0)), 1),
                        angle,
                    ),
                    height_m=np.nan if k % 3 == 0 else round(levels * _STOREY_M + 3.0, 1),
                    levels=levels,
                    usage="residential",
                    dwellings=1,
                )
            )
            if k % 2 == 0:  # a garden shed behind one house in two
                rows.append(
                    dict(
                        id=f"shed-{k:02d}",
                        geometry=_rect(x, y - 13.0, 3.0, 2.5, angle),
                        height_m=2.5,
                        levels=1,
                        usage="annex",
                        dwellings=0,
                        roof_shape="flat",
                    )
                )
            elif k % 3 == 0:  # or a mono-pitch garage beside it
                rows.append(
                    dict(
                        id=f"garage-{k:02d}",
                        geometry=_rect(x + 7.0, y - 11.0, 3.5, 6.0, angle),
                        height_m=3.0,
                        levels=1,
                        usage="annex",
                        dwellings=0,
                        roof_shape="skillion",
                        roof_angle_deg=10.0,
                        roof_direction_deg=180.0 if k % 2 else np.nan,
                    )
                )
    return rows


def _apartments(rng) -> list[dict]:
    """Six 12 x 40 m blocks of flats and one perimeter block around a courtyard."""
    rows = []
    k = 0
    for y in (-40.0, 0.0, 40.0):
        for x in (10.0, 65.0):
            k += 1
            levels = int(rng.integers(4, 7))
            rows.append(
                dict(
                    id=f"apartments-{k}",
                    geometry=_rect(x, y, 40.0, 12.0, 0.0),
                    height_m=round(levels * _STOREY_M + 1.0, 1),
                    levels=levels,
                    usage="apartments",
                    dwellings=int(40.0 * 12.0 * levels // _M2_PER_DWELLING),
                    roof_shape="flat",
                )
            )
    outer = _rect(110.0, -30.0, 42.0, 42.0, 0.0)
    inner = _rect(110.0, -30.0, 20.0, 20.0, 0.0)
    courtyard = shapely.Polygon(outer.exterior.coords, [inner.exterior.coords])
    rows.append(
        dict(
            id="apartments-courtyard",
            geometry=courtyard,
            height_m=5 * _STOREY_M + 1.0,
            levels=5,
            usage="apartments",
            dwellings=int(courtyard.area * 5 // _M2_PER_DWELLING),
            roof_shape="flat",
        )
    )
    return rows


def _amenities() -> list[dict]:
    """School, gymnasium, supermarket and the car park canopies (fixed sizes)."""
    rows = [
        dict(
            id="school-wing-1",
            geometry=_rect(165.0, 75.0, 50.0, 12.0, 0.0),
            height_m=7.5,
            levels=2,
            usage="school",
            roof_shape="flat",
        ),
        dict(
            id="school-wing-2",
            geometry=_rect(130.0, 45.0, 35.0, 12.0, 90.0),
            height_m=7.5,
            levels=2,
            usage="school",
            roof_shape="flat",
        ),
        dict(
            id="school-canteen",
            geometry=_rect(180.0, 35.0, 25.0, 20.0, 0.0),
            height_m=4.5,
            levels=1,
            usage="school",
            roof_shape="flat",
        ),
        # A gymnasium: a low-pitch gable over a 45 x 30 m hall, 9 m high.
        dict(
            id="gymnasium",
            geometry=_rect(180.0, -35.0, 45.0, 30.0, 0.0),
            height_m=9.0,
            levels=1,
            usage="sports",
            roof_shape="gabled",
            roof_orientation="along",
            roof_angle_deg=8.0,
        ),
        dict(
            id="supermarket",
            geometry=_rect(60.0, -120.0, 80.0, 60.0, 0.0),
            height_m=7.0,
            levels=1,
            usage="retail",
            roof_shape="flat",
        ),
    ]
    for k, y in enumerate((-165.0, -178.0, -191.0, -204.0), start=1):
        # Canopy rows of 50 x 5 m over two lines of parking bays, 8 m aisles between them.
        rows.append(
            dict(
                id=f"canopy-{k}",
                geometry=_rect(60.0, y, 50.0, 5.0, 0.0),
                height_m=3.0,
                levels=1,
                usage="parking",
                roof_shape="flat",
            )
        )
    for row in rows:
        row["dwellings"] = 0
    return rows
