"""The rooftop map's payload: styled from properties on a canvas, compact, published once."""

import json

import numpy as np
import pytest

from app_pages import _map
from bench.screening_demo import demo_run, screened_buildings
from quartier_solaire.i18n import t


@pytest.fixture(scope="module")
def city():
    run = demo_run()
    buildings = screened_buildings(600, run)
    return buildings, buildings.drop(columns="geometry").set_index("id"), run


def test_the_style_is_read_from_properties_not_a_switch_over_ids(city):
    buildings, per, run = city
    html = _map.rooftop_map(buildings, per, run.reference_specific_yield_kwh_kwp, "fr")
    script = html.get_root().render()
    assert "switch(" not in script
    assert "L.canvas(" in script
    assert '"bbox"' not in script
    # One tooltip template for all, not one text per building.
    assert script.count("kWh/kWc") < 5


def test_features_carry_only_short_properties(city):
    buildings, per, run = city
    edges = _map.yield_classes(run.reference_specific_yield_kwh_kwp)
    data, usages = _map.buildings_geojson(buildings, per, edges, "en")
    assert len(data["features"]) == len(buildings)
    assert {tuple(sorted(f["properties"])) for f in data["features"]} == {
        ("c", "id", "s", "u", "y")
    }
    named = [usages[f["properties"]["u"]] for f in data["features"]]
    assert named == [t(f"usage.{u}", "en") for u in buildings["usage"]]
    classes = [f["properties"]["c"] for f in data["features"]]
    expected = [
        _map.PALETTE.index(_map.colour(v, edges))
        if _map.colour(v, edges) in _map.PALETTE
        else len(_map.PALETTE)
        for v in per["best_specific_yield_kwh_kwp"].reindex(buildings["id"])
    ]
    assert classes == expected


def test_colour_class_matches_colour_on_the_edges():
    edges = [600.0, 700.0, 800.0, 900.0, 970.0]
    values = np.array([np.nan, 0, 599.9, 600, 650, 700, 969, 970, 2000])
    got = _map.colour_class(values, edges)
    palette = [*_map.PALETTE, _map.NO_DATA]
    assert [palette[c] for c in got] == [_map.colour(v, edges) for v in values]


def test_the_selected_outline_is_a_layer_of_its_own(city):
    buildings, per, run = city
    reference = run.reference_specific_yield_kwh_kwp
    one = _map.rooftop_map(buildings, per, reference, "fr").get_root().render()
    chosen = buildings["id"].iloc[3]
    outline = _map.selection_layer(buildings, chosen)
    assert len(outline._children) == 1
    assert len(_map.selection_layer(buildings, None)._children) == 0
    # The map's own script does not depend on the selection (names aside).
    two = _map.rooftop_map(buildings, per, reference, "fr").get_root().render()
    strip = lambda s: __import__("re").sub(r"_[0-9a-f]{32}", "", s)  # noqa: E731
    assert strip(one) == strip(two)


def test_publish_writes_once_and_keeps_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(_map, "MAP_DATA_KEPT", 2)
    urls = [_map.publish({"n": i}, f"d{i}", folder=tmp_path) for i in range(3)]
    assert urls[0] == _map.MAP_DATA_URL + "d0.json"
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["d1.json", "d2.json"]
    _map.publish({"n": 99}, "d2", folder=tmp_path)
    assert json.loads((tmp_path / "d2.json").read_text()) == {"n": 2}


def test_the_map_fetches_published_data_instead_of_embedding_it(city):
    buildings, per, run = city
    fmap = _map.rooftop_map(
        buildings,
        per,
        run.reference_specific_yield_kwh_kwp,
        "fr",
        data=("/app/static/mapdata/x.json", ["Résidentiel"]),
    )
    script = fmap.get_root().render()
    assert "/app/static/mapdata/x.json" in script
    assert buildings["id"].iloc[0] not in script
    assert len(script) < 30_000
