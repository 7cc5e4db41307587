"""The only place where Streamlit caches domain results, keyed on their inputs.

Thin wrappers around the rooftop chain (:mod:`planner.rooftops`): each step is
cached on the parameters it depends on, and handed to the chain so that it is
not computed again. The simulation is cached without the suitability
thresholds, which are applied after it.

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
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pvlib
import streamlit as st

from geodata.clusters import keep_main_group
from geodata.demo import DEMO_SITE, demo_buildings
from geodata.io import BuildingReport, fetch_osm_buildings, read_buildings
from planner.allocation import Allocation, Battery, dispatch_battery
from planner.city import by_hexagon, hexagon_cells, read_screening
from planner.community import (
    COMPARED_KEYS,
    Community,
    CommunityResult,
    allocate_community,
    compare_keys,
    demo_community,
    evaluate,
)
from planner.community import producer_roofs as community_roofs
from planner.economics import EconomicParams
from planner.rooftops import (
    PVParams,
    RoofParams,
    RooftopChain,
    RooftopConfig,
    RooftopRun,
    ShadingParams,
    SuitabilityParams,
    site_of,
)
from planner.rooftops import building_energy as rooftop_energy
from planner.sizing import sweep_scaling
from planner.store import Store, prepare_store
from quartier_solaire.errors import Problem
from solar.pvgis import weather_for_site
from solar.typical_year import TIMEZONE
from solar.weather_files import read_weather_file


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
    """Return the pvlib location of a dataset (:func:`planner.rooftops.site_of`)."""
    if dataset.kind == "demo":
        return pvlib.location.Location(
            DEMO_SITE["latitude"],
            DEMO_SITE["longitude"],
            tz=TIMEZONE,
            altitude=DEMO_SITE["altitude"],
            name=DEMO_SITE["name"],
        )
    return site_of(buildings(dataset)[0], name=dataset.name)


def _chain(dataset: Dataset, config: RooftopConfig, **steps) -> RooftopChain:
    return RooftopChain(buildings(dataset)[0], site(dataset), config, **steps)


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def planes(dataset: Dataset, roof_params: RoofParams) -> gpd.GeoDataFrame:
    """Return the roof planes of a dataset."""
    return _chain(dataset, RooftopConfig(roof=roof_params)).roof_planes()


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def horizons(
    dataset: Dataset, roof_params: RoofParams, shading: ShadingParams
) -> tuple[pd.DataFrame, list[Problem]]:
    """Return each roof plane's skyline [deg] (plane id x azimuth [deg]) and its findings."""
    config = RooftopConfig(roof=roof_params, shading=shading)
    chain = _chain(dataset, config, roof_planes=planes(dataset, roof_params))
    return chain.horizons(), chain.horizon_problems()


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
def _simulated(
    dataset: Dataset,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    shading: ShadingParams,
    _weather: pd.DataFrame,
) -> RooftopRun:
    """The chain's run under the default thresholds: the expensive, shaded part.

    Not keyed on the suitability thresholds, so that moving them does not
    simulate again (:meth:`planner.rooftops.RooftopRun.with_suitability`).
    """
    config = RooftopConfig(roof=roof_params, pv=pv_params, shading=shading)
    steps = {"roof_planes": planes(dataset, roof_params)}
    if shading.enabled:
        frame, found = horizons(dataset, roof_params, shading)
        steps.update(horizons=frame, horizon_problems=found)
    return _chain(dataset, config, **steps).run_model(_weather)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_BY_KEY)
def rooftops(
    dataset: Dataset,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    shading: ShadingParams,
    _weather: pd.DataFrame,
) -> RooftopRun:
    """Return the rooftop chain's run on a dataset under one weather year."""
    run = _simulated(dataset, weather_key, roof_params, pv_params, shading, _weather)
    return run.with_suitability(suitability)


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
    run = rooftops(dataset, weather_key, roof_params, pv_params, suitability, shading, _weather)
    return rooftop_energy(run, building_id, step="30min")


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


