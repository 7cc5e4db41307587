"""Households, their consumption, and the flows of a collective project. No Streamlit."""

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
from planner.flows import EnergyFlows, flows
from planner.load_shapes import (
    daily_heatmap,
    month_starts,
    monthly_energy,
    typical_days,
    weekly_heatmap,
)
from planner.profile import ProfileReport, to_typical_year
from planner.sizing import Recommendation, recommend, sweep_planes, sweep_scaling

__all__ = [
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
    "ProfileReport",
    "QualityReport",
    "QualityRules",
    "daily_heatmap",
    "month_starts",
    "estimate_profile",
    "flows",
    "inspect_consumption",
    "monthly_energy",
    "read_consumption",
    "to_typical_year",
    "typical_days",
    "weekly_heatmap",
]
