"""Méthode et sources: how every figure of the app is computed, with its source."""

import pandas as pd
import streamlit as st

from app_pages import _sidebar
from quartier_solaire.i18n import parameter_rows, t

sidebar = _sidebar.current()
lang, assumptions = sidebar.lang, sidebar.assumptions

st.title(t("method.title", lang))
st.markdown(t("method.intro", lang))

for section in ("weather", "roofs", "shading", "pv", "suitability", "privacy"):
    st.subheader(t(f"method.{section}.title", lang))
    st.markdown(t(f"method.{section}.body", lang))

st.subheader(t("method.current.title", lang))
rows = [
    {
        t("method.col.group", lang): group,
        t("method.col.name", lang): label,
        t("method.col.value", lang): value,
    }
    for group, params in (
        (t("method.roofs.title", lang), assumptions.roof),
        (t("method.pv.title", lang), assumptions.pv),
        (t("method.suitability.title", lang), assumptions.suitability),
        (t("method.shading.title", lang), assumptions.shading),
    )
    for label, value in parameter_rows(params, lang)
]
st.dataframe(pd.DataFrame(rows), hide_index=True, key="method_assumptions")
