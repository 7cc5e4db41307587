"""Mon foyer in AppTest: forgetting forgets, and the figures shown are the model's."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _state
from geodata.demo import DEMO_SITE
from planner.consumption_io import read_consumption
from planner.estimate import DEFAULT_OFFPEAK_WINDOWS, format_offpeak_windows
from planner.flows import flows
from planner.profile import heating_bracket, to_typical_year
from planner.roof_share import share_of
from quartier_solaire.i18n import number, percent, t
from solar.pvgis import weather_for_site
from tests.app.home_files import TWO_DAYS_DATA_CONNECT, enedis_year_with_gap
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120


def _my_home(lang="fr"):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    at.run()
    at.switch_page("app_pages/my_home.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _key(at, name):
    """The key a personal widget has now (it changes at each 'forget')."""
    generation = (
        at.session_state[_state.HOME_GENERATION]
        if _state.HOME_GENERATION in at.session_state
        else 0
    )
    return name if generation == 0 else f"{name}_{generation}"


def _household(at, field):
    return _key(at, _state.HOUSEHOLD[field])


def _text(at):
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [m.value for m in at.metric]
    return " ".join(parts)


TYPED = {"annual_kwh": 12345.0, "floor_area_m2": 87.0, "occupants": 4, "ev_km_per_year": 7000.0}


def test_forget_resets_every_personal_widget_and_nothing_comes_back():
    at = _my_home()
    at.radio(key=_state.HOME_MODE).set_value("estimate").run()
    for field, value in TYPED.items():
        at.number_input(key=_household(at, field)).set_value(value).run()
    at.selectbox(key=_household(at, "heating")).set_value("electric_direct").run()
    at.text_input(key=_key(at, _state.HOME_OFFPEAK)).set_value("22h-6h").run()
    at.session_state[_state.HOME_BUILDING] = "a-building"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "12\u202f345" in _text(at)

    at.button(key=_state.HOME_FORGET).click().run()
    assert not at.exception, [e.value for e in at.exception]
    for field in ("annual_kwh", "floor_area_m2", "occupants"):
        assert at.number_input(key=_household(at, field)).value is None, field
    assert at.number_input(key=_household(at, "ev_km_per_year")).value == 0.0
    assert at.selectbox(key=_household(at, "heating")).value == "other"
    default_offpeak = format_offpeak_windows(DEFAULT_OFFPEAK_WINDOWS)
    assert at.text_input(key=_key(at, _state.HOME_OFFPEAK)).value == default_offpeak
    assert at.session_state[_state.HOME_BUILDING] is None
    assert _state.HOME_PROFILE not in at.session_state
    for key in _state.HOUSEHOLD.values():
        assert key not in at.session_state

    # A new interaction elsewhere brings none of the typed values back.
    at.selectbox(key=_household(at, "dwelling")).set_value("house").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key=_household(at, "annual_kwh")).value is None
    assert at.number_input(key=_household(at, "occupants")).value is None
    text = _text(at)
    assert "12\u202f345" not in text
    assert at.session_state[_state.HOME_BUILDING] is None


def _upload(at, path, name):
    at.file_uploader(key=_key(at, _state.HOME_UPLOAD)).upload(name, path.read_bytes()).run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_measured_year_shows_what_was_measured_then_the_typical_year(tmp_path):
    path = enedis_year_with_gap(tmp_path / "conso.csv")
    series, _ = read_consumption(path)
    profile, report = to_typical_year(series, "30min")
    at = _my_home()
    _upload(at, path, "conso.csv")
    markdown = [m.value for m in at.markdown]
    measured = next(m for m in markdown if m.startswith("**Mesuré par votre fichier"))
    assert f"{number(report.measured_kwh, 'fr', decimals=1)} kWh" in measured
    assert "du 01/01/2023 au 31/12/2023" in measured
    assert "350 jours avec des mesures" in measured
    assert percent(report.coverage, "fr") in measured
    typical = next(m for m in markdown if m.startswith("**Sur l'année type"))
    assert f"{number(profile.sum(), 'fr')} kWh/an" in typical
    # One source for the counts: 350 measured + 15 borrowed + 0 extrapolated = 365,
    # and the finding about borrowed days says the same 15.
    how = next(m for m in markdown if m.startswith("Comment l'année type"))
    assert "350 jours viennent du même jour" in how
    assert "15 jours d'une semaine voisine" in how
    assert "0 jours sont extrapolés" in how
    assert any("15 jour(s) de l'année type viennent d'une semaine voisine" in m for m in markdown)
    assert not at.warning, "a measured year is no extrapolation"


def test_two_days_say_the_year_is_an_extrapolation():
    at = _my_home()
    _upload(at, TWO_DAYS_DATA_CONNECT, "two_days.json")
    measured = next(m.value for m in at.markdown if "Mesuré par votre fichier" in m.value)
    assert "71,5 kWh" in measured and "du 14/01/2025 au 15/01/2025" in measured
    warning = " ".join(w.value for w in at.warning)
    assert "extrapolation à partir de 2 jour(s) mesuré(s)" in warning
    assert "très incertain" in warning
    # The range is the domain's, on the page's weather (the embedded year of the demo site).
    series, _ = read_consumption(TWO_DAYS_DATA_CONNECT)
    weather, _ = weather_for_site(DEMO_SITE["latitude"], DEMO_SITE["longitude"])
    low, high = heating_bracket(series, weather["temp_air"], "30min")
    assert f"entre {number(low, 'fr')} et {number(high, 'fr')} kWh/an" in warning
    assert low < high


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_measured_figures_in_both_languages(lang):
    at = _my_home(lang)
    _upload(at, TWO_DAYS_DATA_CONNECT, "two_days.json")
    text = _text(at)
    assert ("Mesuré par votre fichier" in text) == (lang == "fr")
    assert ("Measured by your file" in text) == (lang == "en")


def _solar_year(annual_kwh):
    """A roof's half-hourly production on the typical year: daylight only, summer high."""
    from solar.typical_year import typical_year_index

    grid = typical_year_index("30min")
    hour = grid.hour + grid.minute / 60
    day = np.clip(np.sin(np.pi * (hour - 6) / 14), 0, None)
    season = 1 + 0.5 * np.cos(2 * np.pi * (grid.day_of_year - 172) / 365)
    shape = np.asarray(day * season)
    return pd.Series(annual_kwh * shape / shape.sum(), index=grid)


