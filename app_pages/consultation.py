"""Consultations: residents give their opinion on candidate sites; everyone reads the results.

The sites are a list first (each a section with its figures, its vote form and
its results: the keyboard reaches everything), and a map beside it, coloured by
the share of support once published; a click on a site opens its vote form
under the map. Every text a person wrote is shown escaped. Notes are plain
Markdown, not st.caption: the caption's light grey fails the colour-contrast
rule of the accessibility audit (axe-core, "serious").
"""

import secrets

import streamlit as st
from streamlit_folium import st_folium

from app_pages import _auth, _consult, _state
from planner.consultation import (
    STANCES,
    TAGS,
    ConsultationConfig,
    escape_for_markdown,
    list_consultations,
    my_opinion,
    report_comment,
    results,
    submit_opinion,
)
from planner.store import StoreError
from quartier_solaire.i18n import describe, t

CONFIG = ConsultationConfig()


def _session_key() -> str:
    # A random key per browser session: submissions are throttled per session too.
    return st.session_state.setdefault(_state.CONSULT_SESSION, secrets.token_hex(16))


def _key(name: str, *ids: str) -> str:
    return "_".join((_state.account_key(name), *ids))


def _current(store, account, site) -> object | None:
    try:
        return my_opinion(store, account.id, site.id)
    except StoreError:  # a secret ballot without the data key: nothing to pre-fill
        return None


def _vote_form(store, account, site, lang: str, prefix: str = "") -> None:
    """The vote form of one site: the resident's current opinion pre-filled."""
    mine = _current(store, account, site)
    ids = (prefix, site.id) if prefix else (site.id,)
    with st.form(_key(_state.CONSULT_FORM, *ids), border=False):
        stance = st.radio(
            t("consultpage.stance", lang),
            STANCES,
            index=STANCES.index(mine.stance) if mine else None,
            format_func=lambda s: t(f"consult.stance.{s}", lang),
            horizontal=True,
            key=_key(_state.CONSULT_STANCE, *ids),
        )
        tags = st.multiselect(
            t("consultpage.tags", lang),
            TAGS,
            default=list(mine.tags) if mine else [],
            format_func=lambda tag: t(f"consult.tag.{tag}", lang),
            key=_key(_state.CONSULT_TAGS, *ids),
            placeholder=t("widget.choose", lang),
        )
        comment = st.text_area(
            t("consultpage.comment", lang),
            value=(mine.comment or "") if mine else "",
            max_chars=CONFIG.max_comment_chars,
            help=t("consultpage.comment_help", lang, max=CONFIG.max_comment_chars),
            key=_key(_state.CONSULT_COMMENT, *ids),
        )
        label = t("consultpage.change" if mine else "consultpage.submit", lang)
        if st.form_submit_button(label, key=_key(_state.CONSULT_SUBMIT, *ids)):
            _submit(store, account, site, stance, tags, comment, lang)


def _submit(store, account, site, stance, tags, comment, lang: str) -> None:
    if stance is None:
        st.error(t("consultpage.choose_stance", lang))
        return
    try:
        submit_opinion(
            store,
            account.id,
            site.id,
            stance,
            tags=tags,
            comment=comment,
            session_key=_session_key(),
            config=CONFIG,
        )
    except StoreError as error:  # closed, not open yet, throttled, too long...
        st.error(describe(error, lang))
    else:
        _auth.flash("consultpage.saved", site=escape_for_markdown(site.name))
        st.rerun()  # the button now says "change", and the results count it


def _comments(store, account, tally, lang: str) -> None:
    if not tally.comments:
        return
    st.markdown(f"**{t('consultpage.comments', lang)}**")
    for comment in tally.comments:
        with st.container(border=True):
            # The comment as written: escaped, never Markdown or HTML.
            st.markdown(escape_for_markdown(comment.text))
            if account.role == "resident" and st.button(
                t("consultpage.report", lang),
                key=_key(_state.CONSULT_REPORT, comment.id),
                help=t("consultpage.report_help", lang, hide=CONFIG.reports_to_hide),
            ):
                _report(store, account, comment.id, lang)


def _report(store, account, comment_id: str, lang: str) -> None:
    try:
        counted = report_comment(store, account.id, comment_id, config=CONFIG)
    except StoreError as error:
        st.error(describe(error, lang))
        return
    _auth.flash("consultpage.reported" if counted else "consultpage.reported_already", "info")
    st.rerun()


def _site_section(store, account, tally, lang: str) -> None:
    site = tally.site
    with st.container(border=True):
        st.subheader(escape_for_markdown(site.name))
        st.markdown(_consult.figures(site, lang))
        if account.role == "resident":
            _vote_form(store, account, site, lang)
        _consult.results_block(tally, lang)
        _comments(store, account, tally, lang)


lang = _state.lang()
store, account = _auth.require(lang, "resident", "cooperative", "city")
st.title(t("consultpage.title", lang))
_consult.seed_demo(store, lang)
found = list_consultations(store)
if not found:
    st.info(t("consultpage.none", lang))
    st.stop()
by_id = {c.id: c for c in found}
chosen = st.selectbox(
    t("consultpage.choose", lang),
    list(by_id),
    format_func=lambda i: by_id[i].title,
    key=_state.CONSULT_CHOICE,
)
record = by_id[chosen]
st.header(escape_for_markdown(record.title))
st.markdown(escape_for_markdown(record.description))
st.markdown(_consult.dates(record, lang))
if record.secret:
    st.markdown(t("consultpage.secret", lang))
if account.role != "resident":
    st.info(t("consultpage.residents_only", lang))
tallies = results(store, record.id, config=CONFIG)
listed, drawn = st.columns([3, 2])
with drawn:
    st.markdown(f"**{t('consultpage.map', lang)}**")
    clicked = st_folium(
        _consult.site_map(tallies, lang),
        key=_state.CONSULT_MAP,
        height=460,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
    )
    st.markdown(t("consultpage.legend", lang))
    picked = _consult.site_at(tallies, (clicked or {}).get("last_object_clicked"))
    if picked is not None and account.role == "resident":
        st.markdown(f"**{escape_for_markdown(picked.name)}**")
        _vote_form(store, account, picked, lang, prefix=_state.CONSULT_ON_MAP)
with listed:
    st.markdown(t("consultpage.list_help", lang))
    for tally in tallies.sites:
        _site_section(store, account, tally, lang)
