"""The rooftop chain, households, their consumption, and the flows of a collective project.

No Streamlit.
"""

from planner.allocation import (
    Allocation,
    Battery,
    allocate,
    dispatch_battery,
    read_key_csv,
    round_coefficients,
    write_key_csv,
)
from planner.comparison import (
    Comparison,
    compare_household,
    compare_with_publication,
    comparison_sentences,
)
from planner.consumption_io import (
    QualityReport,
    QualityRules,
    inspect_consumption,
    read_consumption,
)
from planner.economics import (
    EconomicParams,
    Economics,
    capex_eur,
    cash_flows,
    co2_avoided,
    discounted_payback,
    economics,
    household_savings,
    irr,
    irr_with_reason,
    lcoe,
    npv,
    npv_of_sizes,
    simple_payback,
)
from planner.estimate import EstimateAssumptions, Household, estimate_profile
from planner.files import identify_file, kind_message, misplaced
from planner.flexibility import (
    CollectiveGestes,
    FlexibilityRules,
    FlexibleLoad,
    Geste,
    Tariff,
    collective_gestes,
    detect_ev,
    detect_loads,
    detect_water_heater,
    everyone,
    flexible_loads,
    geste,
    gestes,
    grid_prices,
    modelled_loads,
    shift_load,
    solar_window,
)
from planner.flows import EnergyFlows, flows
from planner.legality import (
    DENSITY_CLASSES,
    LegalCheck,
    LegalMessage,
    LegalRules,
    Participant,
    PerimeterCheck,
    PerimeterDrawing,
    PowerCheck,
    check_legality,
    check_perimeter,
    check_power,
    density_class,
    farthest_pair,
    legal_messages,
    message_text,
    perimeter_drawing,
    public_epci,
)
from planner.load_shapes import (
    daily_heatmap,
    month_starts,
    monthly_energy,
    typical_days,
    weekly_heatmap,
)
from planner.privacy import (
    Aggregate,
    Publication,
    ReleaseLog,
    SecrecyRules,
    SecrecyVerdict,
    check_secrecy,
    neighbourhood_annual,
    neighbourhood_monthly,
    neighbourhood_typical_day,
    publish,
    publishable_count,
)
from planner.profile import ProfileReport, heating_bracket, to_typical_year
from planner.roof_share import Households, households_sharing, share_of
from planner.sizing import Recommendation, recommend, sweep_planes, sweep_scaling

__all__ = [
    "DENSITY_CLASSES",
    "FAST_MODE_PLANES",
    "Aggregate",
    "Allocation",
    "Battery",
    "CollectiveGestes",
    "Comparison",
    "EconomicParams",
    "Economics",
    "EnergyFlows",
    "EstimateAssumptions",
    "FlexibilityRules",
    "FlexibleLoad",
    "Geste",
    "Household",
    "Households",
    "LegalCheck",
    "LegalMessage",
    "LegalRules",
    "Participant",
    "PerimeterCheck",
    "PerimeterDrawing",
    "PowerCheck",
    "ProfileReport",
    "Publication",
    "QualityReport",
    "QualityRules",
    "Recommendation",
    "ReleaseLog",
    "RooftopChain",
    "RooftopConfig",
    "RooftopRun",
    "ScreenResult",
    "SecrecyRules",
    "SecrecyVerdict",
    "Tariff",
    "allocate",
    "building_energy",
    "capex_eur",
    "cash_flows",
    "check_legality",
    "check_perimeter",
    "check_power",
    "check_secrecy",
    "co2_avoided",
    "collective_gestes",
    "compare_household",
    "compare_with_publication",
    "comparison_sentences",
    "daily_heatmap",
    "density_class",
    "detect_ev",
    "detect_loads",
    "detect_water_heater",
    "discounted_payback",
    "dispatch_battery",
    "economics",
    "estimate_profile",
    "everyone",
    "farthest_pair",
    "flexible_loads",
    "flows",
    "geste",
    "gestes",
    "grid_prices",
    "heating_bracket",
    "household_savings",
    "households_sharing",
    "identify_file",
    "inspect_consumption",
    "irr",
    "irr_with_reason",
    "kind_message",
    "lcoe",
    "legal_messages",
    "local_cluster",
    "message_text",
    "misplaced",
    "modelled_loads",
    "month_starts",
    "monthly_energy",
    "neighbourhood_annual",
    "neighbourhood_monthly",
    "neighbourhood_typical_day",
    "npv",
    "npv_of_sizes",
    "perimeter_drawing",
    "public_epci",
    "publish",
    "publishable_count",
    "read_consumption",
    "read_key_csv",
    "recommend",
    "round_coefficients",
    "screen_buildings",
    "share_of",
    "shift_load",
    "simple_payback",
    "site_of",
    "solar_window",
    "sweep_planes",
    "sweep_scaling",
    "to_typical_year",
    "typical_days",
    "weekly_heatmap",
    "write_key_csv",
]

# The rooftop chain pulls in geopandas and pvlib: imported on first use, so that
# reading a consumption file (`quartier-solaire inspect`) does not pay for them.
_ROOFTOPS = ("FAST_MODE_PLANES", "RooftopChain", "RooftopConfig", "RooftopRun")
_ROOFTOPS += ("building_energy", "site_of")


# Screening on Dask (planner.screening): imported on first use, like the chain.
_SCREENING = ("ScreenResult", "local_cluster", "screen_buildings")


def __getattr__(name: str):
    if name in _ROOFTOPS:
        from planner import rooftops

        return getattr(rooftops, name)
    if name in _SCREENING:
        from planner import screening

        return getattr(screening, name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
