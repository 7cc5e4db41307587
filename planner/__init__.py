"""The rooftop chain, households, their consumption, and the flows of a collective project.

No Streamlit.
"""

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
    "FAST_MODE_PLANES",
    "EnergyFlows",
    "EstimateAssumptions",
    "Household",
    "ProfileReport",
    "QualityReport",
    "QualityRules",
    "RooftopChain",
    "RooftopConfig",
    "RooftopRun",
    "building_energy",
    "daily_heatmap",
    "estimate_profile",
    "flows",
    "inspect_consumption",
    "monthly_energy",
    "read_consumption",
    "site_of",
    "to_typical_year",
    "typical_days",
    "weekly_heatmap",
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
