"""Sidebar widgets shared by the pages: language and the editable assumptions."""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from geodata.roofs import RoofParams
from pages import _state
from quartier_solaire.i18n import LANGUAGES, t
from solar.engine import PVParams
from solar.rooftop import SuitabilityParams

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


def assumptions(lang: str) -> Assumptions:
    """Draw the editable assumptions; return them as domain parameters."""
    roof, pv, fit = RoofParams(), PVParams(), SuitabilityParams()
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
    return Assumptions(
        roof=replace(roof, module_power_density_kwp_m2=density, edge_setback_m=setback),
        pv=replace(pv, losses_percent=losses, dc_ac_ratio=ratio),
        suitability=replace(fit, min_share_of_reference=share / 100),
    )
