"""A screened city on the rooftop page: its figures, its map, its largest roofs.

A screening directory can hold hundreds of thousands of buildings: the map
never draws them all. Zoomed out it shows H3 hexagons; zoomed in, the
buildings inside the view only, found through the spatial index. The map
itself is mounted once per area; what it shows travels as layers
(``feature_group_to_add``), so a pan, a zoom or a click swaps a layer
instead of sending the map again.

The app runs locally: the directory is a path under a configured base
folder (``QUARTIER_SOLAIRE_SCREENINGS_DIR``, default ``var/screenings``
beside app.py), never anywhere else on the machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _cache, _map
from geodata.lookup import building_at
from planner.city import (
    by_district,
    candidate_sites,
    city_figures,
    in_view,
    sites_csv,
    sites_geojson,
)
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe, literal, number, percent, t
from quartier_solaire.offline_assets import PROJECT_ROOT

SCREENINGS_ENV = "QUARTIER_SOLAIRE_SCREENINGS_DIR"
MAP_KEY = "citymap_map"
PATH_KEY = "citymap_path"
SELECTED_KEY = "citymap_selected"
# Buildings are drawn from this zoom on, or when the view holds at most MAX_DRAWN.
BUILDINGS_ZOOM = 16
MAX_DRAWN = 3_000
# H3 resolution per zoom: about a few hundred hexagons on screen.
RESOLUTIONS = ((11, 7), (13, 8), (99, 9))
SITES = 50


def base_dir() -> Path:
    """Return the folder screenings are read from (env, or var/screenings)."""
    return Path(os.environ.get(SCREENINGS_ENV) or PROJECT_ROOT / "var" / "screenings").resolve()


def chosen_directory(typed: str) -> Path | None:
    """Return the screening directory a typed path names, if it lies in :func:`base_dir`."""
    base = base_dir()
    path = (base / typed.strip()).resolve()
    return path if path.is_dir() and path.is_relative_to(base) else None


def sidebar_input(lang: str) -> str:
    """Draw the path field of the screening source; return what was typed."""
    base = base_dir()
    found = sorted(p.name for p in base.glob("*") if (p / "buildings").is_dir())[:20]
    st.sidebar.caption(t("citymap.base_dir", lang, base=literal(base)))
    if found:
        st.sidebar.caption(t("citymap.found", lang, names=", ".join(literal(n) for n in found)))
    return st.sidebar.text_input(t("citymap.path", lang), key=PATH_KEY)


def _resolution(zoom: int) -> int:
    return next(r for z, r in RESOLUTIONS if zoom <= z)


def _reference(buildings: pd.DataFrame) -> float:
    # A screening has no reference plane: the 95th percentile of the best
    # yields stands for it, so that the colours spread over the area.
    best = buildings["best_specific_yield_kwh_kwp"].dropna()
    return float(best.quantile(0.95)) if len(best) else 1_000.0


def show(lang: str, basemap: bool) -> None:
    """Draw the screened city the sidebar names, or say why it cannot."""
    typed = st.session_state.get(PATH_KEY) or ""
    directory = chosen_directory(typed) if typed else None
    if directory is None:
        st.info(t("citymap.pick" if not typed else "citymap.not_found", lang, path=literal(typed)))
        return
    version = _cache.screening_version(str(directory))
    try:
        with st.spinner(t("citymap.reading", lang)):
            buildings = _cache.screening(str(directory), version)
    except ReadError as exc:
        st.error(describe(exc, lang, markdown=True))
        return
    st.caption(t("citymap.dataset", lang, name=literal(directory.name)))
    _select_clicked(buildings)
    _figures(buildings, lang)
    left, right = st.columns([3, 2])
    with left:
        _draw_map(buildings, str(directory), version, lang, basemap)
    with right:
        _details(buildings, lang)
    _sites(buildings, lang)


def _figures(buildings, lang: str) -> None:
    figures = city_figures(buildings)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("citymap.suitable_roofs", lang), number(figures.suitable_roofs, lang))
    c2.metric(t("citymap.mwp", lang), number(figures.suitable_mwp, lang, decimals=1))
    c3.metric(t("citymap.gwh", lang), number(figures.annual_gwh, lang, decimals=1))
    if figures.coverage is None:
        c4.metric(t("citymap.coverage", lang), "–")
        st.caption(t("citymap.no_dwellings", lang))
    else:
        c4.metric(t("citymap.coverage", lang), percent(figures.coverage, lang))
        st.caption(
            t(
                "citymap.coverage_note",
                lang,
                buildings=number(figures.buildings, lang),
                dwellings=number(figures.dwellings, lang),
                consumption=number(figures.consumption_gwh, lang, decimals=1),
            )
        )
    districts = by_district(buildings)
    if districts is not None:
        with st.expander(t("citymap.by_district", lang)):
            st.dataframe(_totals_table(districts, lang), key="citymap_districts")


def _totals_table(totals: pd.DataFrame, lang: str) -> pd.DataFrame:
    table = totals.rename(
        columns={
            "buildings": t("citymap.col.buildings", lang),
            "suitable_roofs": t("citymap.col.suitable_roofs", lang),
            "suitable_mwp": t("citymap.col.mwp", lang),
            "annual_gwh": t("citymap.col.gwh", lang),
        }
    )
    return table.round(3)


def _draw_map(buildings, directory: str, version: tuple, lang: str, basemap: bool):
    view = st.session_state.get(MAP_KEY) or {}
    zoom = int(view.get("zoom") or 13)
    bounds = view.get("bounds") or {}
    box = None
    if bounds.get("_southWest") and bounds.get("_northEast"):
        sw, ne = bounds["_southWest"], bounds["_northEast"]
        box = (sw["lng"], sw["lat"], ne["lng"], ne["lat"])
    shown = in_view(buildings, box) if box is not None else buildings
    drawn = box is not None and (zoom >= BUILDINGS_ZOOM or len(shown) <= MAX_DRAWN)
    if drawn:
        content = _map.screened_layer(shown.head(MAX_DRAWN * 4), _reference(buildings), lang)
        st.caption(t("citymap.drawn", lang, n=number(min(len(shown), MAX_DRAWN * 4), lang)))
    else:
        resolution = _resolution(zoom)
        hexagons = _cache.screening_hexagons(directory, version, resolution)
        content = _map.hexagon_layer(hexagons, lang)
        st.caption(t("citymap.hexagons", lang, zoom=number(BUILDINGS_ZOOM, lang)))
        with st.expander(t("citymap.by_hexagon", lang)):
            table = hexagons.drop(columns="geometry").set_index("cell")
            st.dataframe(_totals_table(table, lang), key="citymap_hexagons")
    fmap = _map.city_map(
        tuple(buildings.total_bounds), lang, basemap=basemap, remember_view="screening:" + directory
    )
    selected = _map.selection_layer(buildings, st.session_state.get(SELECTED_KEY))
    st_folium(
        fmap,
        key=MAP_KEY,
        feature_group_to_add=[content, selected],
        height=560,
        use_container_width=True,
        returned_objects=["last_object_clicked", "bounds", "zoom"],
    )
    if drawn:
        st.html(_map.legend_html(_map.yield_classes(_reference(buildings)), lang))


def _select_clicked(buildings) -> None:
    """Select the building under the map's last click, before anything is drawn.

    streamlit-folium keeps the map's value under its key: reading it first
    saves the second rerun a selection made after the map would need.
    """
    point = (st.session_state.get(MAP_KEY) or {}).get("last_object_clicked")
    if not point:
        return
    box = (point["lng"], point["lat"], point["lng"], point["lat"])
    hit = building_at(in_view(buildings, box), point["lat"], point["lng"])
    if hit is not None:
        st.session_state[SELECTED_KEY] = hit


def _details(buildings, lang: str) -> None:
    selected = st.session_state.get(SELECTED_KEY)
    rows = buildings.loc[buildings["id"] == selected] if selected is not None else []
    if len(rows) == 0:
        st.info(t("details.pick", lang))
        return
    row = rows.iloc[0]
    st.subheader(t("details.title", lang, id=literal(selected)))
    usage = row["usage"]
    st.markdown(
        t(
            "citymap.building",
            lang,
            usage=t(f"usage.{usage}", lang) if pd.notna(usage) else "?",
            kwp=number(row["suitable_kwp"], lang, decimals=1),
            kwh=number(row["suitable_annual_kwh"], lang),
            specific=number(row["best_specific_yield_kwh_kwp"], lang)
            if pd.notna(row["best_specific_yield_kwh_kwp"])
            else "–",
        )
    )


def _sites(buildings, lang: str) -> None:
    st.subheader(t("citymap.sites_title", lang))
    st.caption(t("citymap.sites_note", lang, n=number(SITES, lang)))
    sites = candidate_sites(buildings, SITES)
    table = pd.DataFrame(
        {
            t("citymap.col.rank", lang): sites["rank"],
            t("citymap.col.id", lang): sites["id"].astype(str),
            t("citymap.col.usage", lang): [
                t(f"usage.{u}", lang) if pd.notna(u) else "?" for u in sites["usage"]
            ],
            t("citymap.col.kwp", lang): np.round(sites["suitable_kwp"].astype(float), 1),
            t("citymap.col.mwh", lang): np.round(
                sites["suitable_annual_kwh"].astype(float) / 1e3, 1
            ),
        }
    )
    if sites["district"].notna().any():
        table[t("citymap.col.district", lang)] = sites["district"].astype(str)
    st.dataframe(table, hide_index=True, key="citymap_sites")
    a, b = st.columns(2)
    a.download_button(
        t("citymap.download_csv", lang),
        sites_csv(sites),
        file_name="sites_candidats.csv",
        mime="text/csv",
        key="citymap_csv",
    )
    b.download_button(
        t("citymap.download_geojson", lang),
        sites_geojson(sites),
        file_name="sites_candidats.geojson",
        mime="application/geo+json",
        key="citymap_geojson",
    )
