"""The only place where Streamlit caches domain results, keyed on their inputs.

A click reruns the whole page; with these caches a rerun on the demo
neighbourhood only redraws. Arguments starting with ``_`` are not hashed: each
such argument travels with a hashed key that identifies it (a dataset key, a
file digest). Nothing personal is cached here: st.cache_data is shared by every
session of the server.
"""

from __future__ import annotations

import hashlib
import io

import geopandas as gpd
import pandas as pd
import pvlib
import streamlit as st

from geodata.demo import DEMO_SITE, demo_buildings
from geodata.roofs import RoofParams, roof_planes
from solar.engine import PVParams
from solar.pvgis import weather_for_site
from solar.rooftop import RooftopYield, SuitabilityParams, planes_energy, simulate_rooftops
from solar.weather_files import read_weather_file

DEMO_KEY = "demo:0"


def digest(payload: bytes) -> str:
    """Return a content key for an uploaded file."""
    return hashlib.sha256(payload).hexdigest()


@st.cache_data(show_spinner=False, max_entries=8)
def buildings(dataset_key: str) -> gpd.GeoDataFrame:
    """Return the buildings of a dataset (the embedded demo for now)."""
    if dataset_key != DEMO_KEY:
        raise KeyError(dataset_key)
    return demo_buildings(seed=int(DEMO_KEY.split(":")[1]))


def site(dataset_key: str) -> pvlib.location.Location:
    """Return the pvlib location of a dataset."""
    return pvlib.location.Location(
        DEMO_SITE["latitude"],
        DEMO_SITE["longitude"],
        tz="Europe/Paris",
        altitude=DEMO_SITE["altitude"],
        name=DEMO_SITE["name"],
    )


@st.cache_data(show_spinner=False, max_entries=8)
def planes(dataset_key: str, params: RoofParams) -> gpd.GeoDataFrame:
    """Return the roof planes of a dataset."""
    return roof_planes(buildings(dataset_key), params)


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


@st.cache_data(show_spinner=False, max_entries=16)
def rooftops(
    dataset_key: str,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    _weather: pd.DataFrame,
) -> RooftopYield:
    """Return the yield of every roof of a dataset under one weather year."""
    frame = pd.DataFrame(planes(dataset_key, roof_params).drop(columns="geometry"))
    frame = frame.set_index("plane_id")
    return simulate_rooftops(frame, _weather, site(dataset_key), pv_params, suitability)


@st.cache_data(show_spinner=False, max_entries=64)
def building_energy(
    dataset_key: str,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    building_id: str,
    _weather: pd.DataFrame,
) -> pd.Series:
    """Return what a building's suitable planes produce per half-hour [kWh].

    A roof's production is not personal data; the household's consumption,
    which this is compared with, never enters a cache.
    """
    result = rooftops(dataset_key, weather_key, roof_params, pv_params, suitability, _weather)
    planes = result.planes
    chosen = planes[(planes["building_id"] == building_id) & planes["suitable"]]
    return planes_energy(chosen, _weather, site(dataset_key), pv_params, step="30min")
