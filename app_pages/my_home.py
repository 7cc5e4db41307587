"""Mon foyer: a resident's own consumption, and whether their roof alone could cover it."""

import io

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _auth, _cache, _compare, _map, _sidebar, _state
from geodata.lookup import building_at
from planner.consumption_io import read_consumption
from planner.estimate import (
    ASSUMPTION_SOURCES,
    COOKINGS,
    DEFAULT_OFFPEAK_WINDOWS,
    DWELLINGS,
    HEATINGS,
    WATER_HEATERS,
    EstimateAssumptions,
    Household,
    estimate_profile,
    format_offpeak_windows,
    parse_offpeak_windows,
)
from planner.flows import flows
from planner.load_shapes import (
    daily_heatmap,
    month_starts,
    monthly_energy,
    typical_days,
    weekly_heatmap,
)
from planner.profile import heating_bracket, to_typical_year
from planner.roof_share import footprint_m2, households_sharing, share_of
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe, literal, number, percent, t

MARGIN = dict(l=10, r=10, t=20, b=10)


def _day(stamp: pd.Timestamp, lang: str) -> str:
    return t("home.date", lang, d=f"{stamp.day:02d}", m=f"{stamp.month:02d}", y=stamp.year)


def _measured_then_typical(report, bracket, total: float, lang: str) -> None:
    """What the file measured, then the typical-year figure and how it was built.

    Every count comes from the profile report, so the sentences agree.
    """
    last = report.measured_to - pd.Timedelta(minutes=1)
    st.markdown(
        t(
            "home.measured",
            lang,
            kwh=number(report.measured_kwh, lang, decimals=1),
            start=_day(report.measured_from, lang),
            end=_day(last, lang),
            days=number(report.file_days, lang),
            coverage=percent(report.coverage, lang),
        )
    )
    st.markdown(t("home.typical_total", lang, kwh=number(total, lang)))
    if report.is_estimate:
        warning = t(
            "home.extrapolation_warning",
            lang,
            days=number(report.file_days, lang),
            extrapolated=number(report.extrapolated_days, lang),
        )
        if bracket is not None:
            low, high = (number(kwh, lang) for kwh in bracket)
            warning += " " + t("home.extrapolation_range", lang, low=low, high=high)
        st.warning(warning)
    st.write(
        t(
            "home.typical_how",
            lang,
            measured=number(report.measured_days, lang),
            borrowed=number(report.borrowed_days, lang),
            extrapolated=number(report.extrapolated_days, lang),
        )
    )


sidebar = _sidebar.current()
lang, assumptions, dataset = sidebar.lang, sidebar.assumptions, sidebar.dataset
buildings, _report = _sidebar.buildings(lang, dataset)
location = _cache.site(dataset)
weather, weather_meta, weather_key = _sidebar.weather(lang, location, sidebar.weather)

st.title(t("home.title", lang))
st.info(t("home.privacy", lang))
if st.button(t("home.forget", lang), key=_state.HOME_FORGET):
    _state.forget_personal_data()
    st.rerun()

# A resident who shares for aggregates sees themselves beside their neighbourhood
# (from the shared curve, whatever this page holds in the session).
_compare.section_if_signed_in(lang)

# --- 1. my building --------------------------------------------------------------
st.subheader(t("home.step_building", lang))
result = _cache.rooftops(
    dataset,
    weather_key,
    assumptions.roof,
    assumptions.pv,
    assumptions.suitability,
    assumptions.shading,
    weather,
)
home = st.session_state[_state.HOME_BUILDING]
clicked = st_folium(
    _map.rooftop_map(
        buildings,
        result.buildings,
        result.reference_specific_yield_kwh_kwp,
        lang,
        basemap=sidebar.basemap,
        remember_view=dataset.key,
        data=_cache.map_data(
            dataset,
            weather_key,
            assumptions.roof,
            assumptions.pv,
            assumptions.suitability,
            assumptions.shading,
            lang,
            result,
        ),
    ),
    key=_state.personal_key(_state.HOME_MAP),
    feature_group_to_add=_map.selection_layer(buildings, home),
    height=380,
    use_container_width=True,
    returned_objects=["last_object_clicked"],
)
point = (clicked or {}).get("last_object_clicked")
if point:
    hit = building_at(buildings, point["lat"], point["lng"])
    if hit is not None and hit != home:
        st.session_state[_state.HOME_BUILDING] = hit
        st.rerun()
