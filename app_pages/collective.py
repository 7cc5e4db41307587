"""Projet collectif: share the roofs' production among households, size it, price it, check it."""

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _cache, _sidebar
from app_pages import _collective as ui
from geodata.lookup import building_at
from planner.allocation import Battery, round_coefficients, write_key_csv
from planner.community import default_producers
from planner.economics import EconomicParams
from planner.legality import legal_messages, perimeter_drawing
from planner.sizing import recommend
from quartier_solaire.i18n import number, percent, t

KEYS = ("dynamic_default", "static", "priority", "custom")
BANDS = ("≤ 9", "9–36", "36–100", "> 100")

sidebar = _sidebar.current()
lang, assumptions, chosen = sidebar.lang, sidebar.assumptions, sidebar.dataset

st.title(t("coll.title", lang))
st.markdown(t("coll.intro", lang))
buildings, _ = _sidebar.buildings(lang, chosen)
weather, _, weather_key = _sidebar.weather(lang, _cache.site(chosen), sidebar.weather)
chain_args = (
    chosen,
    weather_key,
    assumptions.roof,
    assumptions.pv,
    assumptions.suitability,
    assumptions.shading,
)
with st.spinner(t("map.computing", lang)):
    roofs = _cache.producer_roofs(*chain_args, weather)

# --- roofs and participants ------------------------------------------------------------
# Roofs chosen on another set of buildings are not this one's: start from the defaults.
kept = [r for r in st.session_state.get(ui.ROOFS, []) if r in roofs.index]
if not kept and st.session_state.get(ui.ROOFS) != []:
    kept = default_producers(roofs)
st.session_state[ui.ROOFS] = kept
toggled = st.session_state.pop(ui.TOGGLE, None)
if toggled in roofs.index:
    current = list(st.session_state[ui.ROOFS])
    st.session_state[ui.ROOFS] = (
        [r for r in current if r != toggled] if toggled in current else [*current, toggled]
    )

st.header(t("coll.roofs_title", lang))
left, right = st.columns([2, 3])
with left:
    producers = st.multiselect(
        t("coll.roofs", lang),
        roofs.index.tolist(),
        key=ui.ROOFS,
        format_func=lambda b: t(
            "coll.roof_option",
            lang,
            id=b,
            kwp=number(roofs.at[b, "kwp"], lang),
            mwh=number(roofs.at[b, "mwh_per_year"], lang),
        ),
        placeholder=t("widget.choose", lang),
    )
    table = roofs.head(15)
    st.dataframe(
        pd.DataFrame(
            {
                t("coll.col.roof", lang): table.index,
                t("coll.col.usage", lang): [
                    t(f"usage.{u}", lang) if pd.notna(u) else "?" for u in table["usage"]
                ],
                t("coll.col.kwp", lang): table["kwp"].round(1).to_numpy(),
                t("coll.col.mwh", lang): table["mwh_per_year"].round(1).to_numpy(),
                t("coll.col.chosen", lang): table.index.isin(producers),
            }
        ),
        hide_index=True,
        key="coll_roof_table",
    )
    households = st.slider(
        t("coll.households", lang), min_value=5, max_value=200, value=40, step=5, key=ui.HOUSEHOLDS
    )
    step = st.radio(
        t("coll.step", lang),
        ("15min", "30min"),
        horizontal=True,
        key=ui.STEP,
        format_func=lambda s: t(f"coll.step.{s}", lang),
    )
if not producers:
    st.info(t("coll.no_roof", lang))
    st.stop()

project = (*chain_args, tuple(producers), int(households), step)
with st.spinner(t("coll.computing", lang)):
    community = _cache.community(*project, weather)
names = list(community.consumption.columns)
st.warning(t("coll.estimates", lang, n=number(len(names), lang)))

# --- key, storage, economics -----------------------------------------------------------
st.header(t("coll.key_title", lang))
c1, c2 = st.columns(2)
key = c1.selectbox(
    t("coll.key", lang), KEYS, key=ui.KEY, format_func=lambda k: t(f"coll.key.{k}", lang)
)
c1.caption(t(f"coll.key.{key}.help", lang))
options: tuple = ()
if key == "static":
    by = c2.radio(
        t("coll.static_shares", lang),
        ("consumption", "equal"),
        key=ui.STATIC_SHARES,
        format_func=lambda s: t(f"coll.static_shares.{s}", lang),
    )
    if by == "equal":
        options = (("shares", tuple(np.full(len(names), 1.0 / len(names)))),)
elif key == "priority":
    within = c2.radio(
        t("coll.priority_within", lang),
        ("pro_rata", "equal"),
        key=ui.PRIORITY_WITHIN,
        format_func=lambda s: t(f"coll.priority_within.{s}", lang),
    )
    first = c2.multiselect(
        t("coll.priority_first", lang),
        names,
        key=ui.PRIORITY_FIRST,
        placeholder=t("widget.choose", lang),
    )
    levels = tuple(1 if n in first else 2 for n in names)
    options = (("within", within), ("levels", levels))

