"""What the two consultation pages share: candidate sites, the demo seed, the sites' map, results.

Pages only draw: every figure comes from :mod:`planner.consultation`; every
text a person wrote (titles, names, comments) is escaped where it is shown,
in Markdown (:func:`escape_for_markdown`) and in the map's HTML
(:func:`escape_for_html`).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import shapely.geometry
import streamlit as st
from branca.element import MacroElement
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

from app_pages import _cache, _map, _sidebar
from planner.consultation import (
    STANCES,
    TAGS,
    CandidateSite,
    ConsultationRecord,
    ConsultationResults,
    SiteRecord,
    SiteTally,
    candidate_sites,
    escape_for_html,
    list_consultations,
    seed_demo_consultation,
)
from planner.rooftops import PVParams, RoofParams, ShadingParams, SuitabilityParams
from planner.store import Store, StoreError
from planner.store.models import utcnow
from quartier_solaire.i18n import describe, number, percent, t
from quartier_solaire.offline_assets import ensure_leaflet

# Share of support [0-1] -> colour: red (oppose) to green (support), 5 classes.
SUPPORT_EDGES = (0.2, 0.4, 0.6, 0.8)
SUPPORT_COLOURS = ("#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#1a9850")
UNPUBLISHED = "#9ca3af"
DEMO_SITES = 5


def candidates(
    lang: str, dataset: _cache.Dataset, assumptions, limit: int, *, synthetic: bool = False
) -> list[CandidateSite]:
    """The ``limit`` largest suitable roofs of ``dataset``, simulated by the rooftop chain.

    Under the sidebar's weather year, or the embedded synthetic one (``synthetic``).
    """
    buildings, _report = _cache.buildings(dataset)
    location = _cache.site(dataset)
    if synthetic:
        lat, lon = round(location.latitude, 4), round(location.longitude, 4)
        weather, _meta = _cache.weather("synthetic", lat, lon, None, None, None)
        weather_key = ("synthetic", None)
    else:
        weather, _meta, weather_key = _sidebar.weather(lang, location, _sidebar.current().weather)
    with st.spinner(t("map.computing", lang)):
        run = _cache.rooftops(
            dataset,
            weather_key,
            assumptions.roof,
            assumptions.pv,
            assumptions.suitability,
            assumptions.shading,
            weather,
        )
    return candidate_sites(buildings, run.buildings, utcnow(), limit=limit, names=_names(buildings))


def _names(buildings: gpd.GeoDataFrame) -> dict[str, str]:
    # "École — school-01": what the building is used for, then its id.
    if "usage" not in buildings.columns:
        return {}
    names = {}
    for building_id, usage in zip(buildings["id"], buildings["usage"], strict=True):
        label = t(f"usage.{usage}", "fr") if isinstance(usage, str) and usage else ""
        names[str(building_id)] = f"{label} — {building_id}" if label else str(building_id)
    return names


def seed_demo(store: Store, lang: str) -> None:
    """On the embedded demo database, make sure the open demo consultation exists."""
    if not store.embedded:
        return
    title = t("consult.demo_title", "fr")
    if any(c.title == title for c in list_consultations(store)):
        return  # seeded already: no simulation to look up at every run
    defaults = _sidebar.Assumptions(RoofParams(), PVParams(), SuitabilityParams(), ShadingParams())
    sites = candidates(lang, _cache.DEMO, defaults, DEMO_SITES, synthetic=True)
    try:
        seed_demo_consultation(store, sites)
    except StoreError as error:  # store_demo_off: an external database has no demo
        st.caption(describe(error, lang))


def dates(record: ConsultationRecord, lang: str) -> str:
    """The consultation's period, in Paris time, and whether it is open."""
    opens, closes = (
        pd.Timestamp(when).tz_convert("Europe/Paris")
        for when in (record.opens_at, record.closes_at)
    )
    now = utcnow()
    state = "open" if record.is_open(now) else ("closed" if now >= record.closes_at else "soon")
    return t(
        "consultpage.dates",
        lang,
        opens=opens.strftime("%d/%m/%Y %H:%M"),
        closes=closes.strftime("%d/%m/%Y %H:%M"),
        state=t(f"consultpage.state.{state}", lang),
    )


def figures(site: SiteRecord, lang: str) -> str:
    """A site's simulated figures, in one line of Markdown."""
    return t(
        "consultpage.figures",
        lang,
        kwp=number(site.kwp, lang, decimals=1),
        mwh=number(site.mwh_per_year, lang, decimals=1),
        households=number(site.households, lang),
        shading=number(site.shading_loss_pct, lang, decimals=1),
    )


def count(value: int | None, lang: str) -> str:
    """A published count, or "not enough opinions" where it is suppressed (never 0)."""
    return t("consult.not_enough", lang) if value is None else number(value, lang)