if home is None:
    st.caption(t("home.pick_building", lang))
else:
    st.caption(t("home.building_picked", lang, id=literal(home)))

# --- 2. my consumption ----------------------------------------------------------
st.subheader(t("home.step_consumption", lang))
mode = st.radio(
    t("home.mode", lang),
    ("file", "estimate"),
    key=_state.HOME_MODE,
    horizontal=True,
    format_func=lambda m: t(f"home.mode.{m}", lang),
)
energy, findings, is_estimate, details = None, [], False, {}
if mode == "file":
    uploaded = st.file_uploader(
        t("home.upload", lang), type=["csv", "json", "txt"], key=_state.home_upload_key()
    )
    with st.expander(t("home.file_options", lang)):
        unit = st.selectbox(
            t("home.unit", lang),
            (None, "W", "kW", "Wh", "kWh"),
            key=_state.personal_key(_state.HOME_UNIT),
            format_func=lambda u: t("home.unit.auto", lang) if u is None else u,
        )
        convention = st.selectbox(
            t("home.convention", lang),
            (None, "start", "end"),
            key=_state.personal_key(_state.HOME_CONVENTION),
            format_func=lambda c: t(f"home.convention.{c or 'auto'}", lang),
        )
    if uploaded is None:
        st.caption(t("home.upload_help", lang))
    else:
        payload = uploaded.getvalue()
        key = (_cache.digest(payload), unit, convention)
        stored = st.session_state.get(_state.HOME_PROFILE)
        if stored is None or stored["key"] != key:
            try:
                with st.spinner(t("home.reading", lang)):
                    series, meta = read_consumption(
                        io.BytesIO(payload),
                        filename=uploaded.name,
                        unit=unit,
                        timestamp_convention=convention,
                    )
                    profile, report = to_typical_year(series, "30min")
                    bracket = None
                    if report.is_estimate:
                        try:
                            bracket = heating_bracket(series, weather["temp_air"], "30min")
                        except ReadError:  # weather off the typical year: no range to show
                            bracket = None
            except ReadError as error:
                st.error(describe(error, lang, markdown=True))
                st.stop()
            stored = {
                "key": key,
                "energy": profile,
                # What the file measured, as read: what "Mes données" can share.
                "measured": series,
                "findings": [*meta["report"].problems, *report.problems],
                "is_estimate": report.is_estimate,
                "details": {"format": meta["source"], "report": report, "bracket": bracket},
            }
            st.session_state[_state.HOME_PROFILE] = stored
        energy, findings = stored["energy"], stored["findings"]
        is_estimate, details = stored["is_estimate"], stored["details"]
