"""Carte des toits: every roof of the neighbourhood coloured by its solar potential."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _cache, _city, _map, _sidebar, _state
from geodata.lookup import building_at
from quartier_solaire.i18n import describe, literal, number, percent, roof_notes, t

sidebar = _sidebar.current()
lang, assumptions, chosen = sidebar.lang, sidebar.assumptions, sidebar.dataset

st.title(t("map.title", lang))
# The first page a newcomer sees: what the app is for, and where to start.
st.markdown(t("welcome.what", lang))
st.markdown(
    t(
        "welcome.start",
        lang,
        my_home=t("nav.my_home", lang),
        collective=t("nav.collective", lang),
        method=t("nav.method", lang),
    )
)
if st.session_state.get(_state.BUILDINGS_SOURCE) == "screening":
    # A screened city: figures, hexagons and the buildings in view only.
    _city.show(lang, sidebar.basemap)
    st.stop()
buildings, report = _sidebar.buildings(lang, chosen)
location = _cache.site(chosen)
if chosen.kind == "demo":
    st.caption(t("map.synthetic_demo", lang))
else:
    st.caption(t("map.dataset", lang, name=literal(chosen.name)))
if report is not None:
    with st.expander(t("buildings.report_title", lang, kept=number(report.kept, lang))):
        st.markdown(
            t(
                "buildings.report",
                lang,
                format=report.format,
                kept=number(report.kept, lang),
                dropped=number(report.dropped, lang),
                repaired=number(report.repaired, lang),
                with_height=number(report.with_height, lang),
                with_roof_shape=number(report.with_roof_shape, lang),
                crs=report.crs_in or "?",
            )
        )
        if report.problems:
            st.markdown("\n".join(f"- {describe(p, lang, markdown=True)}" for p in report.problems))

weather, weather_meta, weather_key = _sidebar.weather(lang, location, sidebar.weather)

# --- simulation (cached on its inputs) ---------------------------------------
with st.spinner(t("map.computing", lang)):
    result = _cache.rooftops(
        chosen,
        weather_key,
        assumptions.roof,
        assumptions.pv,
        assumptions.suitability,
        assumptions.shading,
        weather,
    )
summary = result.summary()

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("summary.buildings", lang), number(summary["buildings"], lang))
c2.metric(
    t("summary.suitable_kwp", lang),
    t("unit.kwp", lang, value=number(summary["suitable_kwp"], lang)),
)
c3.metric(
    t("summary.gwh", lang),
    t("unit.gwh_per_year", lang, value=number(summary["suitable_gwh_per_year"], lang, decimals=2)),
)
c4.metric(t("summary.suitable_share", lang), percent(summary["suitable_share"], lang))
st.caption(
    t(
        "summary.suitable_definition",
        lang,
        share=number(assumptions.suitability.min_share_of_reference * 100, lang),
        reference=number(result.reference_specific_yield_kwh_kwp, lang),
        kwp=number(assumptions.suitability.min_suitable_kwp, lang, decimals=1),
    )
)

# --- map -------------------------------------------------------------------------
osm = st.session_state.get(_state.BUILDINGS_SOURCE) == "osm"
# The map's last click is read before the map is drawn: the details follow in
# the same run, instead of a second run to show them.
point = (st.session_state.get(_state.MAP_OSM if osm else _state.MAP) or {}).get(
    "last_object_clicked"
)
if point:
    hit = building_at(buildings, point["lat"], point["lng"])
    if hit is not None:
        st.session_state[_state.SELECTED_BUILDING] = hit
left, right = st.columns([3, 2])
with left:
    fmap = _map.rooftop_map(
        buildings,
        result.buildings,
        result.reference_specific_yield_kwh_kwp,
        lang,
        basemap=sidebar.basemap,
        remember_view=chosen.key,
        data=_cache.map_data(
            chosen,
            weather_key,
            assumptions.roof,
            assumptions.pv,
            assumptions.suitability,
            assumptions.shading,
            lang,
            result,
        ),
    )
    # The view's bounds matter only to fetch OpenStreetMap buildings: asking for
    # them otherwise would rerun the page on every pan. streamlit-folium reads
    # returned_objects when it mounts a map, so the OpenStreetMap map has its own key.
    st_folium(
        fmap,
        key=_state.MAP_OSM if osm else _state.MAP,
        # The outline travels apart from the map: a click does not resend the map.
        feature_group_to_add=_map.selection_layer(
            buildings, st.session_state[_state.SELECTED_BUILDING]
        ),
        height=560,
        use_container_width=True,
        returned_objects=["last_object_clicked"] + (["bounds"] if osm else []),
    )
    st.html(_map.legend_html(_map.yield_classes(result.reference_specific_yield_kwh_kwp), lang))


# --- details of the clicked building -------------------------------------------
with right:
    selected = st.session_state[_state.SELECTED_BUILDING]
    if selected is None:
        st.info(t("details.pick", lang))
    elif selected not in result.buildings.index:
        st.warning(t("details.no_plane", lang, id=literal(selected)))
    else:
        row = buildings.loc[buildings["id"] == selected].iloc[0]
        totals = result.buildings.loc[selected]
        st.subheader(t("details.title", lang, id=literal(selected)))
        st.write(
            t(
                "details.building",
                lang,
                usage=t(f"usage.{row['usage']}", lang) if pd.notna(row["usage"]) else "?",
                levels=row["levels"] if pd.notna(row["levels"]) else "?",
                dwellings=row["dwellings"] if pd.notna(row["dwellings"]) else "?",
                height=number(row["height_m"], lang) if pd.notna(row["height_m"]) else "?",
            )
        )
        kwp = t("unit.kwp", lang, value=number(totals["suitable_kwp"], lang, decimals=1))
        kwh = t("unit.kwh_per_year", lang, value=number(totals["suitable_annual_kwh"], lang))
        specific = t(
            "unit.kwh_per_kwp", lang, value=number(totals["best_specific_yield_kwh_kwp"], lang)
        )
        loss = totals["shading_loss_percent"]
        shade = (
            t("details.shading_value", lang, value=number(loss, lang, decimals=1))
            if pd.notna(loss)
            else t("details.shading_off", lang)
        )
        st.markdown(
            "\n".join(
                "- " + t("details.figure", lang, label=t(label, lang), value=value)
                for label, value in (
                    ("details.kwp", kwp),
                    ("details.annual", kwh),
                    ("details.specific", specific),
                    ("details.shading", shade),
                )
            )
        )
        planes = result.planes.loc[result.planes["building_id"] == selected]
        table = pd.DataFrame(
            {
                t("details.col.tilt", lang): planes["surface_tilt"].round(0),
                t("details.col.azimuth", lang): planes["surface_azimuth"].round(0),
                t("details.col.area", lang): planes["area_m2"].round(1),
                t("details.col.usable", lang): planes["usable_area_m2"].round(1),
                t("details.col.kwp", lang): planes["kwp"].round(2),
                t("details.col.annual", lang): planes["annual_kwh"].round(0),
                t("details.col.specific", lang): planes["specific_yield_kwh_kwp"].round(0),
                t("details.col.shading", lang): planes["shading_loss_percent"].round(1),
                t("details.col.suitable", lang): planes["suitable"],
                t("details.col.inferred", lang): [
                    roof_notes(notes, lang) for notes in planes["inferred_from"]
                ],
            }
        )
        st.dataframe(table, hide_index=True, key="details_planes")
        # Same planes as the annual figure above: the suitable ones, or all if none is.
        shown = planes.index[planes["suitable"]] if planes["suitable"].any() else planes.index
        monthly = result.monthly_kwh.loc[shown].sum()
        months = [t(f"month.{m}", lang) for m in range(1, 13)]
        figure = go.Figure(go.Bar(x=months, y=monthly.to_numpy(), marker_color="#f59e0b"))
        figure.update_layout(
            title=t("details.monthly_title", lang),
            yaxis_title="kWh",
            height=300,
            margin=dict(l=10, r=10, t=40, b=10),
        )
        st.plotly_chart(figure, key="details_monthly")
        st.caption(t("details.monthly_note", lang))
