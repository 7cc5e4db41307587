"""Mes données: a resident shares their curve on their own terms, and can take it all back."""

import pandas as pd
import streamlit as st

from app_pages import _auth, _compare, _sidebar, _state
from planner.store import (
    STEPS,
    ConsentTerms,
    StoreError,
    access_log,
    add_years,
    campaign_by_code,
    campaign_of_project,
    change_consent,
    delete_account,
    export_household,
    give_consent,
    list_consents,
    withdraw_consent,
)
from planner.store.models import utcnow
from quartier_solaire.i18n import describe, literal, number, t

YEARS = (1, 2, 3)  # a consent lasts 1 year unless the resident chooses more, 3 at most


def _date(when, lang: str) -> str:
    local = pd.Timestamp(when).tz_convert("Europe/Paris")
    return t("home.date", lang, d=f"{local.day:02d}", m=f"{local.month:02d}", y=local.year)


def _key(name: str, consent_id: str = "") -> str:
    key = _state.account_key(name)
    return f"{key}_{consent_id}" if consent_id else key


def _terms(campaign, lang: str) -> None:
    """The campaign's terms, as a resident reads them before sharing anything."""
    with st.container(border=True):
        st.markdown(
            t(
                "data.campaign_terms",
                lang,
                name=literal(campaign.name),
                organisation=literal(campaign.organisation),
                version=literal(campaign.wording_version),
                until=_date(campaign.code_expires_at, lang),
            )
        )
        st.caption(t("data.purpose", lang))
        st.text(campaign.purpose)  # the organiser's words, as written
        st.caption(t("data.terms", lang))
        st.text(campaign.terms)


def _join(store, lang: str) -> dict:
    """Open a campaign with its invitation code; return the campaigns opened so far."""
    joined = st.session_state.setdefault(_state.JOINED, {})
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    code = c1.text_input(t("data.code", lang), key=_key(_state.JOIN_CODE), placeholder="ABCD-EF23")
    if c2.button(t("data.code_open", lang), key=_state.JOIN_OPEN):
        try:
            campaign = campaign_by_code(store, code)
        except StoreError as error:
            st.error(describe(error, lang))
        else:
            joined[campaign.project_id] = campaign
    for campaign in joined.values():
        _terms(campaign, lang)
    return joined


def _missing_choices(project, coop, city, step, terms_read, lang) -> list[str]:
    missing = []
    if project is None:
        missing.append(t("data.missing.project", lang))
    if not (coop or city):
        missing.append(t("data.missing.recipients", lang))
    if step is None:
        missing.append(t("data.missing.step", lang))
    if not terms_read:
        missing.append(t("data.missing.terms", lang))
    return missing


def _share_form(store, account, joined: dict, lang: str) -> None:
    """The consent form: every choice separate and unticked; nothing stored without it."""
    profile = st.session_state.get(_state.HOME_PROFILE) or {}
    measured = profile.get("measured")
    if not joined:
        st.info(t("data.join_first", lang))
        return
    if measured is None:
        st.info(t("data.no_curve", lang))
        st.page_link("app_pages/my_home.py", label=t("nav.my_home", lang), icon=":material/home:")
        return
    st.caption(
        t(
            "data.curve_ready",
            lang,
            kwh=number(float(measured.sum()), lang),
            start=_date(measured.index[0], lang),
            end=_date(measured.index[-1], lang),
        )
    )
    with st.form(_key("share_form"), border=True):
        project = st.selectbox(
            t("data.project", lang),
            list(joined),
            index=None,
            key=_key(_state.SHARE_PROJECT),
            format_func=lambda p: f"{joined[p].name} — {joined[p].organisation}",
            placeholder=t("data.choose", lang),
        )
        st.markdown(t("data.recipients", lang))
        coop = st.checkbox(t("data.to_coop", lang), value=False, key=_key(_state.SHARE_COOP))
        city = st.checkbox(t("data.to_city", lang), value=False, key=_key(_state.SHARE_CITY))
        step = st.radio(
            t("data.step", lang),
            STEPS,
            index=None,
            key=_key(_state.SHARE_STEP),
            format_func=lambda s: t(f"data.step.{s}", lang),
        )
        years = st.selectbox(
            t("data.years", lang),
            YEARS,
            key=_key(_state.SHARE_YEARS),
        )
        terms_read = st.checkbox(
            t("data.terms_read", lang), value=False, key=_key(_state.SHARE_TERMS)
        )
        submitted = st.form_submit_button(t("data.share", lang), key=_state.SHARE_SUBMIT)
    if not submitted:
        return
    missing = _missing_choices(project, coop, city, step, terms_read, lang)
    if missing:
        st.error(t("data.missing", lang, what=", ".join(missing)))
        return
    try:
        campaign = campaign_by_code(store, joined[project].code)  # still open?
        now = utcnow()
        terms = ConsentTerms(
            project_id=campaign.project_id,
            step=step,
            purpose=campaign.purpose,
            wording_version=campaign.wording_version,
            cooperative_curve=coop,
            city_aggregates=city,
            expires_at=add_years(now, years),
        )
        give_consent(store, account.id, terms, measured, now=now)
    except StoreError as error:
        st.error(describe(error, lang))
        return
    _auth.flash("data.shared", name=campaign.name)
    st.rerun()