else:
    st.caption(t("estimate.no_meter_data", lang))
    keys = {name: _state.personal_key(key) for name, key in _state.HOUSEHOLD.items()}
    c1, c2, c3 = st.columns(3)
    annual = c1.number_input(
        t("household.field.annual_kwh", lang),
        min_value=0.0,
        max_value=100_000.0,
        value=None,
        step=100.0,
        key=keys["annual_kwh"],
        help=t("home.annual_help", lang),
    )
    dwelling = c2.selectbox(
        t("household.field.dwelling", lang),
        DWELLINGS,
        key=keys["dwelling"],
        format_func=lambda v: t(f"household.dwelling.{v}", lang),
    )
    area = c3.number_input(
        t("household.field.floor_area_m2", lang),
        min_value=0.0,
        max_value=1000.0,
        value=None,
        step=5.0,
        key=keys["floor_area_m2"],
    )
    occupants = c1.number_input(
        t("household.field.occupants", lang),
        min_value=1,
        max_value=20,
        value=None,
        step=1,
        key=keys["occupants"],
    )
    heating = c2.selectbox(
        t("household.field.heating", lang),
        HEATINGS,
        index=HEATINGS.index("other"),
        key=keys["heating"],
        format_func=lambda v: t(f"household.heating.{v}", lang),
    )
    water = c3.selectbox(
        t("household.field.water_heater", lang),
        WATER_HEATERS,
        key=keys["water_heater"],
        format_func=lambda v: t(f"household.water_heater.{v}", lang),
    )
    ev = c1.number_input(
        t("household.field.ev_km_per_year", lang),
        min_value=0.0,
        max_value=100_000.0,
        value=0.0,
        step=1000.0,
        format="%.0f",
        key=keys["ev_km_per_year"],
    )
    cooking = c2.selectbox(
        t("household.field.cooking", lang),
        COOKINGS,
        key=keys["cooking"],
        format_func=lambda v: t(f"household.cooking.{v}", lang),
    )
    offpeak = c3.text_input(
        t("household.field.offpeak_windows", lang),
        value=format_offpeak_windows(DEFAULT_OFFPEAK_WINDOWS),
        key=_state.personal_key(_state.HOME_OFFPEAK),
        help=t("home.offpeak_help", lang),
    )
    with st.expander(t("home.estimate_assumptions", lang)):
        st.caption(t("home.estimate_assumptions_help", lang))
        defaults = EstimateAssumptions()
        # Field names stay in the (hidden) index; the user reads labels, units, sources.
        table = pd.DataFrame(
            {
                "label": [t(f"estimate_assumption.{n}", lang) for n in ASSUMPTION_SOURCES],
                "value": [float(getattr(defaults, n)) for n in ASSUMPTION_SOURCES],
                "unit": [t(f"estimate_unit.{u}", lang) for u, _ in ASSUMPTION_SOURCES.values()],
                "source": [t(f"estimate_assumption.{n}.source", lang) for n in ASSUMPTION_SOURCES],
            },
            index=list(ASSUMPTION_SOURCES),
        )
        edited = st.data_editor(
            table,
            hide_index=True,
            disabled=["label", "unit", "source"],
            column_config={
                "label": st.column_config.TextColumn(t("method.col.name", lang)),
                "value": st.column_config.NumberColumn(
                    t("method.col.value", lang), min_value=0.0, required=True
                ),
                "unit": st.column_config.TextColumn(t("home.col.unit", lang)),
                "source": st.column_config.TextColumn(t("estimate.source", lang)),
            },
            key=_state.personal_key(_state.HOME_ASSUMPTIONS),
        )
    model = EstimateAssumptions(
        **{
            name: type(getattr(defaults, name))(value)
            for name, value in zip(edited.index, edited["value"], strict=True)
        }
    )
    try:
        household = Household(
            annual_kwh=annual or None,
            dwelling=dwelling,
            floor_area_m2=area or None,
            occupants=occupants,
            heating=heating,
            water_heater=water,
            offpeak_windows=parse_offpeak_windows(offpeak),
            ev_km_per_year=ev,
            cooking=cooking,
        )
        energy, meta = estimate_profile(
            household, weather["temp_air"], step="30min", assumptions=model
        )
    except ReadError as error:
        st.error(describe(error, lang, markdown=True))
        st.stop()
    findings, is_estimate = list(meta["problems"]), True
    details = {"annual": meta["annual_kwh"]}

if energy is None:
    st.stop()

# --- 3. my profile -----------------------------------------------------------------
st.subheader(t("home.step_profile", lang))
label = t("profile.estimate_label" if is_estimate else "profile.measured_label", lang)
st.markdown(f":{'orange' if is_estimate else 'green'}-badge[{label}]")
total = float(energy.sum())
if mode == "file":
    _measured_then_typical(details["report"], details["bracket"], total, lang)
else:
    st.write(t("home.annual_total", lang, kwh=number(total, lang)))
if findings:
    with st.expander(t("home.findings", lang, count=len(findings)), expanded=mode == "file"):
        st.markdown("\n".join(f"- {describe(f, lang, markdown=True)}" for f in findings))
months = [t(f"month.{m}", lang) for m in range(1, 13)]
tab_month, tab_week, tab_year, tab_days = st.tabs(
    [t(f"home.tab.{k}", lang) for k in ("months", "week", "year", "days")]
)
with tab_month:
    figure = go.Figure(
        go.Bar(x=months, y=monthly_energy(energy).to_numpy(), marker_color="#2563eb")
    )
    figure.update_layout(yaxis_title="kWh", height=320, margin=MARGIN)
    st.plotly_chart(figure, key="home_monthly")
with tab_week:
    week = weekly_heatmap(energy)
    days = [t(f"weekday.{d}", lang) for d in week.index]
    figure = go.Figure(
        go.Heatmap(
            z=week.to_numpy(), x=week.columns, y=days, colorscale="Blues", colorbar_title="kW"
        )
    )
    figure.update_layout(xaxis_title=t("home.hour", lang), height=320, margin=MARGIN)
    st.plotly_chart(figure, key="home_week")
