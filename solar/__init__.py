"""Weather sources and PV simulation with pvlib. No Streamlit here."""

from solar.engine import MOUNTINGS, PlaneYield, PVParams, modelchain_ac_kw, simulate_planes
from solar.pvgis import WeatherUnavailable, get_pvgis_weather, weather_for_site
from solar.resample import energy_kwh, to_settlement_step
from solar.rooftop import (
    RooftopSimulation,
    RooftopYield,
    SuitabilityParams,
    apply_suitability,
    planes_energy,
    simulate_rooftop_planes,
    simulate_rooftops,
    summarise,
)
from solar.shading import (
    apply_horizon,
    beam_visible,
    horizon_array,
    shading_loss_percent,
    sky_view_fraction,
)
from solar.synthetic_weather import ClimateNormals, load_climate_normals, synthetic_year
from solar.typical_year import TIMEZONE, TYPICAL_YEAR, typical_year_index
from solar.weather_files import (
    WeatherSummary,
    inspect_weather,
    read_weather_file,
    weather_summary,
)

__all__ = [
    "MOUNTINGS",
    "TIMEZONE",
    "TYPICAL_YEAR",
    "ClimateNormals",
    "PVParams",
    "PlaneYield",
    "RooftopSimulation",
    "RooftopYield",
    "SuitabilityParams",
    "WeatherSummary",
    "WeatherUnavailable",
    "apply_horizon",
    "apply_suitability",
    "beam_visible",
    "energy_kwh",
    "get_pvgis_weather",
    "horizon_array",
    "inspect_weather",
    "load_climate_normals",
    "modelchain_ac_kw",
    "planes_energy",
    "read_weather_file",
    "shading_loss_percent",
    "simulate_planes",
    "simulate_rooftop_planes",
    "simulate_rooftops",
    "sky_view_fraction",
    "summarise",
    "synthetic_year",
    "to_settlement_step",
    "typical_year_index",
    "weather_for_site",
    "weather_summary",
]
