"""Households, their consumption, and the flows of a collective project. No Streamlit."""

from planner.consumption_io import (
    QualityReport,
    QualityRules,
    inspect_consumption,
    read_consumption,
)
from planner.estimate import EstimateAssumptions, Household, estimate_profile
from planner.files import identify_file, kind_message, misplaced
from planner.flows import EnergyFlows, flows
from planner.load_shapes import daily_heatmap, monthly_energy, typical_days, weekly_heatmap
from planner.profile import ProfileReport, to_typical_year

__all__ = [
    "EnergyFlows",
    "EstimateAssumptions",
    "Household",
    "ProfileReport",
    "QualityReport",
    "QualityRules",
    "daily_heatmap",
    "estimate_profile",
    "flows",
    "identify_file",
    "inspect_consumption",
    "kind_message",
    "misplaced",
    "monthly_energy",
    "read_consumption",
    "to_typical_year",
    "typical_days",
    "weekly_heatmap",
]
