"""Households, their consumption, and the flows of a collective project. No Streamlit."""

from planner.allocation import (
    Allocation,
    Battery,
    allocate,
    dispatch_battery,
    read_key_csv,
    round_coefficients,
    write_key_csv,
)
from planner.consumption_io import (
    QualityReport,
    QualityRules,
    inspect_consumption,
    read_consumption,
)
from planner.estimate import EstimateAssumptions, Household, estimate_profile
from planner.flows import EnergyFlows, flows
from planner.load_shapes import daily_heatmap, monthly_energy, typical_days, weekly_heatmap
from planner.profile import ProfileReport, to_typical_year

__all__ = [
    "Allocation",
    "Battery",
    "EnergyFlows",
    "EstimateAssumptions",
    "Household",
    "ProfileReport",
    "QualityReport",
    "QualityRules",
    "allocate",
    "daily_heatmap",
    "dispatch_battery",
    "estimate_profile",
    "flows",
    "inspect_consumption",
    "monthly_energy",
    "read_consumption",
    "read_key_csv",
    "round_coefficients",
    "to_typical_year",
    "typical_days",
    "weekly_heatmap",
    "write_key_csv",
]