# --- the collective project ------------------------------------------------------------
# Demo households are estimates built from a seed: not personal data, so they may
# be cached here. Shared measured curves must never enter a cache (shared by every
# session of the server): they will come through the consented store, later.
# The project and its flows are held with st.cache_resource: one year at 15 min for
# 200 households weighs about 60 MB a frame, which st.cache_data would copy
# (pickle) at every rerun; these frozen results are never modified.


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def producer_roofs(
    dataset: Dataset,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    shading: ShadingParams,
    _weather: pd.DataFrame,
) -> pd.DataFrame:
    """Return the suitable roofs, largest first (:func:`planner.community.producer_roofs`)."""
    run = rooftops(dataset, weather_key, roof_params, pv_params, suitability, shading, _weather)
    return community_roofs(run, buildings(dataset)[0])


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=_BY_KEY)
def community(
    dataset: Dataset,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    shading: ShadingParams,
    producers: tuple[str, ...],
    households: int,
    step: str,
    _weather: pd.DataFrame,
) -> Community:
    """Return the demo project on these roofs with ``households`` estimated households."""
    run = rooftops(dataset, weather_key, roof_params, pv_params, suitability, shading, _weather)
    return demo_community(
        run,
        buildings(dataset)[0],
        _weather["temp_air"],
        producers=list(producers),
        households=households,
        step=step,
    )


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def community_allocation(
    project: tuple, key: str, options: tuple, battery: Battery | None, _weather: pd.DataFrame
) -> Allocation:
    """Return the flows of the project ``community(*project)`` under one key.

    ``options`` are the key's options as ``(name, value)`` pairs, values hashable.
    A battery is dispatched on the key's cached flows: a new capacity does not
    share the production again.
    """
    if battery is not None:
        return dispatch_battery(
            community_allocation(project, key, options, None, _weather), battery
        )
    return allocate_community(community(*project, _weather), key, dict(options))


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=_BY_KEY)
def community_result(
    project: tuple,
    key: str,
    options: tuple,
    battery: Battery | None,
    economic_params: EconomicParams,
    _weather: pd.DataFrame,
) -> CommunityResult:
    """Return :func:`planner.community.evaluate`; new economics do not share again."""
    flows = community_allocation(project, key, options, battery, _weather)
    return evaluate(
        community(*project, _weather),
        key,
        dict(options),
        battery,
        economic_params,
        allocation=flows,
    )


def community_keys(
    project: tuple, options: tuple, economic_params: EconomicParams, _weather: pd.DataFrame
) -> pd.DataFrame:
    """Return :func:`planner.community.compare_keys` on the project, every key.

    ``options``: ``(key, ((name, value), ...))`` pairs. Each key's flows come from
    :func:`community_allocation`, shared with the key shown: new prices or
    another key chosen only reprice.
    """
    per_key = dict(options)
    flows = {
        key: community_allocation(project, key, per_key.get(key, ()), None, _weather)
        for key in COMPARED_KEYS
    }
    return compare_keys(
        community(*project, _weather),
        economic_params=economic_params,
        allocations=flows,
    )


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_BY_KEY)
def community_sweep(
    project: tuple, sizes_kwp: tuple[float, ...], economic_params: EconomicParams, _weather
) -> pd.DataFrame:
    """Return :func:`planner.sizing.sweep_scaling` of the project's roofs over ``sizes_kwp``."""
    project_ = community(*project, _weather)
    return sweep_scaling(
        project_.total_production,
        project_.consumption,
        list(project_.kwp),
        list(sizes_kwp),
        economic_params,
    )


# --- a screened city (planner.city) ------------------------------------------------
def screening_version(directory: str) -> tuple:
    """Return what identifies a screening's content: its parts' names, sizes and times."""
    parts = sorted(Path(directory, "buildings").glob("*.parquet"))
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in parts)


@st.cache_resource(show_spinner=False, max_entries=4)
def screening(directory: str, version: tuple) -> gpd.GeoDataFrame:
    """Return a screening's buildings with their spatial index built.

    A resource, not data: one shared object (a screening is public), so the
    spatial index is built once rather than at every rerun. Callers must not
    change it.
    """
    buildings = read_screening(directory)
    buildings.sindex  # noqa: B018 - built now, kept with the object
    return buildings


@st.cache_data(show_spinner=False, max_entries=16)
def screening_hexagons(directory: str, version: tuple, resolution: int) -> gpd.GeoDataFrame:
    """Return a screening's totals per H3 cell at one resolution."""
    buildings = screening(directory, version)
    return by_hexagon(buildings, hexagon_cells(buildings, resolution))


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=_BY_KEY)
def map_data(
    dataset: Dataset,
    weather_key: tuple,
    roof_params: RoofParams,
    pv_params: PVParams,
    suitability: SuitabilityParams,
    shading: ShadingParams,
    lang: str,
    _run: RooftopRun,
) -> tuple[str, list[str]]:
    """Return the URL of the rooftop map's GeoJSON for a run, published once, and its usages.

    ``_run`` is the run these parameters give (:func:`rooftops`). Buildings
    and their yields are public data; the URL's name is a digest of the keys.
    """
    from app_pages import _map  # the map module draws; imported late, it needs no cache

    name = hashlib.sha256(
        repr(
            (dataset.key, weather_key, roof_params, pv_params, suitability, shading, lang)
        ).encode()
    ).hexdigest()[:32]
    geojson, usages = _map.buildings_geojson(
        buildings(dataset)[0],
        _run.buildings,
        _map.yield_classes(_run.reference_specific_yield_kwh_kwp),
        lang,
    )
    return _map.publish(geojson, name), usages