with c2.expander(t("coll.battery_title", lang)):
    use_battery = st.checkbox(t("coll.battery", lang), value=False, key=ui.BATTERY)
    capacity = st.number_input(
        t("coll.battery_kwh", lang), 0.0, 5000.0, 100.0, 10.0, key=ui.BATTERY_KWH
    )
    power = st.number_input(t("coll.battery_kw", lang), 0.0, 2000.0, 50.0, 5.0, key=ui.BATTERY_KW)
    efficiency = st.slider(
        t("coll.battery_efficiency", lang), 50, 100, 90, key=ui.BATTERY_EFFICIENCY
    )
battery = Battery(capacity, power, efficiency / 100.0) if use_battery else None


def _economics_inputs() -> EconomicParams:
    """One input per field of EconomicParams, with its default and cited source."""
    default, values = EconomicParams(), {}
    defaults = dict(ui.econ_rows(default, lang))
    with st.expander(t("coll.econ_title", lang)):
        for field in dataclasses.fields(EconomicParams):
            name, value = field.name, getattr(default, field.name)
            st.markdown(f"**{t(f'param.{name}', lang)}**")
            if isinstance(value, bool):
                values[name] = st.checkbox(t("coll.econ_applies", lang), value, key=ui.ECON + name)
            elif isinstance(value, tuple):
                cols = st.columns(len(value))
                values[name] = tuple(
                    col.number_input(
                        t("coll.econ_band", lang, band=band),
                        value=float(v),
                        key=f"{ui.ECON}{name}{i}",
                    )
                    for i, (col, band, v) in enumerate(zip(cols, BANDS, value, strict=True))
                )
            elif isinstance(value, int):
                values[name] = int(
                    st.number_input(t("coll.econ_value", lang), 1, 100, value, key=ui.ECON + name)
                )
            else:
                values[name] = st.number_input(
                    t("coll.econ_value", lang),
                    value=float(value),
                    format="%.4f",
                    key=ui.ECON + name,
                )
            st.caption(
                t(
                    "coll.econ_default",
                    lang,
                    default=defaults[t(f"param.{name}", lang)],
                    source=t(f"econ.source.{name}", lang),
                )
            )
    return EconomicParams(**values)


with c1:
    params = _economics_inputs()

with st.spinner(t("coll.computing", lang)):
    result = _cache.community_result(project, key, options, battery, params, weather)
totals, econ = result.totals, result.economics

cols = st.columns(4)
for i, (label, value) in enumerate(ui.headline_rows(result, lang)):
    cols[i % 4].metric(label, value)

# --- legal checks and map ----------------------------------------------------------------
with right:
    st.subheader(t("coll.legal_title", lang))
    messages = legal_messages(result.legal, lang, markdown=True)
    (st.success if result.legal.ok else st.error)(
        t("coll.legal_ok" if result.legal.ok else "coll.legal_not_ok", lang)
    )
    for message in messages:
        st.markdown(f"- {message}")
    drawing = perimeter_drawing(community.participants())
    fmap = ui.project_map(
        buildings,
        producers,
        [c.building_id for c in community.consumers],
        drawing,
        lang,
        sidebar.basemap,
    )
    clicked = st_folium(
        fmap,
        key=ui.MAP,
        height=480,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
    )
    st.caption(t("coll.map_help", lang))
point = (clicked or {}).get("last_object_clicked")
if point and point != st.session_state.get(ui.LAST_CLICK):
    st.session_state[ui.LAST_CLICK] = point
    hit = building_at(buildings, point["lat"], point["lng"])
    if hit in roofs.index:
        st.session_state[ui.TOGGLE] = hit
        st.rerun()

# --- flows -----------------------------------------------------------------------------
st.header(t("coll.flows_title", lang))
flows = ui.collective_flows(result)
weeks = ui.weeks_figure(flows, lang)
monthly = ui.monthly_figure(flows, lang)
st.plotly_chart(monthly, key="coll_monthly")
st.plotly_chart(weeks, key="coll_weeks")
st.caption(t("coll.flows_help", lang))

# --- sizing ----------------------------------------------------------------------------
st.header(t("coll.sizing_header", lang))
installed = float(sum(community.kwp))
sizes = tuple(float(v) for v in np.linspace(installed / 20, installed * 2, 40).round(1))
sweep = _cache.community_sweep(project, sizes, params, weather)
o1, o2 = st.columns(2)
objective = o1.selectbox(
    t("coll.objective", lang),
    ("max_npv", "self_production", "self_consumption"),
    key=ui.OBJECTIVE,
    format_func=lambda o: t(f"coll.objective.{o}", lang),
)
target = o2.slider(t("coll.target", lang), 5, 100, 50, 5, key=ui.TARGET)
choice = recommend(sweep, objective, None if objective == "max_npv" else target / 100.0)
rates = {k: percent(v, lang) for k, v in choice.params.items() if k.endswith("rate")}
st.info(
    t(
        choice.key,
        lang,
        kwp=number(choice.params["kwp"], lang),
        npv_eur=number(choice.params["npv_eur"], lang),
        **rates,
    )
)
sizing = ui.sizing_figure(sweep, installed, lang)
st.plotly_chart(sizing, key="coll_sizing")

