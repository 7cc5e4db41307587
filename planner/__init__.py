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
from planner.comparison import Comparison, compare_household, comparison_sentences
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
)
from planner.profile import ProfileReport, heating_bracket, to_typical_year
from planner.roof_share import Households, households_sharing, share_of
from planner.sizing import Recommendation, recommend, sweep_planes, sweep_scaling

__all__ = [
    # legal: is the collective project legal? (planner/legality.py)
    "DENSITY_CLASSES",
    "LegalCheck",
    "LegalMessage",
    "LegalRules",
    "Participant",
    "PerimeterCheck",
    "PerimeterDrawing",
    "PowerCheck",
    "check_legality",
    "check_perimeter",
    "check_power",
    "density_class",
    "farthest_pair",
    "legal_messages",
    "message_text",
    "perimeter_drawing",
    "public_epci",
    # privacy: statistical secrecy and comparison with the neighbourhood
    "Aggregate",
    "Comparison",
    "Publication",
    "ReleaseLog",
    "SecrecyRules",
    "SecrecyVerdict",
    "check_secrecy",
    "compare_household",
    "neighbourhood_annual",
    "neighbourhood_monthly",
    "neighbourhood_typical_day",
    "publish",
    "comparison_sentences",
    # econ: economics, carbon and sizing
    "EconomicParams",
    "Economics",
    "Recommendation",
    "capex_eur",
    "cash_flows",
    "co2_avoided",
    "discounted_payback",
    "economics",
    "household_savings",
    "irr",
    "irr_with_reason",
    "lcoe",
    "npv",
    "npv_of_sizes",
    "recommend",
    "simple_payback",
    "sweep_planes",
    "sweep_scaling",
    "FAST_MODE_PLANES",
    "Allocation",
    "Battery",
    "EnergyFlows",
    "EstimateAssumptions",
    "Household",
    "Households",
    "ProfileReport",
    "QualityReport",
    "QualityRules",
    "RooftopChain",
    "RooftopConfig",
    "RooftopRun",
    "building_energy",
    "allocate",
    "daily_heatmap",
    "dispatch_battery",
    "estimate_profile",
    "month_starts",
    "flows",
    "heating_bracket",
    "households_sharing",
    "identify_file",
    "inspect_consumption",
    "kind_message",
    "misplaced",
    "monthly_energy",
    "read_consumption",
    "share_of",
    "site_of",
    "read_key_csv",
    "round_coefficients",
    "to_typical_year",
    "typical_days",
    "weekly_heatmap",
    "write_key_csv",
]

# The rooftop chain pulls in geopandas and pvlib: imported on first use, so that
# reading a consumption file (`quartier-solaire inspect`) does not pay for them.
_ROOFTOPS = ("FAST_MODE_PLANES", "RooftopChain", "RooftopConfig", "RooftopRun")
_ROOFTOPS += ("building_energy", "site_of")


def __getattr__(name: str):
    if name in _ROOFTOPS:
        from planner import rooftops

        return getattr(rooftops, name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
