"""Quartier Solaire: router only. Pages live in pages/, computation in the domain packages."""

import streamlit as st

from app_pages import _state

st.set_page_config(page_title="Quartier Solaire", page_icon="☀️", layout="wide")
_state.init()

pg = st.navigation(_state.navigation())
pg.run()
