"""Quartier Solaire: the entry point. Pages live in app_pages/, computation in the domain.

The shared sidebar is drawn here, once per run and before the page, so that the
language, the files and the assumptions survive a change of page. The language
comes first: the page titles of the navigation are written in it.
"""

import streamlit as st

from app_pages import _guard, _sidebar, _state

st.set_page_config(page_title="Quartier Solaire", page_icon="☀️", layout="wide")
_state.init()

lang = _sidebar.language()
page = st.navigation(_state.navigation(lang))
_sidebar.build(lang)
_guard.run_page(page, lang)