@pytest.fixture
def roof_and_meter(monkeypatch, tmp_path):
    """The page with a known roof production and a measured year, both in the model."""
    from app_pages import _cache

    production = _solar_year(60_000.0)
    monkeypatch.setattr(_cache, "building_energy", lambda *a, **k: production)
    path = enedis_year_with_gap(tmp_path / "conso.csv")
    energy, _ = to_typical_year(read_consumption(path)[0], "30min")
    at = _my_home()
    _upload(at, path, "conso.csv")
    return at, production, energy


def _shown_against_flows(at, production, households, energy, label):
    totals, _ = flows(share_of(production, households), energy)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[label] == t("unit.kwh_per_year", "fr", value=number(totals.prod_kwh, "fr"))
    assert metrics["Ma consommation couverte"] == percent(totals.self_production_rate, "fr")
    assert metrics["Production consommée sur place"] == percent(totals.self_consumption_rate, "fr")
    whose = "votre toit" if households == 1 else "votre part du toit"
    sentence = next(m.value for m in at.markdown if m.value.startswith(f"Sur l'année, {whose}"))
    assert f"produirait {percent(totals.prod_kwh / totals.cons_kwh, 'fr')} de ce" in sentence
    assert f"couvrirait {percent(totals.self_production_rate, 'fr')} de votre" in sentence
    return totals


def test_a_flat_is_compared_with_its_share_of_the_blocks_roof(roof_and_meter):
    at, production, energy = roof_and_meter
    at.session_state[_state.HOME_BUILDING] = "apartments-1"  # 34 dwellings in the data
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key=f"{_state.HOME_HOUSEHOLDS}:apartments-1").value == 34
    assert any("le nombre de logements du bâtiment" in c.value for c in at.caption)
    totals = _shown_against_flows(at, production, 34, energy, "Ma part de la production du toit")
    share = next(m.value for m in at.markdown if m.value.startswith("Le toit produit"))
    assert f"partagés entre 34 foyers : **votre part est de {number(totals.prod_kwh, 'fr')}" in (
        share
    )
    # The whole roof would have been 34 times more: the comparison is no longer 1 : building.
    whole, _ = flows(production, energy)
    assert totals.prod_kwh == pytest.approx(whole.prod_kwh / 34)


def test_a_school_is_a_share_the_user_sets(roof_and_meter):
    at, production, energy = roof_and_meter
    at.session_state[_state.HOME_BUILDING] = "school-wing-1"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    key = f"{_state.HOME_HOUSEHOLDS}:school-wing-1"
    default = round(production.sum() / 4400.0)
    assert at.number_input(key=key).value == default
    assert any("n'est pas un logement (école)" in c.value for c in at.caption)
    _shown_against_flows(at, production, default, energy, "Ma part de la production du toit")
    at.number_input(key=key).set_value(5).run()
    assert not at.exception, [e.value for e in at.exception]
    _shown_against_flows(at, production, 5, energy, "Ma part de la production du toit")


def test_a_house_is_compared_with_its_whole_roof(roof_and_meter):
    at, production, energy = roof_and_meter
    at.session_state[_state.HOME_BUILDING] = "terrace-An-01"  # one dwelling in the data
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key=f"{_state.HOME_HOUSEHOLDS}:terrace-An-01").value == 1
    _shown_against_flows(at, production, 1, energy, "Production de mon toit")
    assert any(m.value.startswith("Un seul foyer sous ce toit") for m in at.markdown)
