"""Foyers partagés: the households that share their curve with the cooperative, by pseudonym.

Every listing and every download is a read of households' data: the store logs
it in each household's access log, with the campaign's purpose. So nothing is
read at a mere rerun: the cooperative asks, and the answer is kept in this
session until it asks again.
"""

import pandas as pd
import streamlit as st

from app_pages import _auth, _sidebar, _state
from planner.store import STEPS, campaigns_of, read_curves_as, shared_households
from quartier_solaire.i18n import literal, number, percent, t


def _date(when, lang: str) -> str:
    local = pd.Timestamp(when).tz_convert("Europe/Paris")
    return t("home.date", lang, d=f"{local.day:02d}", m=f"{local.month:02d}", y=local.year)


def _table(rows, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("shared.col.pseudonym", lang): [r.pseudonym for r in rows],
            t("shared.col.step", lang): [t(f"data.step.{r.step}", lang) for r in rows],
            t("shared.col.coverage", lang): [percent(r.coverage, lang) for r in rows],
            t("shared.col.annual_kwh", lang): [
                "–" if r.annual_kwh is None else number(r.annual_kwh, lang) for r in rows
            ],
            t("shared.col.expires", lang): [_date(r.expires_at, lang) for r in rows],
        }
    )


def _csv(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    out.index = out.index.map(lambda stamp: stamp.isoformat())
    return out.to_csv(index_label="time").encode("utf-8")


lang = _sidebar.current().lang
store, account = _auth.require(lang, "cooperative")

st.title(t("shared.title", lang))
st.info(t("shared.intro", lang))
campaigns = {c.id: c for c in campaigns_of(store, account.id)}
if not campaigns:
    st.caption(t("campaign.none", lang))
    st.page_link("app_pages/campaigns.py", label=t("nav.campaigns", lang))
    st.stop()
chosen = st.selectbox(
    t("shared.campaign", lang),
    list(campaigns),
    key=_state.account_key(_state.COOP_CAMPAIGN),
    format_func=lambda c: campaigns[c].name,
)
campaign = campaigns[chosen]
st.caption(t("shared.purpose", lang, purpose=literal(campaign.purpose)))

if st.button(t("shared.list", lang), key=_state.COOP_LIST):
    rows = shared_households(store, account.id, campaign.project_id, campaign.purpose)
    st.session_state[_state.COOP_LISTED] = (chosen, rows)
listed = st.session_state.get(_state.COOP_LISTED)
if listed is not None and listed[0] == chosen:
    rows = listed[1]
    if rows:
        st.dataframe(_table(rows, lang), hide_index=True)
    else:
        st.caption(t("shared.nobody", lang))

st.subheader(t("shared.download", lang))
step = st.radio(
    t("data.step", lang),
    STEPS,
    key=_state.account_key(_state.COOP_STEP),
    format_func=lambda s: t(f"shared.step.{s}", lang),
    horizontal=True,
)
if st.button(t("shared.prepare", lang), key=_state.COOP_PREPARE):
    frame = read_curves_as(store, account.id, campaign.project_id, campaign.purpose, step=step)
    st.session_state[_state.COOP_CSV] = (chosen, step, frame.shape[1], _csv(frame))
prepared = st.session_state.get(_state.COOP_CSV)
if prepared is not None and prepared[:2] == (chosen, step):
    st.caption(t("shared.prepared", lang, count=number(prepared[2], lang)))
    st.download_button(
        t("shared.save", lang),
        data=prepared[3],
        file_name=f"courbes-{step}.csv",
        mime="text/csv",
        key="coop_download",
    )
