"""Organiser une consultation: a cooperative or a city creates, closes, moderates and exports.

Candidate sites are the largest suitable roofs of the current dataset, with
the figures the rooftop chain simulated under the sidebar's assumptions.
"""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from app_pages import _auth, _consult, _sidebar, _state
from planner.consultation import (
    close_consultation,
    create_consultation,
    escape_for_markdown,
    export_csv,
    export_geojson,
    list_consultations,
    moderate,
    moderation_queue,
    results,
)
from planner.store import StoreError
from quartier_solaire.i18n import describe, number, t

PARIS = ZoneInfo("Europe/Paris")
CANDIDATES = 20  # roofs offered
DEFAULT_SITES = 5  # roofs chosen at first
DEFAULT_DAYS = 30


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS)


def _candidates_table(sites, lang: str) -> None:
    st.dataframe(
        pd.DataFrame(
            {
                t("consultpage.column.site", lang): [s.name for s in sites],
                t("consultpage.column.kwp", lang): [s.kwp for s in sites],
                t("consultpage.column.mwh", lang): [s.mwh_per_year for s in sites],
                t("consultpage.column.households", lang): [s.households for s in sites],
                t("consultpage.column.shading", lang): [s.shading_loss_pct for s in sites],
            }
        ),
        hide_index=True,
        use_container_width=True,
    )


def _create(store, account, lang: str) -> None:
    sidebar = _sidebar.current()
    sites = _consult.candidates(lang, sidebar.dataset, sidebar.assumptions, CANDIDATES)
    if not sites:
        st.info(t("consultpage.no_candidates", lang))
        return
    _candidates_table(sites, lang)
    st.caption(t("consultpage.candidates_caption", lang))
    by_building = {s.building_id: s for s in sites}
    today = datetime.now(PARIS).date()
    with st.form(_state.account_key(_state.CONSULT_CREATE), clear_on_submit=False):
        title = st.text_input(
            t("consultpage.new_title", lang),
            max_chars=200,
            key=_state.account_key(_state.CONSULT_NEW_TITLE),
        )
        description = st.text_area(
            t("consultpage.new_description", lang),
            max_chars=4000,
            key=_state.account_key(_state.CONSULT_NEW_DESCRIPTION),
        )
        opens = st.date_input(
            t("consultpage.new_opens", lang),
            value=today,
            key=_state.account_key(_state.CONSULT_NEW_OPENS),
        )
        closes = st.date_input(
            t("consultpage.new_closes", lang),
            value=today + timedelta(days=DEFAULT_DAYS),
            key=_state.account_key(_state.CONSULT_NEW_CLOSES),
        )
        secret = st.checkbox(
            t("consultpage.new_secret", lang), key=_state.account_key(_state.CONSULT_NEW_SECRET)
        )
        chosen = st.multiselect(
            t("consultpage.new_sites", lang),
            list(by_building),
            default=list(by_building)[:DEFAULT_SITES],
            format_func=lambda b: _site_label(by_building[b], lang),
            key=_state.account_key(_state.CONSULT_NEW_SITES),
            placeholder=t("widget.choose", lang),
        )
        if st.form_submit_button(t("consultpage.create_submit", lang), key=_state.CONSULT_CREATE):
            try:
                made = create_consultation(
                    store,
                    account.id,
                    title,
                    description,
                    _midnight(opens),
                    _midnight(closes + timedelta(days=1)),
                    [by_building[b] for b in chosen],
                    secret=secret,
                )
            except StoreError as error:
                st.error(describe(error, lang))
            else:
                _auth.flash("consultpage.created", title=escape_for_markdown(made.title))
                st.session_state[_state.CONSULT_ADMIN_CHOICE] = made.id
                st.rerun()


def _site_label(site, lang: str) -> str:
    return f"{site.name} — {number(site.kwp, lang, decimals=1)} kWc/kWp"


def _queue(store, account, record, lang: str) -> None:
    st.subheader(t("consultpage.queue", lang))
    names = {s.id: s.name for s in record.sites}
    hidden = moderation_queue(store, account.id, record.id)
    if not hidden:
        st.caption(t("consultpage.queue_empty", lang))
    for comment in hidden:
        with st.container(border=True):
            st.caption(
                f"{escape_for_markdown(names.get(comment.site_id, ''))} — "
                + t("consultpage.queue_reports", lang, reports=comment.reports)
            )
            st.markdown(escape_for_markdown(comment.text))
            left, right = st.columns(2)
            for column, decision in ((left, "restore"), (right, "remove")):
                key = f"{_state.CONSULT_MODERATE}_{decision}_{comment.id}"
                if column.button(t(f"consultpage.{decision}", lang), key=key):
                    _decide(store, account, comment.id, decision, lang)


def _decide(store, account, comment_id: str, decision: str, lang: str) -> None:
    try:
        moderate(store, account.id, comment_id, decision)
    except StoreError as error:
        st.error(describe(error, lang))
        return
    _auth.flash(f"consultpage.moderated.{decision}")
    st.rerun()


def _manage(store, account, lang: str) -> None:
    st.header(t("consultpage.manage", lang))
    mine = {c.id: c for c in list_consultations(store) if c.organisation == account.organisation}
    if not mine:
        st.caption(t("consultpage.none_yours", lang))
        return
    if st.session_state.get(_state.CONSULT_ADMIN_CHOICE) not in mine:
        st.session_state.pop(_state.CONSULT_ADMIN_CHOICE, None)
    chosen = st.selectbox(
        t("consultpage.choose", lang),
        list(mine),
        format_func=lambda i: mine[i].title,
        key=_state.CONSULT_ADMIN_CHOICE,
    )
    record = mine[chosen]
    st.caption(_consult.dates(record, lang))
    found = results(store, record.id, config=None)
    if not found.closed and st.button(
        t("consultpage.close", lang),
        key=_state.CONSULT_CLOSE,
        help=t("consultpage.close_help", lang),
    ):
        try:
            close_consultation(store, account.id, record.id)
        except StoreError as error:
            st.error(describe(error, lang))
        else:
            _auth.flash("consultpage.closed_now")
            st.rerun()
    _queue(store, account, record, lang)
    st.subheader(t("consultpage.exports", lang))
    left, right = st.columns(2)
    left.download_button(
        t("consultpage.export_csv", lang),
        export_csv(found, lang).encode("utf-8"),
        file_name=f"consultation-{record.id}.csv",
        mime="text/csv",
        key=_state.CONSULT_EXPORT_CSV,
    )
    right.download_button(
        t("consultpage.export_geojson", lang),
        json.dumps(export_geojson(found), ensure_ascii=False).encode("utf-8"),
        file_name=f"consultation-{record.id}.geojson",
        mime="application/geo+json",
        key=_state.CONSULT_EXPORT_GEOJSON,
    )


lang = _state.lang()
store, account = _auth.require(lang, "cooperative", "city")
st.title(t("consultpage.admin_title", lang))
if not account.organisation:
    st.warning(t("consultpage.no_organisation", lang))
with st.expander(t("consultpage.create", lang), expanded=True):
    _create(store, account, lang)
_manage(store, account, lang)
