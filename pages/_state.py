"""Every st.session_state key of the app, declared once, and the page list."""

from __future__ import annotations

import streamlit as st

from quartier_solaire.i18n import DEFAULT_LANGUAGE, t

# Keys of st.session_state. Widgets use them as key= so tests can drive them.
LANG = "lang"
SELECTED_BUILDING = "selected_building"
WEATHER_SOURCE = "weather_source"
WEATHER_UPLOAD = "weather_upload"
BASEMAP = "basemap"
MODULE_DENSITY = "module_density_kwp_m2"
EDGE_SETBACK = "edge_setback_m"
LOSSES = "losses_percent"
DC_AC_RATIO = "dc_ac_ratio"
SUITABLE_SHARE = "suitable_share_percent"
MAP = "rooftop_map"

# Defaults of keys that no widget owns (a widget's default is its own value=).
DEFAULTS: dict[str, object] = {
    LANG: DEFAULT_LANGUAGE,
    SELECTED_BUILDING: None,
}

# (file, catalogue key of the title, icon, url path); the first page is the default.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("pages/rooftop_map.py", "nav.rooftop_map", ":material/map:", "carte"),
    ("pages/method.py", "nav.method", ":material/menu_book:", "methode"),
)


def init() -> None:
    """Give every declared key its default, once per session."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def lang() -> str:
    """Return the language chosen in this session."""
    return st.session_state.get(LANG, DEFAULT_LANGUAGE)


def navigation() -> list[st.Page]:
    """Return the app's pages, titled in the session's language."""
    return [
        st.Page(path, title=t(title, lang()), icon=icon, url_path=url, default=i == 0)
        for i, (path, title, icon, url) in enumerate(PAGES)
    ]
