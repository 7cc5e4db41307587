"""Campagnes: a cooperative or a city invites an area's residents to share, and sees counts only."""

import pandas as pd
import streamlit as st

from app_pages import _auth, _sidebar, _state
from planner.campaign_figures import MIN_HOUSEHOLDS, campaign_figures
from planner.roof_share import AVERAGE_HOUSEHOLD_KWH
from planner.store import StoreError, campaigns_of, contributions, create_campaign
from quartier_solaire.i18n import describe, literal, number, percent, t

AREAS = ("dataset", "bbox")


def _key(name: str) -> str:
    """Key of a field of the new-campaign form: a fresh, empty form after each creation."""
    generation = st.session_state.get(_state.CAMPAIGN_GENERATION, 0)
    key = _state.account_key(name)
    return key if generation == 0 else f"{key}_{generation}"


def _date(when, lang: str) -> str:
    local = pd.Timestamp(when).tz_convert("Europe/Paris")
    return t("home.date", lang, d=f"{local.day:02d}", m=f"{local.month:02d}", y=local.year)


def _area(lang: str, buildings) -> tuple[tuple[float, float, float, float], int]:
    """The campaign's area and the number of buildings in it (the households' first guess)."""
    west, south, east, north = (float(v) for v in buildings.total_bounds)
    choice = st.radio(
        t("campaign.area", lang),
        AREAS,
        key=_key(_state.CAMPAIGN_AREA),
        format_func=lambda a: t(f"campaign.area.{a}", lang),
        horizontal=True,
    )
    if choice == "bbox":
        columns = st.columns(4)
        defaults = {"west": west, "south": south, "east": east, "north": north}
        west, south, east, north = (
            column.number_input(
                t(f"campaign.{side}", lang),
                min_value=-180.0,
                max_value=180.0,
                value=defaults[side],
                format="%.5f",
                step=0.001,
                key=_key(key),
            )
            for column, (side, key) in zip(columns, _state.CAMPAIGN_BBOX.items(), strict=True)
        )
    points = buildings.geometry.representative_point()
    within = points.x.between(west, east) & points.y.between(south, north)
    inside = int(within.sum())
    return (west, south, east, north), inside


def _create(store, account, lang: str) -> None:
    buildings, _report = _sidebar.buildings(lang, _sidebar.current().dataset)
    name = st.text_input(t("campaign.name", lang), key=_key(_state.CAMPAIGN_NAME))
    purpose = st.text_area(
        t("campaign.purpose", lang),
        key=_key(_state.CAMPAIGN_PURPOSE),
        help=t("campaign.purpose_help", lang),
    )
    terms = st.text_area(
        t("campaign.terms", lang),
        value=t("campaign.terms_template", lang),
        key=_key(_state.CAMPAIGN_TERMS),
        height=160,
    )
    bbox, inside = _area(lang, buildings)
    c1, c2 = st.columns(2)
    households = c1.number_input(
        t("campaign.households", lang),
        min_value=1,
        max_value=1_000_000,
        value=max(1, inside),
        step=1,
        key=_key(_state.CAMPAIGN_HOUSEHOLDS),
        help=t("campaign.households_help", lang, buildings=number(inside, lang)),
    )
    days = c2.number_input(
        t("campaign.code_days", lang),
        min_value=1,
        max_value=365,
        value=90,
        step=1,
        key=_key(_state.CAMPAIGN_CODE_DAYS),
    )
    area_kwh = households * AVERAGE_HOUSEHOLD_KWH
    st.caption(
        t(
            "campaign.area_kwh",
            lang,
            kwh=number(area_kwh, lang),
            households=number(households, lang),
            average=number(AVERAGE_HOUSEHOLD_KWH, lang),
        )
    )
    if st.button(t("campaign.create", lang), key=_state.CAMPAIGN_CREATE, type="primary"):
        try:
            campaign = create_campaign(
                store,
                account.id,
                name=name,
                purpose=purpose,
                terms=terms,
                bbox=bbox,
                area_households=int(households),
                area_kwh=area_kwh,
                code_days=int(days),
            )
        except StoreError as error:
            st.error(describe(error, lang))
            return
        # The form starts afresh: a second click does not open the same campaign twice.
        st.session_state[_state.CAMPAIGN_GENERATION] = (
            st.session_state.get(_state.CAMPAIGN_GENERATION, 0) + 1
        )
        _auth.flash("campaign.created", code=campaign.code)
        st.rerun()


def _figures(store, account, campaign, lang: str) -> None:
    """Counts and shares only, through campaign_figures: never who joined."""
    figures = campaign_figures(contributions(store, account.id, campaign.id))
    if figures.households is None:
        st.info(t("campaign.not_enough", lang, missing=number(figures.missing, lang)))
        return
    suppressed = t("campaign.suppressed", lang)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("campaign.joined", lang), number(figures.households, lang))
    m2.metric(
        t("campaign.coverage", lang),
        suppressed if figures.coverage is None else percent(figures.coverage, lang),
    )
    m3.metric(
        t("campaign.measured_share", lang),
        suppressed if figures.measured_share is None else percent(figures.measured_share, lang),
    )


def _campaign_box(store, account, campaign, lang: str) -> None:
    with st.container(border=True):
        st.markdown(
            t(
                "campaign.summary",
                lang,
                name=literal(campaign.name),
                organisation=literal(campaign.organisation),
                until=_date(campaign.code_expires_at, lang),
                households=number(campaign.area_households, lang),
            )
        )
        st.code(campaign.code, language=None)
        with st.expander(t("campaign.what_residents_see", lang)):
            st.caption(t("data.purpose", lang))
            st.text(campaign.purpose)
            st.caption(t("data.terms", lang))
            st.text(campaign.terms)
        _figures(store, account, campaign, lang)


lang = _sidebar.current().lang
store, account = _auth.require(lang, "cooperative", "city")

st.title(t("campaign.title", lang))
st.info(t("campaign.intro", lang, min=MIN_HOUSEHOLDS))
st.subheader(t("campaign.mine", lang))
campaigns = campaigns_of(store, account.id)
if not campaigns:
    st.caption(t("campaign.none", lang))
for campaign in campaigns:
    _campaign_box(store, account, campaign, lang)
st.subheader(t("campaign.new", lang))
_create(store, account, lang)