def _withdraw(store, account_id: str, consent_id: str) -> None:
    # A callback: it runs even when a second click arrives after the consent is gone.
    try:
        withdraw_consent(store, account_id, consent_id)
    except StoreError as error:
        _auth.flash(f"problem.{error.code}", "warning")
    else:
        _auth.flash("data.withdrawn")


def _consent_box(store, account, consent, lang: str) -> None:
    recipients = [
        t("data.to_coop", lang) if consent.cooperative_curve else None,
        t("data.to_city", lang) if consent.city_aggregates else None,
    ]
    with st.container(border=True):
        st.markdown(
            t(
                "data.consent",
                lang,
                name=literal(consent.project_name),
                organisation=literal(consent.organisation),
                start=_date(consent.starts_at, lang),
                end=_date(consent.expires_at, lang),
                step=t(f"data.step.{consent.step}", lang),
                recipients="; ".join(r for r in recipients if r),
                version=literal(consent.wording_version),
                kwh=number(consent.annual_kwh or 0, lang),
            )
        )
        st.text(consent.purpose)
        with st.expander(t("data.change", lang)):
            _change_form(store, account, consent, lang)
        st.button(
            t("data.withdraw", lang),
            key=_key(_state.WITHDRAW, consent.id),
            on_click=_withdraw,
            args=(store, account.id, consent.id),
            help=t("data.withdraw_help", lang),
        )


def _change_form(store, account, consent, lang: str) -> None:
    with st.form(_key(_state.CHANGE, consent.id), border=False):
        coop = st.checkbox(
            t("data.to_coop", lang),
            value=consent.cooperative_curve,
            key=_key(f"{_state.CHANGE}_coop", consent.id),
        )
        city = st.checkbox(
            t("data.to_city", lang),
            value=consent.city_aggregates,
            key=_key(f"{_state.CHANGE}_city", consent.id),
        )
        step = st.radio(
            t("data.step", lang),
            STEPS,
            index=STEPS.index(consent.step),
            key=_key(f"{_state.CHANGE}_step", consent.id),
            format_func=lambda s: t(f"data.step.{s}", lang),
        )
        years = st.selectbox(
            t("data.years", lang),
            YEARS,
            key=_key(f"{_state.CHANGE}_years", consent.id),
        )
        if not st.form_submit_button(
            t("data.change_submit", lang), key=_key(f"{_state.CHANGE}_submit", consent.id)
        ):
            return
    campaign = campaign_of_project(store, consent.project_id)
    now = utcnow()
    try:
        change_consent(
            store,
            account.id,
            consent.id,
            ConsentTerms(
                project_id=consent.project_id,
                step=step,
                purpose=consent.purpose,
                wording_version=campaign.wording_version if campaign else consent.wording_version,
                cooperative_curve=coop,
                city_aggregates=city,
                expires_at=add_years(now, years),
            ),
            now=now,
        )
    except StoreError as error:
        st.error(describe(error, lang))
        return
    _auth.flash("data.changed")
    st.rerun()


def _purpose(record, lang: str) -> str:
    # The neighbourhood comparison's purpose is ours, not an organiser's: translated.
    return t("compare.purpose", lang) if record.reader_role == "aggregate" else record.purpose


def _access_log(store, account, lang: str) -> None:
    rows = access_log(store, account.id)
    if not rows:
        st.caption(t("data.no_access", lang))
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("data.col.who", lang): [
                    t(f"role.{r.reader_role}", lang)
                    + (f" — {r.reader_organisation}" if r.reader_organisation else "")
                    for r in rows
                ],
                t("data.col.when", lang): [
                    pd.Timestamp(r.read_at).tz_convert("Europe/Paris").strftime("%Y-%m-%d %H:%M")
                    for r in rows
                ],
                t("data.col.purpose", lang): [_purpose(r, lang) for r in rows],
                t("data.col.project", lang): [r.project_name for r in rows],
            }
        ),
        hide_index=True,
    )


def _delete(store, account, lang: str) -> None:
    st.caption(t("data.delete_help", lang))
    sure = st.checkbox(t("data.delete_confirm", lang), value=False, key=_key(_state.DELETE_CONFIRM))
    if st.button(t("data.delete", lang), key=_state.DELETE_ACCOUNT, disabled=not sure):
        try:
            delete_account(store, account.id)
        except StoreError as error:
            st.error(describe(error, lang))
            return
        _state.forget_account()
        _auth.flash("data.deleted")
        st.rerun()


lang = _sidebar.current().lang
store, account = _auth.require(lang, "resident")

st.title(t("data.title", lang))
st.info(t("data.intro", lang))

st.subheader(t("data.step_join", lang))
joined = _join(store, lang)
st.subheader(t("data.step_share", lang))
_share_form(store, account, joined, lang)

st.subheader(t("data.step_mine", lang))
consents = list_consents(store, account.id)
if not consents:
    st.caption(t("data.no_consent", lang))
for consent in consents:
    _consent_box(store, account, consent, lang)

_compare.section(store, account, lang)

st.subheader(t("data.step_log", lang))
_access_log(store, account, lang)

st.subheader(t("data.step_export", lang))
st.download_button(
    t("data.export", lang),
    data=lambda: export_household(store, account.id).to_zip(),
    file_name="quartier-solaire-mes-donnees.zip",
    mime="application/zip",
    key=_state.EXPORT,
    help=t("data.export_help", lang),
)
_delete(store, account, lang)
