"""The figures a page shows are the model's figures, computed on the same demo data.

Each page test renders the page with AppTest, reads what the user sees (metric
values, table cells, in French typography) and compares it with the domain
run outside Streamlit on the same inputs. A page that showed GWh 1,000 times
too large, one rate in the other's box, or kWp in the kWh column fails here.
"""

import re
from functools import cache

import numpy as np
import pandas as pd
import pvlib
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _state
from geodata.demo import DEMO_SITE, demo_buildings
from geodata.roofs import RoofParams, roof_planes
from geodata.shading import ShadingParams, horizon_profiles
from planner.estimate import (
    COOKINGS,
    DEFAULT_OFFPEAK_WINDOWS,
    DWELLINGS,
    WATER_HEATERS,
    Household,
    estimate_profile,
)
from planner.flows import flows
from quartier_solaire.i18n import t
from solar.engine import PVParams
from solar.pvgis import weather_for_site
from solar.rooftop import SuitabilityParams, planes_energy, simulate_rooftops
from solar.typical_year import TIMEZONE
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120


def parse_number(text: str) -> float:
    """Read a displayed number: "2 147,86 GWh/an", "94 %", "1,234.5 kWh/yr" -> float.

    French uses narrow no-break spaces between thousands and a decimal comma;
    English uses commas between thousands and a decimal point.
    """
    match = re.search(r"-?[\d\u202f\u00a0 ,.]*\d", text)
    assert match, f"no number in {text!r}"
    digits = match.group(0).replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if "," in digits and "." not in digits and re.search(r",\d{1,2}$|,\d{4,}$", digits):
        digits = digits.replace(",", ".")  # French decimal comma
    elif "," in digits and "." not in digits and not re.fullmatch(r"-?\d{1,3}(,\d{3})+", digits):
        digits = digits.replace(",", ".")
    else:
        digits = digits.replace(",", "")
    return float(digits)


def test_parse_number_reads_both_typographies():
    assert parse_number("2\u202f147,86 GWh/an") == pytest.approx(2147.86)
    assert parse_number("94\u202f%") == 94
    assert parse_number("1,234.5 kWh/yr") == pytest.approx(1234.5)
    assert parse_number("1\u202f234 kWc") == 1234
    assert parse_number("0,5") == 0.5


# --- the domain, on the page's default inputs ------------------------------------
# One place to switch when the rooftop chain (planner.rooftops) replaces the steps.


def _location() -> pvlib.location.Location:
    return pvlib.location.Location(
        DEMO_SITE["latitude"],
        DEMO_SITE["longitude"],
        tz=TIMEZONE,
        altitude=DEMO_SITE["altitude"],
        name=DEMO_SITE["name"],
    )


@cache
def _weather() -> pd.DataFrame:
    site = _location()
    return weather_for_site(round(site.latitude, 4), round(site.longitude, 4), "synthetic")[0]


@cache
def _horizons():
    buildings = demo_buildings()
    planes = roof_planes(buildings, RoofParams())
    shading = ShadingParams()
    profiles = horizon_profiles(
        planes, buildings, radius_m=shading.radius_m, sector_deg=shading.sector_deg
    )
    return planes.set_index("plane_id"), np.asarray(profiles), shading.sector_deg


@cache
def expected_rooftops():
    """The rooftop result the map page should show (default assumptions, demo, embedded year)."""
    planes, horizon, sector = _horizons()
    return simulate_rooftops(
        pd.DataFrame(planes.drop(columns="geometry")),
        _weather(),
        _location(),
        PVParams(),
        SuitabilityParams(),
        horizon=horizon,
        sector_deg=sector,
    )


def expected_household_share(building_id: str, households: int | None = None) -> pd.Series:
    """One household's share of a building's production, as Mon foyer compares it.

    ``households``: how many share the roof; None for the page's default.
    """
    from geodata.demo import demo_buildings
    from planner.roof_share import footprint_m2, households_sharing, share_of

    production = expected_building_energy(building_id)
    buildings = demo_buildings()
    row = buildings.loc[buildings["id"] == building_id].iloc[0]
    sharing = households_sharing(
        row, footprint_m2(expected_rooftops().planes, building_id), float(production.sum())
    )
    return share_of(production, households or sharing.count)


def expected_building_energy(building_id: str) -> pd.Series:
    """What a building's suitable planes produce per half-hour [kWh], as Mon foyer uses it."""
    result = expected_rooftops()
    planes, horizon, sector = _horizons()
    chosen = result.planes[
        (result.planes["building_id"] == building_id) & result.planes["suitable"]
    ]
    rows = planes.index.get_indexer(chosen.index)
    return planes_energy(
        chosen, _weather(), _location(), PVParams(), horizon=horizon[rows], sector_deg=sector
    )


# --- helpers on the rendered page ------------------------------------------------


def _app(lang="fr"):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    return at


def _metric(at, key, lang="fr"):
    label = t(key, lang)
    return next(m.value for m in at.metric if m.label == label)


def _building():
    """A building of the demo with several planes, at least one suitable."""
    planes = expected_rooftops().planes
    counts = planes.groupby("building_id")["suitable"].agg(["size", "sum"])
    return str(counts[(counts["size"] >= 2) & (counts["sum"] >= 1)].index[0])


