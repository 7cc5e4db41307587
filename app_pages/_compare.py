"""A resident beside their neighbourhood: year, months and typical day, and what it says.

Drawn on Mes données, under each share that includes aggregates: the page that
knows which projects the resident shares with. Own figures are always shown;
the neighbourhood's only as :func:`planner.store.compare_with_neighbourhood`
publishes them.
"""

import plotly.graph_objects as go
import streamlit as st

from app_pages import _auth, _state
from planner.comparison import comparison_sentences, suppression_message
from planner.store import StoreError, compare_with_neighbourhood, list_consents
from quartier_solaire.i18n import literal, number, t

MARGIN = dict(l=10, r=10, t=30, b=10)
YOU = "#d62728"
BAND = "rgba(31, 119, 180, 0.25)"
MEDIAN = "#1f77b4"


def _figure(x, own, aggregate, unit: str, title: str, lang: str, key: str) -> None:
    figure = go.Figure()
    if aggregate is not None and aggregate.published:
        table = aggregate.table
        figure.add_trace(
            go.Scatter(
                x=x,
                y=table["q3"].tolist(),
                mode="lines",
                line=dict(width=0),
                showlegend=False,
                hoverinfo="skip",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=table["q1"].tolist(),
                mode="lines",
                line=dict(width=0),
                fill="tonexty",
                fillcolor=BAND,
                name=t("compare.band", lang),
            )
        )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=table["median"].tolist(),
                mode="lines",
                line=dict(color=MEDIAN, dash="dash"),
                name=t("compare.median", lang),
            )
        )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=list(own),
            mode="lines+markers",
            line=dict(color=YOU),
            name=t("compare.you", lang),
        )
    )
    figure.update_layout(
        title=dict(text=title),
        margin=MARGIN,
        height=300,
        yaxis=dict(title=dict(text=unit)),
        legend=dict(orientation="h"),
    )
    st.plotly_chart(figure, key=key)


def _year(comparison, lang: str) -> None:
    c1, c2 = st.columns(2)
    c1.metric(
        t("compare.own_year", lang),
        t("compare.kwh", lang, kwh=number(comparison.own_annual_kwh, lang)),
    )
    if comparison.annual.published:
        q1, median, q3 = comparison.annual.table.loc["year"]
        c2.metric(t("compare.median_year", lang), t("compare.kwh", lang, kwh=number(median, lang)))
        c2.caption(t("compare.spread", lang, q1=number(q1, lang), q3=number(q3, lang)))


def _months(comparison, lang: str, key: str) -> None:
    months = [t(f"month.{m}", lang) for m in range(1, 13)]
    own = comparison.own_monthly_kwh.reindex(range(1, 13))
    monthly = comparison.monthly
    if monthly.published:
        monthly = type(monthly)(monthly.table.reindex(range(1, 13)), monthly.verdict)
    title = t("compare.months_title", lang)
    _figure(months, own.round(1).tolist(), monthly, "kWh", title, lang, key)


def _day(view, lang: str, key: str) -> None:
    hours = [f"{h} h" for h in range(24)]
    own = view.own_typical_day_kwh.reindex(range(24)).round(3).tolist()
    aggregate = None if view.step == "daily" else view.comparison.typical_day
    _figure(hours, own, aggregate, "kWh", t("compare.day_title", lang), lang, key)
    if view.step == "daily":
        st.caption(t("compare.daily_only", lang))


def render(store, account, consent, lang: str) -> None:
    """The comparison for one share that includes aggregates."""
    st.markdown(t("compare.project", lang, name=literal(consent.project_name)))
    views = st.session_state.setdefault(_state.COMPARISONS, {})
    refresh = st.button(t("compare.refresh", lang), key=f"compare_refresh_{consent.id}")
    if refresh or consent.id not in views:
        try:
            views[consent.id] = compare_with_neighbourhood(store, account.id, consent.project_id)
        except StoreError as error:
            st.warning(t(f"problem.{error.code}", lang))
            return
    view = views[consent.id]
    comparison = view.comparison
    if view.waiting is not None:
        key, params = suppression_message(view.waiting)
        st.info(t("compare.last_release", lang) + " " + t(key, lang, **params))
    for sentence in comparison_sentences(comparison, lang):
        st.markdown(sentence)
    _year(comparison, lang)
    _months(comparison, lang, key=f"compare_months_{consent.id}")
    _day(view, lang, key=f"compare_day_{consent.id}")
    st.caption(t("compare.how", lang))


def section(store, account, lang: str) -> None:
    """Me comparer à mon quartier: one comparison per share that includes aggregates.

    Drawn on Mon foyer and on Mes données; a resident who shares nothing for
    aggregates is told how to take part.
    """
    st.subheader(t("compare.title", lang))
    st.caption(t("compare.intro", lang))
    aggregates = [c for c in list_consents(store, account.id) if c.city_aggregates]
    if not aggregates:
        st.caption(t("compare.none", lang))
    for consent in aggregates:
        with st.container(border=True):
            render(store, account, consent, lang)


def section_if_signed_in(lang: str) -> None:
    """The comparison section for a signed-in resident; nothing for anyone else."""
    account = _auth.current()
    if account is None or account.role != "resident":
        return
    store = _auth.store(lang)
    if store is not None:
        section(store, account, lang)
