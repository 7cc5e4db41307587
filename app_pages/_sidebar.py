"""The sidebar shared by every page: language, buildings, weather, basemap, assumptions.

app.py draws it once per run, before the page (:func:`build`), so its widgets
exist on every page and Streamlit keeps their values when the user changes page
(a widget not drawn in a run is forgotten). Pages read what it collected with
:func:`current`, and read the buildings and the weather year themselves
(:func:`buildings`, :func:`weather`), showing what goes wrong where it matters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import pvlib
import streamlit as st

from app_pages import _cache, _city, _state, _upload_help
from geodata.lookup import bbox_size_km
from geodata.roofs import RoofParams
from geodata.shading import ShadingParams
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import LANGUAGES, describe, number, percent, t, weather_licence
from solar.engine import PVParams
from solar.rooftop import SuitabilityParams
from solar.synthetic_weather import distance_km
from solar.weather_files import weather_summary

_LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def language() -> str:
    """Draw the language selector; return the chosen language."""
    st.sidebar.selectbox(
        "Langue / Language",
        LANGUAGES,
        key=_state.LANG,
        format_func=_LANGUAGE_NAMES.get,
    )
    return _state.lang()


@dataclass(frozen=True)
class Assumptions:
    """What the user set in the sidebar, as domain parameters."""

    roof: RoofParams
    pv: PVParams
    suitability: SuitabilityParams
    shading: ShadingParams


def assumptions(lang: str) -> Assumptions:
    """Draw the editable assumptions; return them as domain parameters."""
    roof, pv, fit, shade = RoofParams(), PVParams(), SuitabilityParams(), ShadingParams()
    with st.sidebar.expander(t("sidebar.assumptions", lang)):
        density = st.number_input(
            t("sidebar.module_density", lang),
            min_value=0.10,
            max_value=0.30,
            value=roof.module_power_density_kwp_m2,
            step=0.01,
            format="%.2f",
            key=_state.MODULE_DENSITY,
            help=t("sidebar.module_density_help", lang),
        )
        setback = st.number_input(
            t("sidebar.edge_setback", lang),
            min_value=0.0,
            max_value=3.0,
            value=roof.edge_setback_m,
            step=0.1,
            key=_state.EDGE_SETBACK,
            help=t("sidebar.edge_setback_help", lang),
        )
        losses = st.number_input(
            t("sidebar.losses", lang),
            min_value=0.0,
            max_value=50.0,
            value=pv.losses_percent,
            step=1.0,
            key=_state.LOSSES,
            help=t("sidebar.losses_help", lang),
        )
        ratio = st.number_input(
            t("sidebar.dc_ac_ratio", lang),
            min_value=0.8,
            max_value=2.0,
            value=pv.dc_ac_ratio,
            step=0.05,
            key=_state.DC_AC_RATIO,
            help=t("sidebar.dc_ac_ratio_help", lang),
        )
        share = st.slider(
            t("sidebar.suitable_share", lang),
            min_value=50,
            max_value=100,
            value=round(fit.min_share_of_reference * 100),
            step=5,
            key=_state.SUITABLE_SHARE,
            help=t("sidebar.suitable_share_help", lang),
        )
        shading = st.toggle(
            t("sidebar.shading", lang),
            value=shade.enabled,
            key=_state.SHADING,
            help=t("sidebar.shading_help", lang),
        )
        radius = st.number_input(
            t("sidebar.shading_radius", lang),
            min_value=10.0,
            max_value=500.0,
            value=shade.radius_m,
            step=10.0,
            key=_state.SHADING_RADIUS,
            disabled=not shading,
            help=t("sidebar.shading_radius_help", lang),
        )
    return Assumptions(
        roof=replace(roof, module_power_density_kwp_m2=density, edge_setback_m=setback),
        pv=replace(pv, losses_percent=losses, dc_ac_ratio=ratio),
        suitability=replace(fit, min_share_of_reference=share / 100),
        shading=replace(shade, enabled=shading, radius_m=radius),
    )


WEATHER_SOURCES = ("synthetic", "pvgis", "upload")
# Beyond this distance a weather year describes another climate [km]; the same
# radius within which the synthetic year uses a station's normals as they are.
FAR_WEATHER_KM = 50.0


@dataclass(frozen=True)
class WeatherChoice:
    """The weather the user asked for: a source, and the uploaded file if any."""

    source: str
    name: str | None = None
    payload: bytes | None = None
    digest: str | None = None

    @property
    def key(self) -> tuple:
        """What identifies this weather year in the caches: the source and file digest."""
        return (self.source, self.digest)


def weather_choice(lang: str) -> WeatherChoice:
    """Draw the weather choice; return it (nothing is read here)."""
    source = st.sidebar.radio(
        t("weather.source", lang),
        WEATHER_SOURCES,
        key=_state.WEATHER_SOURCE,
        format_func=lambda s: t(f"weather.source.{s}", lang),
    )
    if source != "upload":
        return WeatherChoice(source)
    uploaded = st.sidebar.file_uploader(
        t("weather.upload", lang),
        type=["csv", "json", "epw", "tm2"],
        key=_state.WEATHER_UPLOAD,
    )
    if uploaded is None:
        return WeatherChoice(source)
    payload = uploaded.getvalue()
    return WeatherChoice(source, uploaded.name, payload, _cache.digest(payload))


def weather(
    lang: str, location: pvlib.location.Location, choice: WeatherChoice
) -> tuple[pd.DataFrame, dict, tuple]:
    """Read the chosen weather year; return it, its metadata and its cache key.

    Stops the page with a precise message when no file was uploaded yet, or when
    the uploaded file cannot be read; the sidebar stays usable.
    """
    source, name, payload = choice.source, choice.name, choice.payload
    if source == "upload" and payload is None:
        st.info(t("weather.upload_prompt", lang))
        st.stop()
    upload_digest = choice.digest
    try:
        with st.spinner(t("weather.loading", lang)):
            frame, meta = _cache.weather(
                source,
                round(location.latitude, 4),
                round(location.longitude, 4),
                name,
                upload_digest,
                payload,
            )
    except ReadError as error:
        if source != "upload":
            st.error(describe(error, lang, markdown=True))
            st.stop()
        # A refused upload (a consumption file, say) is explained where it was
        # dropped; the page goes on with the embedded year.
        st.sidebar.error(describe(error, lang, markdown=True))
        st.sidebar.caption(t("weather.upload_refused", lang))
        source, upload_digest = "synthetic", None
        lat, lon = round(location.latitude, 4), round(location.longitude, 4)
        frame, meta = _cache.weather(source, lat, lon, None, None, None)
    for warning in meta.get("warning_keys", []):
        st.sidebar.warning(t(warning["key"], lang, **warning["params"]))
    for problem in meta.get("problems", []):
        st.sidebar.warning(describe(problem, lang, markdown=True))
    if meta.get("latitude") is not None and meta.get("longitude") is not None:
        away = distance_km(
            location.latitude, location.longitude, meta["latitude"], meta["longitude"]
        )
        if away > FAR_WEATHER_KM:
            st.sidebar.warning(t("weather.far_from_site", lang, distance_km=round(away)))
    label_key = meta.get("label_key")
    label = t(label_key, lang) if label_key else meta["source"]
    st.sidebar.caption(t("weather.attribution", lang, source=label))
    if source == "upload":
        _weather_summary(frame, meta, lang)
    with st.sidebar.expander(t("weather.sources", lang)):
        st.caption(weather_licence(meta, lang))
        if meta.get("attribution_file_text"):
            # The file's own words, as written: plain text, never Markdown.
            st.text(f"{t('weather.licence.file_says', lang)} {meta['attribution_file_text']}")
    return frame, meta, (source, upload_digest)


def _weather_summary(frame: pd.DataFrame, meta: dict, lang: str) -> None:
    # What `quartier-solaire inspect` says of the file, in one line.
    summary = weather_summary(frame, meta)
    place = summary.station or (
        f"{summary.latitude:.3f}, {summary.longitude:.3f}"
        if summary.latitude is not None and summary.longitude is not None
        else meta.get("file") or ""
    )
    text = t(
        "weather.summary",
        lang,
        place=place,
        period=summary.period or t("weather.summary_period_unknown", lang),
        ghi=number(summary.ghi_kwh_m2, lang),
        diffuse=percent(summary.diffuse_share, lang),
        temp=number(summary.temp_air_mean_c, lang, decimals=1),
    )
    st.sidebar.text(text)


BUILDING_SOURCES = ("demo", "file", "osm", "screening")
# Largest OpenStreetMap area fetched at once [km]: the extended collective
# self-consumption perimeter is 2 km between the two farthest participants.
MAX_OSM_SIDE_KM = 2.0


def dataset(lang: str) -> _cache.Dataset:
    """Draw the choice of buildings; return the dataset the pages work on.

    A change of dataset forgets the building picked on the previous one.
    """
    source = st.sidebar.radio(
        t("buildings.source", lang),
        BUILDING_SOURCES,
        key=_state.BUILDINGS_SOURCE,
        format_func=lambda s: t(f"buildings.source.{s}", lang),
    )
    chosen = _cache.DEMO
    if source == "file":
        uploaded = st.sidebar.file_uploader(
            t("buildings.upload", lang),
            # Weather and consumption types too: dropped here, they are named and redirected.
            type=["geojson", "json", "gpkg", "zip", "osm", "pbf", "csv", "epw", "tm2", "txt"],
            key=_state.BUILDINGS_UPLOAD,
            help=t("buildings.upload_help", lang),
        )
        if uploaded is not None:
            payload = uploaded.getvalue()
            chosen = _cache.Dataset(f"file:{_cache.digest(payload)}", uploaded.name, payload)
        else:
            st.sidebar.caption(t("buildings.upload_prompt", lang))
    elif source == "osm":
        st.sidebar.caption(t("buildings.osm_help", lang))
        view = (st.session_state.get(_state.MAP_OSM) or {}).get("bounds")
        if st.sidebar.button(
            t("buildings.osm_fetch", lang), key=_state.OSM_FETCH, disabled=not view
        ):
            _fetch_osm_view(view, lang)
        chosen = st.session_state.get(_state.OSM_DATASET) or _cache.DEMO
    elif source == "screening":
        # Shown by the rooftop page (app_pages/_city.py); other pages keep the demo.
        _city.sidebar_input(lang)
    chosen = _upload_help.usable_dataset(lang, chosen)
    if st.session_state.get(_state.DATASET_KEY) != chosen.key:
        st.session_state[_state.DATASET_KEY] = chosen.key
        st.session_state[_state.SELECTED_BUILDING] = None
        st.session_state[_state.HOME_BUILDING] = None
    return chosen


def _fetch_osm_view(bounds: dict, lang: str) -> None:
    south, west = bounds["_southWest"]["lat"], bounds["_southWest"]["lng"]
    north, east = bounds["_northEast"]["lat"], bounds["_northEast"]["lng"]
    width, height = bbox_size_km(west, south, east, north)
    if max(width, height) > MAX_OSM_SIDE_KM:
        st.sidebar.error(
            t(
                "buildings.osm_too_large",
                lang,
                side=f"{max(width, height):.1f}",
                limit=MAX_OSM_SIDE_KM,
            )
        )
        return
    key = "osm:" + ",".join(f"{v:.4f}" for v in (west, south, east, north))
    candidate = _cache.Dataset(key, t("buildings.osm_name", lang))
    try:
        with st.spinner(t("buildings.osm_loading", lang)):
            _cache.buildings(candidate)
    except ReadError as error:
        st.sidebar.error(describe(error, lang, markdown=True))
        return
    st.session_state[_state.OSM_DATASET] = candidate


def buildings(lang: str, chosen: _cache.Dataset):
    """Return the dataset's buildings and reader report, or stop with a precise message."""
    try:
        with st.spinner(t("buildings.loading", lang)):
            return _cache.buildings(chosen)
    except ReadError as error:
        _upload_help.show_building_error(lang, error)
        st.stop()


def basemap(lang: str) -> bool:
    """Draw the switch of the OpenStreetMap background; return it."""
    return st.sidebar.toggle(t("map.basemap", lang), value=True, key=_state.BASEMAP)


@dataclass(frozen=True)
class Sidebar:
    """What the shared sidebar collected in this run, for the pages to read."""

    lang: str
    dataset: _cache.Dataset
    weather: WeatherChoice
    basemap: bool
    assumptions: Assumptions


def build(lang: str) -> Sidebar:
    """Draw the shared sidebar below the language; store what it collected for this run."""
    sidebar = Sidebar(
        lang=lang,
        dataset=dataset(lang),
        weather=weather_choice(lang),
        basemap=basemap(lang),
        assumptions=assumptions(lang),
    )
    st.session_state[_state.SIDEBAR] = sidebar
    return sidebar


def current() -> Sidebar:
    """Return what the shared sidebar collected in this run (app.py draws it first)."""
    return st.session_state[_state.SIDEBAR]
