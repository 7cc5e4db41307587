"""The page-level guard: what a page raises becomes a message, never a traceback.

The sidebar is drawn before the page runs, so it stays usable whatever the page
does. A file that cannot be read says why, in the user's language; anything
else gets a generic message, and the log records where it happened (exception
type, files, lines, functions) but never the exception's message or values,
which may quote a resident's own data.
"""

from __future__ import annotations

import logging
import traceback

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from planner.store import StoreError
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe, t

_LOG = logging.getLogger("quartier_solaire.app")


def run_page(page: StreamlitPage, lang: str) -> None:
    """Run ``page``; show what it raises as a translated message in the page.

    Streamlit's own control flow (``st.stop``, ``st.rerun``, ``st.switch_page``)
    derives from ``BaseException`` and passes through untouched.
    """
    try:
        page.run()
    except (ReadError, StoreError) as error:
        st.error(describe(error, lang, markdown=True))
    except Exception as error:  # the last line of defence: nothing reaches the user raw
        _LOG.error("page %s failed: %s", page.url_path or "home", where(error))
        st.error(t("app.unexpected_error", lang))


def where(error: BaseException) -> str:
    """Return an exception's type and frames (file:line in function), without its message."""
    frames = traceback.extract_tb(error.__traceback__)
    trail = " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames))
    return f"{type(error).__name__} at {trail}"
