"""Figures, tables and the HTML report of the collective page (drawing only, no computing)."""

from __future__ import annotations

import html
from dataclasses import fields

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app_pages import _map
from planner.community import CommunityResult
from planner.economics import EconomicParams
from planner.legality import PerimeterDrawing
from quartier_solaire.i18n import number, percent, t

COLOURS = {"AUTOCONS": "#16a34a", "SURPLUS": "#f59e0b", "COMPLEMENT": "#64748b"}
# First day of the typical week shown for each season (month, day).
SEASON_WEEKS = {"winter": (1, 15), "spring": (4, 15), "summer": (7, 15), "autumn": (10, 15)}
MARGIN = dict(l=10, r=10, t=40, b=10)


def collective_flows(result: CommunityResult) -> pd.DataFrame:
    """AUTOCONS, SURPLUS and COMPLEMENT of the collective per step [kWh]."""
    a = result.allocation
    return pd.DataFrame(
        {
            "AUTOCONS": a.autoprod,
            "SURPLUS": a.surplus,
            "COMPLEMENT": a.complement.sum(axis=1),
        }
    )


def steps_csv(result: CommunityResult) -> bytes:
    """The collective's flows per step as CSV [kWh]: PROD, AUTOCONS, SURPLUS, CONS, COMPLEMENT.

    PROD is the roofs' production plus any battery discharge; with a battery,
    its charge is part of AUTOCONS and CONS (it is a participant), and its
    charge, discharge and state of charge follow.
    """
    a = result.allocation
    table = pd.DataFrame(
        {
            "PROD": a.prod,
            "AUTOCONS": a.autoprod,
            "SURPLUS": a.surplus,
            "CONS": a.cons.sum(axis=1),
            "COMPLEMENT": a.complement.sum(axis=1),
        }
    )
    if a.storage is not None:
        table = table.join(a.storage.add_prefix("battery_"))
    return table.to_csv(index_label="time").encode("utf-8")


def _stacked(figure: go.Figure, frame: pd.DataFrame, lang: str, row=None, legend=True) -> None:
    for name, sign in (("AUTOCONS", 1), ("SURPLUS", 1), ("COMPLEMENT", -1)):
        figure.add_trace(
            go.Bar(
                x=frame.index,
                y=sign * frame[name].to_numpy(),
                name=t(f"coll.flow.{name}", lang),
                marker_color=COLOURS[name],
                showlegend=legend,
                legendgroup=name,
            ),
            **({"row": row, "col": 1} if row else {}),
        )


def weeks_figure(flows: pd.DataFrame, lang: str) -> go.Figure:
    """A typical week per season, hourly, production above the axis, purchases below."""
    hourly = flows.resample("h").sum()
    year = hourly.index[0].year
    figure = make_subplots(
        rows=4,
        cols=1,
        subplot_titles=[t(f"coll.season.{s}", lang) for s in SEASON_WEEKS],
        vertical_spacing=0.06,
    )
    for i, (month, day) in enumerate(SEASON_WEEKS.values(), start=1):
        start = pd.Timestamp(year=year, month=month, day=day, tz=hourly.index.tz)
        week = hourly.loc[start : start + pd.Timedelta(days=7) - pd.Timedelta(hours=1)]
        # Hours from the week's start: a typical year has no year to show.
        days = week.index[::24]
        _stacked(figure, week.set_axis(np.arange(len(week))), lang, row=i, legend=i == 1)
        figure.update_xaxes(
            tickvals=np.arange(0, len(week), 24),
            ticktext=[t("coll.day", lang, d=f"{d.day:02d}", m=f"{d.month:02d}") for d in days],
            row=i,
            col=1,
        )
        figure.update_yaxes(title_text=t("coll.axis.kwh_per_hour", lang), row=i, col=1)
    figure.update_layout(
        barmode="relative", bargap=0, height=900, margin=MARGIN, title=t("coll.weeks_title", lang)
    )
    return figure


