"""Quartier Solaire: the entry point. Pages live in app_pages/, computation in the domain.

The shared sidebar is drawn here, once per run and before the page, so that the
language, the account, the files and the assumptions survive a change of page.
The language comes first (the page titles are written in it), then the account
(the pages offered depend on its role).
"""

import streamlit as st

from app_pages import _auth, _guard, _sidebar, _state

st.set_page_config(page_title="Quartier Solaire", page_icon="☀️", layout="wide")
_state.init()

lang = _sidebar.language()
# Before the navigation: the pages offered depend on the role signed in.
account = _auth.panel(lang)
page = st.navigation(_state.navigation(lang, account.role if account else None))
_sidebar.build(lang)
_auth.show_flash(lang)
_guard.run_page(page, lang)
