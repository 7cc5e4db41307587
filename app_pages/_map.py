"""The rooftop map: folium on locally served Leaflet, buildings coloured by yield."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from quartier_solaire.i18n import number, t
from quartier_solaire.offline_assets import (
    LEAFLET_CSS_URL,
    LEAFLET_JS_URL,
    STATIC_DIR,
    ensure_leaflet,
)

# Yellow-orange-red, 6 classes (ColorBrewer YlOrRd), low to high yield.
PALETTE = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#9ca3af"
# Class edges as shares of the reference plane's specific yield [-].
SHARES = (0.6, 0.7, 0.8, 0.9, 0.97)
# Coordinates sent to the browser are rounded to 1e-6 deg (~0.1 m): a quarter
# less map to send at every rerun, nothing visible lost.
DECIMALS = 6
# Tiles that must fail, none having loaded, before the background is switched
# off: one failure can be a glitch; offline, every tile of the view fails.
TILE_FAILURES = 3
# Published map data (:func:`publish`): where, at which URL, how many files kept.
MAP_DATA_DIR = STATIC_DIR / "mapdata"
MAP_DATA_URL = "/app/static/mapdata/"
MAP_DATA_KEPT = 64
# Name of the view kept in the browser, followed by the dataset's key.
VIEW_STORAGE = "quartier-solaire:view:"


class OfflineMap(folium.Map):
    """A folium map that loads only Leaflet, from the app's own static files."""

    default_js = [("leaflet", LEAFLET_JS_URL)]
    default_css = [("leaflet_css", LEAFLET_CSS_URL)]


class _KeepView(MacroElement):
    """Keep the map's view (centre, zoom) in this browser tab, and restore it.

    A click or a change of setting reruns the page and mounts the map afresh,
    which would zoom back out to the whole extent. The view is kept where it
    lives, in the browser (sessionStorage: this tab only, gone when it closes),
    under a name per dataset: panning reruns nothing, and the server keeps no
    view. Both maps of a dataset share it, so a change of page keeps it too.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, name) {
            var saved = null;
            try { saved = JSON.parse(window.sessionStorage.getItem(name)); } catch (e) {}
            if (saved) { map.setView([saved.lat, saved.lng], saved.zoom, {animate: false}); }
            map.on("moveend", function () {
                var c = map.getCenter();
                var view = {lat: c.lat, lng: c.lng, zoom: map.getZoom()};
                try { window.sessionStorage.setItem(name, JSON.stringify(view)); } catch (e) {}
            });
        })({{ this._parent.get_name() }}, {{ this.storage_name|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, storage_name: str):
        super().__init__()
        self._name = "KeepView"
        self.storage_name = storage_name


class _DropFailedTiles(MacroElement):
    """Switch the background off when its tiles cannot be loaded, and say so.

    Offline, or behind a network that blocks the tile server, the map would
    show a grey square credited to OpenStreetMap. The browser decides, because
    it is the browser that loads the tiles: a probe from the server would test
    the server's network, not the visitor's, which may differ (a city intranet,
    a proxy). Removing the layer removes its attribution with it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, note, after) {
            map.eachLayer(function (layer) {
                if (!(layer instanceof L.TileLayer)) { return; }
                var loaded = 0, failed = 0;
                layer.on("tileload", function () { loaded += 1; });
                layer.on("tileerror", function () {
                    failed += 1;
                    if (loaded > 0 || failed < after || !map.hasLayer(layer)) { return; }
                    map.removeLayer(layer);
                    map.getContainer().style.background = "#f8fafc";
                    var box = L.control({position: "bottomleft"});
                    box.onAdd = function () {
                        var div = L.DomUtil.create("div", "qs-no-basemap");
                        div.textContent = note;
                        div.style.cssText = "background:#fff;padding:2px 6px;font:12px sans-serif";
                        return div;
                    };
                    box.addTo(map);
                });
            });
        })({{ this._parent.get_name() }}, {{ this.note|tojson }}, {{ this.after }});
        {% endmacro %}
        """
    )

    def __init__(self, note: str, after: int = TILE_FAILURES):
        super().__init__()
        self._name = "DropFailedTiles"
        self.note = note
        self.after = int(after)


def yield_classes(reference_kwh_kwp: float) -> list[float]:
    """Return the class edges [kWh/kWp/yr], rounded to 10, from the reference yield."""
    return [10 * round(share * reference_kwh_kwp / 10) for share in SHARES]


def colour(value: float, edges: list[float]) -> str:
    """Return the palette colour of a specific yield [kWh/kWp/yr]."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    for i, edge in enumerate(edges):
        if value < edge:
            return PALETTE[i]
    return PALETTE[-1]