def monthly_figure(flows: pd.DataFrame, lang: str) -> go.Figure:
    """Monthly AUTOCONS and SURPLUS above the axis, COMPLEMENT below [MWh]."""
    monthly = flows.groupby(flows.index.month).sum() / 1000.0
    monthly.index = [t(f"month.{m}", lang) for m in monthly.index]
    figure = go.Figure()
    _stacked(figure, monthly, lang)
    figure.update_layout(
        barmode="relative",
        height=350,
        margin=MARGIN,
        title=t("coll.monthly_title", lang),
        yaxis_title="MWh",
    )
    return figure


def sizing_figure(sweep: pd.DataFrame, chosen_kwp: float, lang: str) -> go.Figure:
    """Rates (left axis, %) and NPV (right axis, k€) against the installed kWp."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    x = sweep["kwp"].to_numpy()
    for column, colour in (
        ("self_consumption_rate", "#16a34a"),
        ("self_production_rate", "#2563eb"),
    ):
        figure.add_trace(
            go.Scatter(x=x, y=100 * sweep[column], name=t(f"coll.sweep.{column}", lang)),
            secondary_y=False,
        )
        figure.data[-1].line.color = colour
    surplus = 100 * sweep["surplus_kwh"] / sweep["prod_kwh"].where(sweep["prod_kwh"] > 0)
    figure.add_trace(
        go.Scatter(x=x, y=surplus, name=t("coll.sweep.surplus_share", lang), line_color="#f59e0b"),
        secondary_y=False,
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=sweep["npv_eur"] / 1000.0,
            name=t("coll.sweep.npv", lang),
            line=dict(color="#111827", dash="dash"),
        ),
        secondary_y=True,
    )
    figure.add_vline(x=chosen_kwp, line_dash="dot", line_color="#9ca3af")
    figure.update_layout(height=380, margin=MARGIN, title=t("coll.sizing_title", lang))
    figure.update_xaxes(title_text=t("coll.axis.kwp", lang))
    figure.update_yaxes(title_text="%", secondary_y=False)
    figure.update_yaxes(title_text=t("coll.axis.npv", lang), secondary_y=True)
    return figure


def project_map(
    buildings: gpd.GeoDataFrame,
    producers: list[str],
    homes: list[str],
    drawing: PerimeterDrawing | None,
    lang: str,
    basemap: bool,
) -> folium.Map:
    """The neighbourhood with the producer roofs, the participants' homes and the perimeter."""
    _map.ensure_leaflet()
    role = (
        buildings["id"]
        .astype(str)
        .map(lambda b: "producer" if b in producers else "home" if b in homes else "other")
    )
    frame = gpd.GeoDataFrame(
        {
            "id": buildings["id"].astype(str).to_numpy(),
            "role": role.to_numpy(),
            "label": [t(f"coll.map.{r}", lang) for r in role],
        },
        geometry=buildings.geometry.to_numpy(),
        crs=buildings.crs,
    ).to_crs(4326)
    west, south, east, north = frame.total_bounds
    fmap = _map.OfflineMap(
        location=[(south + north) / 2, (west + east) / 2], tiles=None, zoom_start=16, max_zoom=20
    )
    if basemap:
        _map.add_basemap(fmap, lang)
    fill = {"producer": "#f59e0b", "home": "#2563eb", "other": "#d1d5db"}
    folium.GeoJson(
        frame.__geo_interface__,
        name="buildings",
        style_function=lambda f: {
            "fillColor": fill[f["properties"]["role"]],
            "color": "#111827" if f["properties"]["role"] == "producer" else "#6b7280",
            "weight": 2 if f["properties"]["role"] == "producer" else 0.5,
            "fillOpacity": 0.85,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)
    if drawing is not None:
        features = drawing.features(lang)
        for feature in features["features"]:
            # Labels quote participant names: escaped, folium renders them as HTML.
            feature["properties"]["label"] = html.escape(feature["properties"]["label"])
        folium.GeoJson(
            features,
            name="perimeter",
            style_function=lambda f: {
                "color": "#dc2626",
                "weight": 3 if f["properties"]["kind"] == "segment" else 1,
                "fillOpacity": 0.04 if f["properties"]["kind"] == "zone" else 0,
                "dashArray": "6" if f["properties"]["kind"] == "zone" else None,
            },
            marker=folium.CircleMarker(radius=6, color="#dc2626", fill=True),
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def _plain(value: float, lang: str) -> str:
    """A number with the decimals it has (up to 4), as readers of ``lang`` write it."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return number(value, lang, decimals=len(text.split(".")[1]) if "." in text else 0)


def econ_rows(params: EconomicParams, lang: str) -> list[tuple[str, str]]:
    """Every economic parameter as (label with unit, value), band values joined."""
    rows = []
    for f in fields(params):
        label, value = t(f"param.{f.name}", lang), getattr(params, f.name)
        if isinstance(value, bool):
            text = t("param.yes" if value else "param.no", lang)
        elif isinstance(value, tuple):
            text = " / ".join(_plain(v, lang) for v in value)
        else:
            text = _plain(value, lang)
        rows.append((label, text))
    return rows


def headline_rows(result: CommunityResult, lang: str) -> list[tuple[str, str]]:
    """The project's headline figures as (label, formatted value)."""
    totals, econ = result.totals, result.economics
    return [
        (
            t("coll.fig.prod", lang),
            t("coll.unit.mwh", lang, value=number(totals.prod_kwh / 1000, lang)),
        ),
        (
            t("coll.fig.cons", lang),
            t("coll.unit.mwh", lang, value=number(totals.cons_kwh / 1000, lang)),
        ),
        (t("coll.fig.self_consumption", lang), percent(totals.self_consumption_rate, lang)),
        (t("coll.fig.self_production", lang), percent(totals.self_production_rate, lang)),
        (
            t("coll.fig.surplus", lang),
            t("coll.unit.mwh", lang, value=number(totals.surplus_kwh / 1000, lang)),
        ),
        (t("coll.fig.npv", lang), t("coll.unit.eur", lang, value=number(econ.npv_eur, lang))),
        (
            t("coll.fig.savings", lang),
            t("coll.unit.eur", lang, value=number(result.households["savings_eur"].sum(), lang)),
        ),
    ]


def html_report(
    title: str,
    headline: list[tuple[str, str]],
    figures: list[go.Figure],
    assumptions: list[tuple[str, str]],
    legal: list[str],
    households: pd.DataFrame,
    lang: str,
) -> str:
    """A self-contained HTML page: figures with plotly inline, every text escaped."""

    def table(rows) -> str:
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in rows
        )
        return f"<table>{cells}</table>"

    charts = "".join(
        f.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False)
        for i, f in enumerate(figures)
    )
    head = [list(map(str, households.columns))]
    body = households.astype(str).reset_index().to_numpy().tolist()
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "td{padding:2px 8px;border-bottom:1px solid #e5e7eb}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<h2>{html.escape(t('coll.report.figures', lang))}</h2>{table(headline)}"
        f"<h2>{html.escape(t('coll.legal_title', lang))}</h2>"
        + "".join(f"<p>{html.escape(m)}</p>" for m in legal)
        + charts
        + f"<h2>{html.escape(t('coll.households_title', lang))}</h2>"
        + table([[""] + head[0]] + body)
        + f"<h2>{html.escape(t('coll.report.assumptions', lang))}</h2>{table(assumptions)}"
        + "</body></html>"
    )


# Keys of st.session_state for the collective page (its widgets' key=).
ROOFS = "coll_roofs"
HOUSEHOLDS = "coll_households"
STEP = "coll_step"
KEY = "coll_key"
STATIC_SHARES = "coll_static_shares"
PRIORITY_WITHIN = "coll_priority_within"
PRIORITY_FIRST = "coll_priority_first"
BATTERY = "coll_battery"
BATTERY_KWH = "coll_battery_kwh"
BATTERY_KW = "coll_battery_kw"
BATTERY_EFFICIENCY = "coll_battery_efficiency"
OBJECTIVE = "coll_objective"
TARGET = "coll_target"
MAP = "coll_map"
LAST_CLICK = "coll_last_click"  # the map's last click, already handled
TOGGLE = "coll_toggle"  # a roof clicked on the map, applied before the roof selector
ECON = "coll_econ_"  # prefix of the economics inputs, one per field (and band)
