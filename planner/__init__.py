"""Households, their consumption, and the flows of a collective project. No Streamlit."""

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
    "EnergyFlows",
    "EstimateAssumptions",
    "Household",
    "Households",
    "ProfileReport",
    "QualityReport",
    "QualityRules",
    "daily_heatmap",
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
    "to_typical_year",
    "typical_days",
    "weekly_heatmap",
]