@pytest.fixture(scope="module")
def rooftop_page():
    at = _app()
    at.run()
    at.session_state[_state.SELECTED_BUILDING] = _building()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_map_headline_figures_are_the_models(rooftop_page):
    summary = expected_rooftops().summary()
    at = rooftop_page
    assert parse_number(_metric(at, "summary.buildings")) == summary["buildings"]
    assert parse_number(_metric(at, "summary.suitable_kwp")) == pytest.approx(
        summary["suitable_kwp"], abs=0.5
    )
    assert "GWh/an" in _metric(at, "summary.gwh")
    assert parse_number(_metric(at, "summary.gwh")) == pytest.approx(
        summary["suitable_gwh_per_year"], abs=0.005
    )
    assert parse_number(_metric(at, "summary.suitable_share")) == pytest.approx(
        100 * summary["suitable_share"], abs=0.5
    )


def test_map_plane_table_columns_are_the_models(rooftop_page):
    building = _building()
    planes = expected_rooftops().planes
    planes = planes.loc[planes["building_id"] == building]
    table = rooftop_page.dataframe[0].value
    assert len(table) == len(planes)
    for key, column, tolerance in (
        ("details.col.tilt", "surface_tilt", 0.5),
        ("details.col.azimuth", "surface_azimuth", 0.5),
        ("details.col.kwp", "kwp", 0.005),
        ("details.col.annual", "annual_kwh", 0.5),
        ("details.col.shading", "shading_loss_percent", 0.05),
    ):
        shown = pd.to_numeric(table[t(key, "fr")]).to_numpy()
        np.testing.assert_allclose(shown, planes[column].to_numpy(), atol=tolerance, err_msg=key)


def test_map_building_totals_are_the_models(rooftop_page):
    totals = expected_rooftops().buildings.loc[_building()]
    text = " ".join(m.value for m in rooftop_page.markdown)
    kwp = t("unit.kwp", "fr", value="").strip()
    kwh = t("unit.kwh_per_year", "fr", value="").strip()
    shown_kwp = re.search(r"([\d\u202f,]+) " + re.escape(kwp), text).group(1)
    shown_kwh = re.search(r"([\d\u202f,]+) " + re.escape(kwh), text).group(1)
    assert parse_number(shown_kwp) == pytest.approx(totals["suitable_kwp"], abs=0.05)
    assert parse_number(shown_kwh) == pytest.approx(totals["suitable_annual_kwh"], abs=0.5)


# --- Mon foyer ----------------------------------------------------------------------

ANNUAL_KWH = 4500.0
HEATING = "electric_direct"


def test_my_home_coverage_rates_are_the_flows():
    building = _building()
    at = _app()
    at.run()
    at.switch_page("app_pages/my_home.py")
    at.run()
    at.radio(key=_state.HOME_MODE).set_value("estimate").run()
    at.number_input(key=_state.HOUSEHOLD["annual_kwh"]).set_value(ANNUAL_KWH).run()
    at.selectbox(key=_state.HOUSEHOLD["heating"]).set_value(HEATING).run()
    at.session_state[_state.HOME_BUILDING] = building
    at.run()
    # The whole roof for one household: production well above consumption, so
    # the two rates differ and their boxes can be told apart.
    at.number_input(key=_state.households_key(building)).set_value(1).run()
    assert not at.exception, [e.value for e in at.exception]

    household = Household(
        annual_kwh=ANNUAL_KWH,
        dwelling=DWELLINGS[0],
        floor_area_m2=None,
        occupants=None,
        heating=HEATING,
        water_heater=WATER_HEATERS[0],
        offpeak_windows=DEFAULT_OFFPEAK_WINDOWS,
        ev_km_per_year=0.0,
        cooking=COOKINGS[0],
    )
    energy, _ = estimate_profile(household, _weather()["temp_air"], step="30min")
    totals, _ = flows(expected_household_share(building, households=1), energy)
    assert abs(totals.self_production_rate - totals.self_consumption_rate) > 0.02, (
        "the two rates must differ for this test to tell their boxes apart"
    )
    assert parse_number(_metric(at, "home.roof_production")) == pytest.approx(
        totals.prod_kwh, abs=0.5
    )
    assert parse_number(_metric(at, "home.self_production")) == pytest.approx(
        100 * totals.self_production_rate, abs=0.5
    )
    assert parse_number(_metric(at, "home.self_consumption")) == pytest.approx(
        100 * totals.self_consumption_rate, abs=0.5
    )


def test_my_home_rates_with_an_uploaded_curve_are_the_flows():
    from planner.consumption_io import read_consumption
    from planner.profile import to_typical_year

    curve = ROOT / "tests" / "data" / "consumption" / "enedis_load_curve_30min.csv"
    building = _building()
    at = _app()
    at.run()
    at.switch_page("app_pages/my_home.py")
    at.run()
    at.file_uploader(key=_state.home_upload_key()).set_value(
        (curve.name, curve.read_bytes(), "text/csv")
    ).run()
    at.session_state[_state.HOME_BUILDING] = building
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    series, _ = read_consumption(curve)
    energy, _ = to_typical_year(series, "30min")
    totals, _ = flows(expected_household_share(building), energy)
    assert parse_number(_metric(at, "home.roof_share")) == pytest.approx(totals.prod_kwh, abs=0.5)
    assert parse_number(_metric(at, "home.self_production")) == pytest.approx(
        100 * totals.self_production_rate, abs=0.5
    )
    assert parse_number(_metric(at, "home.self_consumption")) == pytest.approx(
        100 * totals.self_consumption_rate, abs=0.5
    )