def legend_html(edges: list[float], lang: str) -> str:
    """Return the legend as a small HTML table (no user content in it)."""
    n = [number(edge, lang) for edge in edges]
    labels = [f"< {n[0]}"]
    labels += [f"{a} – {b}" for a, b in zip(n[:-1], n[1:], strict=True)]
    labels.append(f"≥ {n[-1]}")
    rows = "".join(
        f'<span style="display:inline-block;margin-right:0.8em">'
        f'<span style="display:inline-block;width:1em;height:1em;background:{c};'
        f'border:1px solid #555;vertical-align:middle"></span> {label}</span>'
        for c, label in zip(PALETTE, labels, strict=True)
    )
    title = html.escape(t("map.legend_title", lang))
    return f'<div class="qs-legend"><b>{title}</b><br>{rows}</div>'


class _Buildings(MacroElement):
    """The buildings as one GeoJSON layer drawn on a canvas, styled from their properties.

    folium's ``GeoJson(style_function=...)`` writes the style as one JavaScript
    ``switch`` over every feature id: 20 s for 50,000 buildings, growing faster
    than linearly. Here each feature carries its colour class ``c`` and a few
    short values; one function reads them, and the tooltip is built in the
    browser from a single template, so the payload holds no per-feature text
    but the building's id and its formatted yield. A canvas renderer draws one
    bitmap instead of one SVG path per building. Given a ``url``, the data is
    fetched from it rather than written into the map's script (see
    :func:`publish`). The layer is also kept as
    ``window.qsBuildings`` so that a test can count what is drawn.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, data, url, palette, usages, tip, yes, no) {
            var renderer = L.canvas({padding: 0.5, tolerance: 3});
            var layer = L.geoJson(data || null, {
                renderer: renderer,
                style: function (feature) {
                    return {fillColor: palette[feature.properties.c], color: "#4b5563",
                            weight: 0.6, fillOpacity: 0.85};
                }
            });
            layer.bindTooltip(function (target) {
                var p = target.feature.properties;
                var usage = p.u === null ? "?" : usages[p.u];
                return tip.replace("{usage}", usage).replace("{kwh_kwp}", p.y)
                    .replace("{suitable}", p.s ? yes : no);
            }, {sticky: true});
            layer.on("mouseover", function (e) {
                e.layer.setStyle({weight: 2.5, color: "#111827"});
            });
            layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
            layer.addTo(map);
            window.qsBuildings = layer;
            if (url) {
                fetch(url).then(function (r) { return r.json(); })
                    .then(function (d) { layer.addData(d); });
            }
        })({{ this._parent.get_name() }}, {{ this.data|tojson }}, {{ this.url|tojson }},
           {{ this.palette|tojson }},
           {{ this.usages|tojson }}, {{ this.tip|tojson }}, {{ this.yes|tojson }},
           {{ this.no|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict | None, usages: list[str], lang: str, url: str | None = None):
        super().__init__()
        self._name = "Buildings"
        self.data = data
        self.url = url
        self.palette = [*PALETTE, NO_DATA]
        self.usages = usages
        # Placeholders survive t(): the browser fills them per building.
        self.tip = t(
            "map.tooltip", lang, usage="{usage}", kwh_kwp="{kwh_kwp}", suitable="{suitable}"
        )
        self.yes = t("map.suitable", lang)
        self.no = t("map.not_suitable", lang)


def colour_class(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Return the palette index of each specific yield, ``len(PALETTE)`` for no data."""
    values = np.asarray(values, dtype=float)
    classes = np.searchsorted(np.asarray(edges, dtype=float), values, side="right")
    return np.where(np.isnan(values), len(PALETTE), classes)


def _rounded(geometry: np.ndarray) -> np.ndarray:
    return shapely.transform(geometry, lambda xy: np.round(xy, DECIMALS))


