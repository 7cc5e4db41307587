"""Mes données: a resident beside their neighbourhood, driven through the app (AppTest).

The households are created through the store's functions in the app's embedded
database; the figures shown are checked against compare_household on the same data.
"""

import json
import uuid

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _state
from planner.comparison import compare_household, comparison_sentences
from planner.privacy import DEFAULT_RULES, neighbourhood_annual
from planner.store import (
    create_account,
    create_project,
    give_consent,
    neighbourhood_curves,
    prepare_store,
    shared_curve,
)
from quartier_solaire.i18n import number, t
from tests.app.test_language import leaks
from tests.conftest import ROOT
from tests.planner.store.conftest import curve, terms

APP = str(ROOT / "app.py")
TIMEOUT = 120
PAGE = "app_pages/my_data.py"


@pytest.fixture
def store():
    opened = prepare_store()  # the app's embedded database, in the tests' data folder
    yield opened
    opened.engine.dispose()


def _account(store, role, **extra):
    login = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    return create_account(store, login, role, password="a long password", **extra)


def _neighbourhood(store, others: int):
    """A resident and ``others`` households sharing with one project for aggregates."""
    coop = _account(store, "cooperative", organisation=f"Coop {uuid.uuid4().hex[:6]}")
    project = create_project(
        store, coop.id, "Breil", "PV Breil", "v1"
    )  # no word of either language
    resident = _account(store, "resident")
    own = curve(days=7, seed=1) * 1.3
    give_consent(store, resident.id, terms(project, city_aggregates=True), own)
    neighbours = []
    for n in range(others):
        series = curve(days=7, seed=10 + n) * (0.6 + n / 10)
        neighbours.append(_account(store, "resident"))
        give_consent(store, neighbours[-1].id, terms(project, city_aggregates=True), series)
    return resident, project, shared_curve(own, "30min")[0], neighbours


def _app(account, lang):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    at.session_state[_state.ACCOUNT] = account
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _median_trace(at, lang, index):
    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    names = {trace.get("name"): trace for trace in spec["data"]}
    return names.get(t("compare.median", lang))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_ten_other_households_show_the_neighbourhood_beside_the_resident(store, lang):
    resident, project, own, _ = _neighbourhood(store, 10)
    at = _app(resident, lang)
    others = neighbourhood_curves(store, resident.id, project.id)
    expected = compare_household(own, others, DEFAULT_RULES)
    assert expected.published
    metrics = _metrics(at)
    q1, median, q3 = expected.annual.table.loc["year"]
    own_kwh = t("compare.kwh", lang, kwh=number(expected.own_annual_kwh, lang))
    assert metrics[t("compare.own_year", lang)] == own_kwh
    assert metrics[t("compare.median_year", lang)] == t(
        "compare.kwh", lang, kwh=number(median, lang)
    )
    captions = [c.value for c in at.caption]
    assert t("compare.spread", lang, q1=number(q1, lang), q3=number(q3, lang)) in captions
    markdown = [m.value for m in at.markdown]
    for sentence in comparison_sentences(expected, lang):
        assert sentence in markdown
    months = _median_trace(at, lang, 0)
    shown = [v for v in months["y"] if v is not None]
    assert shown == expected.monthly.table["median"].tolist()
    day = _median_trace(at, lang, 1)
    assert day["y"] == expected.typical_day.table["median"].tolist()
    assert leaks(at, lang) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_nine_other_households_say_how_many_more_are_needed(store, lang):
    resident, project, own, _ = _neighbourhood(store, 9)
    at = _app(resident, lang)
    others = neighbourhood_curves(store, resident.id, project.id)
    expected = compare_household(own, others, DEFAULT_RULES)
    assert (expected.verdict.reason, expected.verdict.missing) == ("too_few", 1)
    markdown = [m.value for m in at.markdown]
    sentence = t("privacy.suppressed.too_few.one", lang, missing=1)
    assert comparison_sentences(expected, lang) == [sentence]
    assert sentence in markdown
    if lang == "fr":
        assert sentence.startswith("Pas encore assez de foyers : il en faut encore 1 ")
    metrics = _metrics(at)
    # Own figures are never suppressed; the neighbourhood's are not shown at all.
    assert metrics[t("compare.own_year", lang)] == t(
        "compare.kwh", lang, kwh=number(expected.own_annual_kwh, lang)
    )
    assert t("compare.median_year", lang) not in metrics
    assert _median_trace(at, lang, 0) is None
    assert leaks(at, lang) == []


def test_a_household_joining_keeps_the_last_published_figures_on_the_page(store):
    resident, project, own, _ = _neighbourhood(store, 10)
    _app(resident, "fr")
    before = neighbourhood_curves(store, resident.id, project.id)
    newcomer = curve(days=7, seed=99) * 2.5
    give_consent(
        store, _account(store, "resident").id, terms(project, city_aggregates=True), newcomer
    )
    at = _app(resident, "fr")
    infos = " ".join(i.value for i in at.info)
    assert t("compare.last_release", "fr") in infos
    assert t("privacy.suppressed.too_close.many", "fr", missing=2) in infos
    # The figures are the release accepted before the newcomer: the ten and the resident.
    released = neighbourhood_annual(pd.concat([before, own.rename("me").to_frame()], axis=1))
    median = released.table.loc["year", "median"]
    shown = _metrics(at)[t("compare.median_year", "fr")]
    assert shown == t("compare.kwh", "fr", kwh=number(median, "fr"))
    assert leaks(at, "fr") == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_neighbour_sees_the_comparison_read_in_their_access_log(store, lang):
    resident, _project, _own, neighbours = _neighbourhood(store, 10)
    _app(resident, lang)
    at = _app(neighbours[0], lang)
    table = at.dataframe[0].value
    cells = set(table.astype(str).to_numpy().ravel())
    assert t("role.aggregate", lang) in cells and t("compare.purpose", lang) in cells
    assert leaks(at, lang) == []


def test_the_comparison_reads_the_neighbours_once_per_visit_and_on_demand(store):
    # Every comparison logs a read of each neighbour: a rerun of the page must not.
    from planner.store import access_log

    resident, _project, _own, neighbours = _neighbourhood(store, 10)

    def reads():
        return len(access_log(store, neighbours[0].id))

    at = _app(resident, "fr")
    assert reads() == 1
    at.run()
    at.switch_page("app_pages/rooftop_map.py").run()
    at.switch_page(PAGE).run()
    assert reads() == 1
    next(b for b in at.button if str(b.key).startswith("compare_refresh_")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert reads() == 2


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_mon_foyer_shows_the_same_comparison(store, lang):
    # The issue asks for it on Mon foyer; Mes données shows the same section.
    resident, project, own, _ = _neighbourhood(store, 10)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    at.session_state[_state.ACCOUNT] = resident
    at.run()
    at.switch_page("app_pages/my_home.py").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = compare_household(
        own, neighbourhood_curves(store, resident.id, project.id), DEFAULT_RULES
    )
    median = expected.annual.table.loc["year"].iloc[1]
    assert _metrics(at)[t("compare.median_year", lang)] == t(
        "compare.kwh", lang, kwh=number(median, lang)
    )
    markdown = [m.value for m in at.markdown]
    for sentence in comparison_sentences(expected, lang):
        assert sentence in markdown
    assert leaks(at, lang) == []