with tab_year:
    year = daily_heatmap(energy)
    figure = go.Figure(
        go.Heatmap(
            z=year.to_numpy().T,
            x=year.index,
            y=year.columns,
            colorscale="Blues",
            colorbar_title="kW",
        )
    )
    # Days of the typical year, labelled by month: no year of its own to show.
    figure.update_xaxes(tickvals=list(month_starts(energy)), ticktext=months)
    figure.update_layout(yaxis_title=t("home.hour", lang), height=360, margin=MARGIN)
    st.plotly_chart(figure, key="home_year")
with tab_days:
    seasons = typical_days(energy)
    figure = go.Figure(
        [
            go.Scatter(x=seasons.index, y=seasons[s], mode="lines", name=t(f"season.{s}", lang))
            for s in seasons.columns
        ]
    )
    figure.update_layout(
        xaxis_title=t("home.hour", lang),
        yaxis_title="kW",
        height=320,
        margin=MARGIN,
    )
    st.plotly_chart(figure, key="home_days")

# A signed-in resident may share a measured curve with a project, on their terms.
signed_in = _auth.current()
if mode == "file" and signed_in is not None and signed_in.role == "resident":
    st.page_link("app_pages/my_data.py", label=t("home.share_link", lang), icon=":material/share:")

# --- 4. could my roof alone cover me? ------------------------------------------------
st.subheader(t("home.step_roof", lang))
if home is None:
    st.info(t("home.pick_building", lang))
    st.stop()
production = _cache.building_energy(
    dataset,
    weather_key,
    assumptions.roof,
    assumptions.pv,
    assumptions.suitability,
    assumptions.shading,
    home,
    weather,
)
roof_kwh = float(production.sum())
row = buildings.loc[buildings["id"] == home]
sharing = households_sharing(
    row.iloc[0] if len(row) else {}, footprint_m2(result.planes, home), roof_kwh
)
households = st.columns([1, 2])[0].number_input(
    t("home.households", lang),
    min_value=1,
    max_value=100_000,
    value=sharing.count,
    step=1,
    key=_state.households_key(home),
    help=t("home.households_help", lang),
)
usage = row.iloc[0].get("usage") if len(row) else None
st.caption(
    t(
        f"home.households_rule.{sharing.rule}",
        lang,
        count=number(sharing.count, lang),
        usage=t(f"usage.{usage}" if isinstance(usage, str) else "usage.unknown", lang).lower(),
    )
)
mine = share_of(production, households)
try:
    totals, _ = flows(mine, energy)
except ValueError:
    st.warning(t("home.grid_mismatch", lang))
    st.stop()
if households > 1:
    st.markdown(
        t(
            "home.share_sentence",
            lang,
            roof=number(roof_kwh, lang),
            households=number(households, lang),
            share=number(totals.prod_kwh, lang),
        )
    )
else:
    st.markdown(t("home.whole_roof_sentence", lang, roof=number(roof_kwh, lang)))
r1, r2, r3 = st.columns(3)
r1.metric(
    t("home.roof_production" if households == 1 else "home.roof_share", lang),
    t("unit.kwh_per_year", lang, value=number(totals.prod_kwh, lang)),
)
r2.metric(
    t("home.self_production", lang),
    percent(totals.self_production_rate, lang) if totals.cons_kwh else "–",
)
r3.metric(
    t("home.self_consumption", lang),
    percent(totals.self_consumption_rate, lang) if totals.prod_kwh else "–",
)
if totals.prod_kwh == 0:
    st.write(t("home.no_suitable_plane", lang))
else:
    st.write(
        t(
            "home.cover_sentence" if households == 1 else "home.cover_sentence_share",
            lang,
            volume=percent(totals.prod_kwh / totals.cons_kwh, lang),
            hourly=percent(totals.self_production_rate, lang),
            surplus=percent(totals.surplus_kwh / totals.prod_kwh, lang),
        )
    )
figure = go.Figure(
    [
        go.Bar(
            x=months,
            y=monthly_energy(energy).to_numpy(),
            name=t("home.consumption", lang),
            marker_color="#2563eb",
        ),
        go.Bar(
            x=months,
            y=monthly_energy(mine).to_numpy(),
            name=t("home.production" if households == 1 else "home.roof_share", lang),
            marker_color="#f59e0b",
        ),
    ]
)
figure.update_layout(barmode="group", yaxis_title="kWh", height=320, margin=MARGIN)
st.plotly_chart(figure, key="home_cover")
st.caption(t("home.cover_note", lang))
