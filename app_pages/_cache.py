"""The only place where Streamlit caches domain results, keyed on their inputs.

A click reruns the whole page; with these caches a rerun on the demo
neighbourhood only redraws. A :class:`Dataset` is hashed by its key alone (a
content digest for an upload), so a large building file is not hashed again at
every rerun; arguments starting with ``_`` are not hashed and travel with a
hashed key that identifies them. Nothing personal is cached here:
st.cache_data is shared by every session of the server.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd
import pvlib
import streamlit as st

from geodata.clusters import keep_main_group, representative_point
from geodata.demo import DEMO_SITE, demo_buildings
from geodata.io import BuildingReport, fetch_osm_buildings, read_buildings
from geodata.roofs import RoofParams, roof_planes
from geodata.shading import ShadingParams, horizon_profiles
from planner.store import Store, prepare_store
from solar.engine import PVParams
from solar.pvgis import weather_for_site
from solar.rooftop import RooftopYield, SuitabilityParams, planes_energy, simulate_rooftops
from solar.typical_year import TIMEZONE
from solar.weather_files import read_weather_file

# Above this many roof planes the map uses the engine's fast mode (orientation
# bins, within 1 % of exact on any plane); below it, exact mode.
FAST_MODE_PLANES = 2_000


@dataclass(frozen=True)
class Dataset:
    """A set of buildings: the demo, an uploaded file, or an OpenStreetMap area.

    Attributes
    ----------
    key : str
        ``"demo:<seed>"``, ``"file:<sha256>"`` or ``"osm:<west,south,east,north>"``.
    name : str
        What the user knows it by (file name, area).
    payload : bytes, optional
        The uploaded file's content.
    """

    key: str
    name: str
    payload: bytes | None = None

    @property
    def kind(self) -> str:
        """``"demo"``, ``"file"`` or ``"osm"``."""
        return self.key.split(":", 1)[0]


DEMO = Dataset("demo:0", "demo")
# Key suffix of the dataset made of the main group of a scattered file's buildings.
MAIN_GROUP = "+main"
_BY_KEY = {Dataset: lambda d: d.key}


def digest(payload: bytes) -> str:
    """Return a content key for an uploaded file."""
    return hashlib.sha256(payload).hexdigest()


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def buildings(dataset: Dataset) -> tuple[gpd.GeoDataFrame, BuildingReport | None]:
    """Return the buildings of a dataset, and the reader's report (None for the demo)."""
    if dataset.key.endswith(MAIN_GROUP):
        return keep_main_group(*buildings(replace(dataset, key=dataset.key[: -len(MAIN_GROUP)])))
    if dataset.kind == "demo":
        return demo_buildings(seed=int(dataset.key.split(":")[1])), None
    if dataset.kind == "file":
        return read_buildings(io.BytesIO(dataset.payload), filename=dataset.name)
    bbox = tuple(float(v) for v in dataset.key.split(":", 1)[1].split(","))
    return fetch_osm_buildings(bbox=bbox)


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def site(dataset: Dataset) -> pvlib.location.Location:
    """Return the pvlib location of a dataset: the centre of its buildings."""
    if dataset.kind == "demo":
        latitude, longitude = DEMO_SITE["latitude"], DEMO_SITE["longitude"]
        altitude, name = DEMO_SITE["altitude"], DEMO_SITE["name"]
    else:
        # From the buildings themselves: the bounding box of a scattered file is centred
        # on a field between its groups (issue 8, point 9).
        latitude, longitude = representative_point(buildings(dataset)[0])
        altitude, name = float(pvlib.location.lookup_altitude(latitude, longitude)), dataset.name
    return pvlib.location.Location(latitude, longitude, tz=TIMEZONE, altitude=altitude, name=name)


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def planes(dataset: Dataset, params: RoofParams) -> gpd.GeoDataFrame:
    """Return the roof planes of a dataset."""
    return roof_planes(buildings(dataset)[0], params)


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def horizons(dataset: Dataset, roof_params: RoofParams, shading: ShadingParams) -> pd.DataFrame:
    """Return each roof plane's skyline [deg] per azimuth sector, indexed by plane id."""
    roof = planes(dataset, roof_params)
    profiles = horizon_profiles(
        roof, buildings(dataset)[0], radius_m=shading.radius_m, sector_deg=shading.sector_deg
    )
    return pd.DataFrame(profiles, index=roof["plane_id"].to_numpy())


@st.cache_data(show_spinner=False, max_entries=16)
def weather(
    source: str,
    latitude: float,
    longitude: float,
    upload_name: str | None,
    upload_digest: str | None,
    _upload: bytes | None,
) -> tuple[pd.DataFrame, dict]:
    """Return the weather year of a source: "synthetic", "pvgis" or "upload".

    An uploaded weather file is public climate data, not personal data: it may
    be cached, keyed by its content.
    """
    if source == "upload":
        return read_weather_file(io.BytesIO(_upload), filename=upload_name)
    return weather_for_site(latitude, longitude, source=source)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_BY_KEY)
def rooftops(
    dataset: Dataset,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    shading: ShadingParams,
    _weather: pd.DataFrame,
) -> RooftopYield:
    """Return the yield of every roof of a dataset under one weather year."""
    frame = pd.DataFrame(planes(dataset, roof_params).drop(columns="geometry"))
    frame = frame.set_index("plane_id")
    mode = "fast" if len(frame) > FAST_MODE_PLANES else "exact"
    horizon = (
        horizons(dataset, roof_params, shading).loc[frame.index].to_numpy()
        if shading.enabled
        else None
    )
    return simulate_rooftops(
        frame,
        _weather,
        site(dataset),
        pv_params,
        suitability,
        mode=mode,
        horizon=horizon,
        sector_deg=shading.sector_deg,
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_BY_KEY)
def building_energy(
    dataset: Dataset,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    shading: ShadingParams,
    building_id: str,
    _weather: pd.DataFrame,
) -> pd.Series:
    """Return what a building's suitable planes produce per half-hour [kWh].

    A roof's production is not personal data; the household's consumption,
    which this is compared with, never enters a cache.
    """
    result = rooftops(dataset, weather_key, roof_params, pv_params, suitability, shading, _weather)
    chosen = result.planes[
        (result.planes["building_id"] == building_id) & result.planes["suitable"]
    ]
    horizon = (
        horizons(dataset, roof_params, shading).loc[chosen.index].to_numpy()
        if shading.enabled
        else None
    )
    return planes_energy(
        chosen,
        _weather,
        site(dataset),
        pv_params,
        step="30min",
        horizon=horizon,
        sector_deg=shading.sector_deg,
    )


@st.cache_resource(show_spinner=False)
def store(url: str, _secrets) -> Store:
    """Open the store at ``url`` once per process: migrated, expired consents purged.

    A Store holds an engine (a connection pool), the key that encrypts curves
    and tunable figures: nothing about any user, so one per process is safe.
    Accounts live in each session's st.session_state. ``url`` (the database,
    hence the data folder) is the cache key, so a change of database opens a
    new store; ``_secrets`` travels unhashed.
    """
    return prepare_store(_secrets)