def buildings_geojson(
    buildings: gpd.GeoDataFrame, per_building: pd.DataFrame, edges: list[float], lang: str
) -> tuple[dict, list[str]]:
    """Return the buildings as a compact GeoJSON dict, and the usage names it refers to.

    Each feature's properties: ``id``, ``c`` (colour class), ``u`` (index of
    its usage name, or None), ``y`` (best specific yield, formatted), ``s``
    (suitable). No bounding box, no per-feature text beyond these.
    """
    ids = buildings["id"].astype(str).to_numpy()
    best = per_building["best_specific_yield_kwh_kwp"].reindex(buildings["id"]).to_numpy(float)
    suitable = per_building["suitable"].reindex(buildings["id"]).fillna(False).to_numpy(bool)
    usage = buildings["usage"] if "usage" in buildings else pd.Series(None, index=buildings.index)
    codes, uniques = pd.factorize(usage, use_na_sentinel=True)
    names = [t(f"usage.{u}", lang) for u in uniques]
    classes = colour_class(best, edges)
    shapes = shapely.to_geojson(_rounded(buildings.geometry.to_numpy()))
    features = [
        {
            "type": "Feature",
            "properties": {
                "id": i,
                "c": int(c),
                "u": int(u) if u >= 0 else None,
                "y": number(v, lang) if not math.isnan(v) else "–",
                "s": bool(s),
            },
            "geometry": json.loads(g),
        }
        for i, c, u, v, s, g in zip(ids, classes, codes, best, suitable, shapes, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}, names


def publish(geojson: dict, name: str, folder: Path = MAP_DATA_DIR) -> str:
    """Write a map's GeoJSON among the app's static files; return its URL.

    The browser fetches it once and parses it natively; the map's script
    keeps only the URL. ``name`` is a digest of what the data depends on: it
    cannot be guessed, and the same data is written once. Only public data
    goes here (buildings and their yields), never a household's. The oldest
    files beyond :data:`MAP_DATA_KEPT` are removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    if not path.is_file():
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(geojson, separators=(",", ":")), encoding="utf-8")
        partial.replace(path)
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[:-MAP_DATA_KEPT]:
            old.unlink(missing_ok=True)
    return MAP_DATA_URL + path.name


def selection_layer(buildings: gpd.GeoDataFrame, selected: str | None) -> folium.FeatureGroup:
    """Return the outline of the selected building as a small layer of its own.

    Given to ``st_folium(feature_group_to_add=...)``, it changes without
    changing the map's script: a click redraws the outline, not the map.
    """
    group = folium.FeatureGroup(name="selected", control=False)
    if selected is None:
        return group
    chosen = buildings.loc[buildings["id"].astype(str) == str(selected)]
    if len(chosen):
        folium.GeoJson(
            json.loads(shapely.to_geojson(_rounded(chosen.geometry.to_numpy()[:1]))[0]),
            style_function=lambda _feature: {
                "color": "#111827",
                "weight": 3,
                "fill": False,
                "interactive": False,
            },
        ).add_to(group)
    return group


def add_basemap(fmap: folium.Map, lang: str) -> None:
    """Add OpenStreetMap tiles that switch off, with their credit, when they cannot load.

    Tiles need the network; offline the background stays plain and a short
    note says so, instead of a grey square credited to OpenStreetMap.
    """
    folium.TileLayer("OpenStreetMap", max_zoom=20, attr="© OpenStreetMap contributors").add_to(fmap)
    _DropFailedTiles(t("map.no_basemap", lang)).add_to(fmap)


def base_map(bounds: tuple[float, float, float, float], lang: str, basemap: bool) -> folium.Map:
    """Return an offline Leaflet map fitted to (west, south, east, north), canvas-drawn."""
    ensure_leaflet()
    west, south, east, north = bounds
    fmap = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        zoom_start=17,
        max_zoom=20,
        control_scale=True,
        prefer_canvas=True,
    )
    if basemap:
        folium.TileLayer("OpenStreetMap", max_zoom=20, attr="© OpenStreetMap contributors").add_to(
            fmap
        )
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def rooftop_map(
    buildings: gpd.GeoDataFrame,
    per_building: pd.DataFrame,
    reference_kwh_kwp: float,
    lang: str,
    *,
    basemap: bool = True,
    selected: str | None = None,
    remember_view: str | None = None,
    data: tuple[str, list[str]] | None = None,
) -> folium.Map:
    """Build the map of buildings coloured by their best specific yield.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Normalised buildings in EPSG:4326.
    per_building : pandas.DataFrame
        ``RooftopYield.buildings``, indexed by building id.
    reference_kwh_kwp : float
        Specific yield of the reference plane [kWh/kWp/yr].
    lang : str
        Language of the tooltips.
    basemap : bool
        Draw OpenStreetMap tiles (they need the network; without it the
        background stays plain and the buildings are still drawn).
    selected : str, optional
        Id of the building to outline, drawn into the map. A page that
        reruns on a click should rather pass None here and give
        :func:`selection_layer` to ``st_folium(feature_group_to_add=...)``,
        so that the map itself is not sent again.
    remember_view : str, optional
        Key of the dataset: the view (centre, zoom) the user left this dataset
        at is kept in the browser and restored when the map is drawn again.
    data : tuple of (str, list of str), optional
        URL of the buildings' GeoJSON already published (:func:`publish`)
        and its usage names. The map's script then stays a few kilobytes, so a
        rerun (a click) costs little on the server; without it the GeoJSON is
        written into the script.
    """
    fmap = base_map(tuple(buildings.total_bounds), lang, basemap)
    if data is None:
        geojson, usages = buildings_geojson(
            buildings, per_building, yield_classes(reference_kwh_kwp), lang
        )
        _Buildings(geojson, usages, lang).add_to(fmap)
    else:
        _Buildings(None, data[1], lang, url=data[0]).add_to(fmap)
    if selected is not None:
        selection_layer(buildings, selected).add_to(fmap)
    # After the fit: a view the user left wins over the whole extent.
    if remember_view is not None:
        _KeepView(VIEW_STORAGE + remember_view).add_to(fmap)
    if basemap:
        _DropFailedTiles(t("map.no_basemap", lang)).add_to(fmap)
    return fmap


# --- a screened city: hexagons zoomed out, the buildings in view zoomed in ----------
def city_map(
    bounds: tuple[float, float, float, float], lang: str, *, basemap: bool, remember_view: str
) -> folium.Map:
    """Return the empty map of a screened area: its content travels as layers.

    The map's script never changes for a given area, so streamlit-folium
    mounts it once; hexagons and buildings come through
    ``st_folium(feature_group_to_add=...)`` and a pan swaps them in place.
    """
    fmap = base_map(bounds, lang, basemap)
    fmap.options["zoom"] = 13
    _KeepView(VIEW_STORAGE + remember_view).add_to(fmap)
    if basemap:
        _DropFailedTiles(t("map.no_basemap", lang)).add_to(fmap)
    return fmap


def hexagon_layer(hexagons: gpd.GeoDataFrame, lang: str) -> folium.FeatureGroup:
    """Return the H3 hexagons coloured by their yearly production, as one layer.

    Six classes at the quantiles of the hexagons in the layer. The style is
    each feature's own property (folium's property path: no switch).
    """
    gwh = hexagons["annual_gwh"].to_numpy(float)
    edges = list(np.quantile(gwh, np.linspace(0, 1, len(PALETTE) + 1)[1:-1])) if len(gwh) else []
    classes = np.searchsorted(np.asarray(edges), gwh, side="right") if edges else np.zeros(0, int)
    features = [
        {
            "type": "Feature",
            "properties": {
                "style": {
                    "fillColor": PALETTE[c],
                    "color": "#4b5563",
                    "weight": 0.5,
                    "fillOpacity": 0.7,
                },
                "label": t(
                    "citymap.hex_tooltip",
                    lang,
                    buildings=number(row.buildings, lang),
                    suitable=number(row.suitable_roofs, lang),
                    mwp=number(row.suitable_mwp, lang, decimals=2),
                    gwh=number(row.annual_gwh, lang, decimals=2),
                ),
            },
            "geometry": json.loads(shapely.to_geojson(row.geometry)),
        }
        for row, c in zip(hexagons.itertuples(), classes, strict=True)
    ]
    group = folium.FeatureGroup(name="content", control=False)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(group)
    return group


def screened_layer(buildings: gpd.GeoDataFrame, reference_kwh_kwp: float, lang: str):
    """Return screened buildings (:func:`planner.city.read_screening`) as one canvas layer."""
    group = folium.FeatureGroup(name="content", control=False)
    per_building = pd.DataFrame(buildings.drop(columns="geometry")).set_index("id")
    data, usages = buildings_geojson(
        buildings, per_building, yield_classes(reference_kwh_kwp), lang
    )
    _Buildings(data, usages, lang).add_to(group)
    return group
