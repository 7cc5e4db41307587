"""The collective page shows the domain's figures, follows the key, and its downloads hold them.

The page is rendered with AppTest on the demo project; its headline figures are
read as the user sees them and compared with planner.community.evaluate run
outside Streamlit on the same inputs (the demo, default assumptions, the
embedded synthetic year).
"""

import io
from functools import cache

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _collective as ui
from app_pages import _state
from geodata.demo import demo_buildings
from planner.allocation import Battery, read_key_csv, round_coefficients, write_key_csv
from planner.community import Consumer, Producer, compare_keys, demo_community, evaluate
from planner.economics import EconomicParams
from planner.legality import legal_messages
from planner.rooftops import RooftopChain, RooftopConfig
from quartier_solaire.i18n import t
from tests.app.test_figures import _location, _weather, parse_number
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 180
PAGE = "app_pages/collective.py"


@cache
def expected_community():
    """The demo project as the page builds it by default."""
    buildings = demo_buildings()
    run = RooftopChain(buildings, _location(), RooftopConfig()).run_model(_weather())
    return demo_community(run, buildings, _weather()["temp_air"])


def _page(lang="fr", **state):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at, key, lang):
    label = t(key, lang)
    return parse_number(next(m.value for m in at.metric if m.label == label))


def _table(at, column: str) -> pd.DataFrame:
    """The displayed table that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _assert_headline(at, result, lang):
    totals = result.totals
    assert _metric(at, "coll.fig.prod", lang) == pytest.approx(totals.prod_kwh / 1000, abs=0.5)
    assert _metric(at, "coll.fig.cons", lang) == pytest.approx(totals.cons_kwh / 1000, abs=0.5)
    assert _metric(at, "coll.fig.surplus", lang) == pytest.approx(
        totals.surplus_kwh / 1000, abs=0.5
    )
    assert _metric(at, "coll.fig.self_consumption", lang) == pytest.approx(
        100 * totals.self_consumption_rate, abs=0.5
    )
    assert _metric(at, "coll.fig.self_production", lang) == pytest.approx(
        100 * totals.self_production_rate, abs=0.5
    )
    assert _metric(at, "coll.fig.npv", lang) == pytest.approx(result.economics.npv_eur, abs=0.5)
    assert _metric(at, "coll.fig.savings", lang) == pytest.approx(
        result.households["savings_eur"].sum(), abs=0.5
    )
    assert _metric(at, "coll.fig.capex", lang) == pytest.approx(result.economics.capex_eur, abs=0.5)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_headline_figures_are_the_domains(lang):
    at = _page(lang)
    community = expected_community()
    _assert_headline(at, evaluate(community, "dynamic_default"), lang)
    # The estimates are flagged where the households appear.
    assert any(t("coll.estimates", lang, n=40)[:40] in w.value for w in at.warning)
    table = _table(at, t("coll.col.profile", lang))
    assert (table[t("coll.col.profile", lang)] == t("coll.estimated", lang)).all()
    assert len(table) == 40


def test_changing_the_key_changes_the_figures_as_the_domain_says():
    at = _page("fr")
    community = expected_community()
    before = _metric(at, "coll.fig.self_consumption", "fr")
    at.selectbox(key=ui.KEY).set_value("static").run()
    assert not at.exception
    static = evaluate(community, "static")
    _assert_headline(at, static, "fr")
    assert _metric(at, "coll.fig.savings", "fr") != pytest.approx(
        evaluate(community).households["savings_eur"].sum(), abs=0.5
    )
    assert before > _metric(at, "coll.fig.self_consumption", "fr") - 0.5
    # The comparator shows every key's total for the same project.
    compared = compare_keys(community)
    table = _table(at, t("coll.compare_kwh", "fr", key=t("coll.key.custom", "fr")))
    total = table.iloc[-1]
    assert (table[t("coll.col.profile", "fr")].iloc[:-1] == t("coll.estimated", "fr")).all()
    for key in ("static", "dynamic_default", "priority", "custom"):
        label = t("coll.compare_kwh", "fr", key=t(f"coll.key.{key}", "fr"))
        assert total[label] == pytest.approx(compared.loc["total", (key, "autocons_kwh")], abs=1)


def test_priority_households_get_more():
    at = _page("fr")
    at.selectbox(key=ui.KEY).set_value("priority").run()
    at.multiselect(key=ui.PRIORITY_FIRST).set_value(["P05"]).run()
    assert not at.exception
    expected = evaluate(
        expected_community(),
        "priority",
        {"within": "pro_rata", "levels": tuple(1 if i == 4 else 2 for i in range(40))},
    )
    _assert_headline(at, expected, "fr")
    table = _table(at, t("coll.col.profile", "fr")).set_index(t("coll.col.household", "fr"))
    dynamic = evaluate(expected_community()).households
    assert table.loc["P05", t("coll.col.autocons", "fr")] > dynamic.loc["P05", "autocons_kwh"]


def test_an_economic_parameter_reprices_the_project():
    at = _page("en")
    at.number_input(key=ui.ECON + "shared_price_eur_per_kwh").set_value(0.08).run()
    assert not at.exception
    expected = evaluate(
        expected_community(), economic_params=EconomicParams(shared_price_eur_per_kwh=0.08)
    )
    _assert_headline(at, expected, "en")


def test_downloads_hold_the_figures():
    result = evaluate(expected_community())
    # The key CSV round-trips with the reader.
    coefficients = round_coefficients(result.allocation)
    back = read_key_csv(io.StringIO(write_key_csv(coefficients)))
    np.testing.assert_allclose(back.to_numpy(), coefficients.to_numpy(), atol=1e-9)
    # The per-step CSV sums to the totals.
    steps = pd.read_csv(io.BytesIO(ui.steps_csv(result)), index_col="time")
    assert len(steps) == 35_040
    assert steps["PROD"].sum() == pytest.approx(result.totals.prod_kwh, rel=1e-9)
    assert steps["AUTOCONS"].sum() == pytest.approx(result.totals.autocons_kwh, rel=1e-9)
    assert steps["SURPLUS"].sum() == pytest.approx(result.totals.surplus_kwh, rel=1e-9)
    assert steps["CONS"].sum() == pytest.approx(result.totals.cons_kwh, rel=1e-9)
    assert steps["COMPLEMENT"].sum() == pytest.approx(result.totals.complement_kwh, rel=1e-9)


def test_html_report_is_self_contained_and_escapes_names():
    evil = "<script>alert(1)</script>"
    community = expected_community()
    # A roof and households named by a hostile file, with the demo's figures.
    bad = community.__class__(
        production=community.production.set_axis([evil, *community.production.columns[1:]], axis=1),
        consumption=community.consumption.set_axis(
            [f"{evil}{i}" for i in range(len(community.consumers))], axis=1
        ),
        producers=(
            Producer(evil, *[getattr(community.producers[0], f) for f in ("kwp", "lon", "lat")]),
            *community.producers[1:],
        ),
        consumers=tuple(
            Consumer(f"{evil}{i}", c.building_id, c.lon + 0.05 * (i == 0), c.lat)
            for i, c in enumerate(community.consumers)
        ),
    )
    result = evaluate(bad)
    assert not result.legal.ok  # one household 4 km away: the messages quote the names
    flows = ui.collective_flows(result)
    figures = [ui.monthly_figure(flows, "fr"), ui.weeks_figure(flows, "fr")]
    households = result.households.assign(name=result.households.index)
    report = ui.html_report(
        evil,
        ui.headline_rows(result, "fr") + [(t("coll.roofs", "fr"), evil)],
        figures,
        ui.econ_rows(EconomicParams(), "fr"),
        legal_messages(result.legal, "fr"),
        households,
        "fr",
    )
    assert evil not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    # Self-contained: plotly.js inline, no script fetched from elsewhere.
    assert "<script src=" not in report
    assert "2\u202f500 / 1\u202f600 / 1\u202f100 / 900" in report  # the capex bands, in French
    assert "Plotly.newPlot" in report and len(report) > 1_000_000
    for _label, value in ui.headline_rows(result, "fr"):
        assert value.replace("\u202f", "&#8239;") in report or value in report


def test_a_roof_clicked_on_the_map_joins_or_leaves_the_project():
    at = _page("fr")
    before = _metric(at, "coll.fig.prod", "fr")
    at.session_state[ui.TOGGLE] = "supermarket"  # what a click on its roof sets
    at.run()
    assert not at.exception
    assert "supermarket" in at.multiselect(key=ui.ROOFS).value
    assert _metric(at, "coll.fig.prod", "fr") > before + 400  # its 579 MWh a year
    at.session_state[ui.TOGGLE] = "supermarket"
    at.run()
    assert "supermarket" not in at.multiselect(key=ui.ROOFS).value
    assert _metric(at, "coll.fig.prod", "fr") == pytest.approx(before)
    at.multiselect(key=ui.ROOFS).set_value([]).run()
    assert not at.exception
    assert at.info[0].value == t("coll.no_roof", "fr")


def test_roofs_of_another_set_of_buildings_give_way_to_the_defaults():
    at = _page("fr", **{ui.ROOFS: ["no-such-roof"]})
    assert at.multiselect(key=ui.ROOFS).value == ["gymnasium", "school-wing-1", "school-canteen"]


def test_a_shared_battery_changes_the_figures_as_the_domain_says():
    at = _page("fr")
    at.checkbox(key=ui.BATTERY).check().run()
    at.number_input(key=ui.BATTERY_KWH).set_value(200.0).run()
    assert not at.exception
    expected = evaluate(expected_community(), battery=Battery(200.0, 50.0, 0.9))
    assert expected.totals.autocons_kwh > evaluate(expected_community()).totals.autocons_kwh
    _assert_headline(at, expected, "fr")


def test_the_project_map_drops_its_tiles_and_their_credit_when_they_cannot_load():
    # Offline, a grey square credited to OpenStreetMap is worse than a plain background.
    from app_pages import _collective
    from geodata.demo import demo_buildings

    buildings = demo_buildings().iloc[:20]
    ids = buildings["id"].astype(str).tolist()
    html = _collective.project_map(buildings, ids[:1], ids[1:5], None, "fr", True)
    html = html.get_root().render()
    assert "tileerror" in html and "OpenStreetMap" in html
    plain = _collective.project_map(buildings, ids[:1], ids[1:5], None, "fr", False)
    assert "tileerror" not in plain.get_root().render()
