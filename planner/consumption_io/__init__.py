"""Household consumption readers: Enedis exports, Data Connect JSON, CSV, Home Assistant.

Every reader returns ``(energy, meta)``: energy per interval [kWh] on a regular
Europe/Paris index whose labels mark interval STARTS, gaps as NaN, and a
metadata dict whose ``report`` is a :class:`QualityReport`.
"""

from planner.consumption_io.data_connect import read_data_connect_2026, read_data_connect_v5
from planner.consumption_io.enedis_csv import read_enedis_daily_index, read_enedis_load_curve
from planner.consumption_io.generic_csv import read_generic_csv
from planner.consumption_io.home_assistant import read_home_assistant
from planner.consumption_io.quality import ENERGY_NAME, QualityReport, QualityRules
from planner.consumption_io.reader import (
    FORMATS,
    detect_format,
    inspect_consumption,
    read_consumption,
)

__all__ = [
    "ENERGY_NAME",
    "FORMATS",
    "QualityReport",
    "QualityRules",
    "detect_format",
    "inspect_consumption",
    "read_consumption",
    "read_data_connect_2026",
    "read_data_connect_v5",
    "read_enedis_daily_index",
    "read_enedis_load_curve",
    "read_generic_csv",
    "read_home_assistant",
]