def support_colour(tally: SiteTally | None) -> str:
    """Colour of a site on the map by its share of support; grey until published."""
    if tally is None or not tally.published or tally.support_share is None:
        return UNPUBLISHED
    classes = sum(tally.support_share >= edge for edge in SUPPORT_EDGES)
    return SUPPORT_COLOURS[classes]


class _Bound(MacroElement):
    """A popup or tooltip from HTML already escaped, passed to Leaflet as a JSON string.

    folium.Popup builds its content with jQuery, which the offline map does not
    load, and folium.Tooltip puts it in a JavaScript template literal, where a
    backtick or ``${`` in a name would be code. A JSON string is only a string.
    Its braces are written as JavaScript escapes: branca renders the map's
    script as a Jinja template again, where ``{{ ... }}`` in a name would run.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.{{ this.method }}({{ this.literal }});
        {% endmacro %}
        """
    )

    def __init__(self, method: str, content: str):
        super().__init__()
        self._name = "EscapedText"
        self.method = method  # "bindPopup" or "bindTooltip"
        text = str(htmlsafe_json_dumps(content))  # <, >, &, ' as \\u escapes
        self.literal = text.replace("{", "\\u007b").replace("}", "\\u007d")


def _popup(site: SiteRecord, tally: SiteTally | None, lang: str) -> str:
    lines = [f"<strong>{escape_for_html(site.name)}</strong>"]
    if tally is not None and tally.published:
        share = tally.support_share
        shown = t("consult.not_enough", lang) if share is None else percent(share, lang)
        lines.append(escape_for_html(t("consultpage.support_share", lang, share=shown)))
    else:
        lines.append(escape_for_html(t("consultpage.not_published", lang)))
    return "<br>".join(lines)


def site_map(found: ConsultationResults, lang: str) -> folium.Map:
    """A map of the sites coloured by their share of support, with escaped popups."""
    ensure_leaflet()  # served by the app itself, even if the rooftop map was never opened
    shapes = [shapely.geometry.shape(s.site.geometry) for s in found.sites]
    west, south, east, north = shapely.geometry.MultiPolygon(
        [p for shape in shapes for p in getattr(shape, "geoms", [shape])]
    ).bounds
    fmap = _map.OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        zoom_start=17,
        max_zoom=20,
        control_scale=True,
    )
    for tally in found.sites:
        colour = support_colour(tally)
        layer = folium.GeoJson(
            {"type": "Feature", "geometry": tally.site.geometry, "properties": {}},
            style_function=lambda _f, colour=colour: {
                "fillColor": colour,
                "color": "#1f2937",
                "weight": 2,
                "fillOpacity": 0.8,
            },
        )
        _Bound("bindTooltip", escape_for_html(tally.site.name)).add_to(layer)
        _Bound("bindPopup", _popup(tally.site, tally, lang)).add_to(layer)
        layer.add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def site_at(found: ConsultationResults, clicked: dict | None) -> SiteRecord | None:
    """The site under a map click (st_folium's ``last_object_clicked``), if any."""
    if not clicked or clicked.get("lat") is None:
        return None
    point = shapely.geometry.Point(clicked["lng"], clicked["lat"])
    for tally in found.sites:
        if shapely.geometry.shape(tally.site.geometry).buffer(1e-6).contains(point):
            return tally.site
    return None


def results_block(tally: SiteTally, lang: str) -> None:
    """A site's results: counts, share of support, concerns chart, moderated comments."""
    if not tally.published:
        st.markdown(t("consultpage.not_published", lang))
        return
    columns = st.columns(4)
    columns[0].metric(t("consultpage.opinions", lang), count(tally.opinions, lang))
    for column, stance in zip(columns[1:], STANCES, strict=True):
        column.metric(t(f"consult.stance.{stance}", lang), count(tally.counts[stance], lang))
    share = tally.support_share
    shown = t("consult.not_enough", lang) if share is None else percent(share, lang)
    st.markdown(t("consultpage.support_share", lang, share=shown))
    tags = {tag: n for tag, n in tally.tags.items() if n is not None}
    if tags:
        figure = go.Figure(
            go.Bar(
                x=[n for n in tags.values()],
                y=[t(f"consult.tag.{tag}", lang) for tag in tags],
                orientation="h",
                marker_color="#4b5563",
            )
        )
        figure.update_layout(
            title=t("consultpage.tags_chart", lang),
            height=80 + 40 * len(tags),
            margin=dict(l=10, r=10, t=40, b=10),
        )
        st.plotly_chart(figure, key=f"consult_tags_chart_{tally.site.id}")
    hidden = [tag for tag in TAGS if tally.tags.get(tag) is None]
    if hidden:
        st.markdown(
            t(
                "consultpage.tags_suppressed",
                lang,
                tags=", ".join(t(f"consult.tag.{tag}", lang) for tag in hidden),
            )
        )