# --- households and keys -----------------------------------------------------------------
st.header(t("coll.households_title", lang))
estimated = t("coll.estimated", lang)
house = result.households
household_table = pd.DataFrame(
    {
        t("coll.col.household", lang): house.index,
        t("coll.col.profile", lang): [
            estimated if e else t("coll.measured", lang) for e in house["estimated"]
        ],
        t("coll.col.cons", lang): house["cons_kwh"].round(0).to_numpy(),
        t("coll.col.autocons", lang): house["autocons_kwh"].round(0).to_numpy(),
        t("coll.col.self_production", lang): (100 * house["self_production_rate"])
        .round(1)
        .to_numpy(),
        t("coll.col.savings", lang): house["savings_eur"].round(0).to_numpy(),
    }
)
st.dataframe(household_table, hide_index=True, key="coll_households_table")

st.subheader(t("coll.compare_title", lang))
st.caption(t("coll.compare_help", lang))
# The comparator runs the priority key with the options chosen above, if it is the one chosen.
compared_options = (("priority", options),) if key == "priority" else ()
compared = _cache.community_keys(project, compared_options, params, weather)
rows = {
    t("coll.col.household", lang): [
        t("coll.total", lang) if i == "total" else i for i in compared.index
    ],
    t("coll.col.profile", lang): [
        "" if pd.isna(e) else estimated if e else t("coll.measured", lang)
        for e in compared[("estimated", "")]
    ],
}
for k in KEYS:
    rows[t("coll.compare_kwh", lang, key=t(f"coll.key.{k}", lang))] = (
        compared[(k, "autocons_kwh")].round(0).to_numpy()
    )
    rows[t("coll.compare_eur", lang, key=t(f"coll.key.{k}", lang))] = (
        compared[(k, "savings_eur")].round(0).to_numpy()
    )
st.dataframe(pd.DataFrame(rows), hide_index=True, key="coll_compare_table")

# --- economics ---------------------------------------------------------------------------
st.header(t("coll.econ_header", lang))
e1, e2, e3, e4, e5 = st.columns(5)
e1.metric(t("coll.fig.capex", lang), t("coll.unit.eur", lang, value=number(econ.capex_eur, lang)))
e2.metric(
    t("coll.fig.irr", lang),
    percent(econ.irr, lang, decimals=1) if np.isfinite(econ.irr) else "–",
)
for col, label, years in (
    (e3, "coll.fig.simple_payback", econ.simple_payback_yr),
    (e4, "coll.fig.discounted_payback", econ.discounted_payback_yr),
):
    col.metric(
        t(label, lang),
        t("coll.unit.years", lang, value=number(years, lang, decimals=1))
        if np.isfinite(years)
        else t("coll.never", lang),
    )
e5.metric(
    t("coll.fig.lcoe", lang),
    t("coll.unit.eur_per_kwh", lang, value=number(econ.lcoe_eur_per_kwh, lang, decimals=3)),
)
if econ.irr_reason:
    st.caption(t(econ.irr_reason, lang))
st.metric(
    t("coll.fig.co2", lang),
    t("coll.unit.t_co2", lang, value=number(econ.co2e_avoided_kg / 1000, lang, decimals=1)),
)
st.markdown(
    t(
        "coll.co2_negative" if econ.co2e_avoided_kg < 0 else "coll.co2_positive",
        lang,
        grid=number(params.grid_gco2e_per_kwh, lang),
        pv=number(params.pv_gco2e_per_kwh, lang),
    )
)
if battery is not None:
    st.caption(t("coll.battery_cost", lang))

# --- downloads ---------------------------------------------------------------------------
st.header(t("coll.downloads", lang))
d1, d2, d3 = st.columns(3)


def _key_csv() -> bytes:
    """The key CSV for Enedis, written when the button is clicked (seconds at 200 households)."""
    return write_key_csv(round_coefficients(result.allocation)).encode("utf-8")


d1.download_button(
    t("coll.download_key", lang),
    data=_key_csv,
    file_name="cle_repartition.csv",
    mime="text/csv",
    key="coll_download_key",
    on_click="ignore",
)
d2.download_button(
    t("coll.download_steps", lang),
    data=lambda: ui.steps_csv(result),
    file_name="flux_par_pas.csv",
    mime="text/csv",
    key="coll_download_steps",
    on_click="ignore",
)


def _report() -> bytes:
    """The HTML report, built when the button is clicked (plotly.js inline weighs 4 MB)."""
    return ui.html_report(
        t("coll.title", lang),
        ui.headline_rows(result, lang)
        + [
            (t("coll.roofs", lang), ", ".join(producers)),
            (t("coll.key", lang), t(f"coll.key.{key}", lang)),
        ],
        [monthly, weeks, sizing],
        ui.econ_rows(params, lang),
        legal_messages(result.legal, lang),
        household_table.set_index(t("coll.col.household", lang)),
        lang,
    ).encode("utf-8")


d3.download_button(
    t("coll.download_report", lang),
    data=_report,
    file_name="projet_collectif.html",
    mime="text/html",
    key="coll_download_report",
    on_click="ignore",
)
st.caption(t("coll.download_help", lang))
