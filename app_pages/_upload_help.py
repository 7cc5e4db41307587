"""A building file that cannot be used: say why and where it goes, and keep the page working.

When the buildings of an upload cannot be read, the page says precisely why
(and, for a weather or consumption file dropped here, where to drop it) and
goes on with the last dataset that could be read, or the demo: the map, the
sidebar and the other pages stay usable. When a file's buildings lie in groups
far apart, the sidebar says so and offers to keep only the main group.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app_pages import _cache, _state
from planner.files import kind_message, misplaced
from quartier_solaire.errors import Problem, ReadError
from quartier_solaire.i18n import describe, t


def usable_dataset(lang: str, chosen: _cache.Dataset) -> _cache.Dataset:
    """Return ``chosen`` if its buildings can be read, else the last one that could be.

    Shows the precise message for a file that cannot be read, and for a
    scattered file the choice of keeping only its main group (then returns the
    dataset of that group). A failed upload is remembered by its content key, so
    that it is not read again at every rerun.
    """
    memory = st.session_state.setdefault(_state.BUILDINGS_HELP, {})
    failed = memory.get("failed")
    if failed is not None and failed[0] == chosen.key:
        show_building_error(lang, failed[1])
        return memory.get("good", _cache.DEMO)
    try:
        with st.spinner(t("buildings.loading", lang)):
            _, report = _cache.buildings(chosen)
    except ReadError as error:
        if chosen.payload is not None:
            error = misplaced(error, chosen.payload, chosen.name, expected="buildings")
        memory["failed"] = (chosen.key, error)
        show_building_error(lang, error)
        return memory.get("good", _cache.DEMO)
    memory["good"] = chosen
    return _main_group_choice(lang, chosen, report)


def show_building_error(lang: str, error: ReadError) -> None:
    """Say why a building file cannot be used, and where to drop it if it belongs elsewhere."""
    if error.code == "wrong_place":
        text = kind_message(error.params["kind"], lang)
    elif error.code == "empty_file":
        text = kind_message("empty", lang)
    else:
        text = describe(error, lang, markdown=True)
        reasons = error.params.get("reasons") or []
        if reasons:
            text += "\n" + "\n".join(
                f"- {describe(Problem(**reason), lang, markdown=True)}" for reason in reasons
            )
    st.error(text)
    st.info(t("buildings.upload_failed_fallback", lang))


def _main_group_choice(lang: str, chosen: _cache.Dataset, report) -> _cache.Dataset:
    scattered = next(
        (p for p in getattr(report, "problems", ()) if p.code == "buildings_scattered"), None
    )
    if scattered is None:
        return chosen
    st.sidebar.warning(describe(scattered, lang, markdown=True))
    if st.sidebar.checkbox(t("buildings.keep_main_group", lang), key=_state.KEEP_MAIN_GROUP):
        return replace(chosen, key=chosen.key + _cache.MAIN_GROUP)
    return chosen
