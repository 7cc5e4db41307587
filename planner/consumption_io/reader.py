"""One entry point that recognises a consumption file from its content.

Detection looks at the decoded text, never at the file name:

- JSON with ``interval_reading`` -> Data Connect v5; with ``grandeur`` and
  ``points`` -> Data Connect 2026; a GeoJSON or any other JSON -> not consumption;
- a ``Identifiant PRM`` preamble or a ``Horodate`` header -> Enedis CSV, daily
  index if an ``EAS T`` column is present, load curve otherwise;
- ``entity_id,state,last_changed`` -> Home Assistant history;
- a two-column header starting with a time column -> generic CSV;
- a file of another kind that the app takes -> ``WrongPlace`` (a
  ``NotRecognised``) saying what it is, so that the page can say where to drop
  it: weather as solar's own detection (:func:`solar.weather_files.sniff_weather`)
  recognises it, buildings by a GeoJSON ``FeatureCollection`` or OSM XML;
- anything else -> ``NotRecognised``.
"""

from __future__ import annotations

import os
import re
from typing import IO, Any

import numpy as np
import pandas as pd

from planner.consumption_io import data_connect, enedis_csv, generic_csv, home_assistant
from planner.consumption_io._source import Source, load
from planner.consumption_io.quality import QualityRules
from quartier_solaire.errors import NotRecognised, WrongPlace
from solar.weather_files import sniff_weather

FORMATS: tuple[str, ...] = (
    enedis_csv.SOURCE_LOAD_CURVE,
    enedis_csv.SOURCE_DAILY_INDEX,
    data_connect.SOURCE_V5,
    data_connect.SOURCE_2026,
    generic_csv.SOURCE,
    home_assistant.SOURCE,
)


def detect_format(source: Source) -> str:
    """Return the format name of decoded text, or raise ``NotRecognised``."""
    text = source.text.lstrip("\ufeff")
    kind = data_connect.sniff(text)
    if kind:
        return kind
    if text.lstrip()[:1] in ("{", "["):
        _refuse_other_kinds(text, source.name)
        raise NotRecognised(
            "JSON without Data Connect readings (a map layer or another document); "
            "not a consumption file",
            path=source.name,
        )
    kind = enedis_csv.sniff(text)
    if kind:
        return kind
    if home_assistant.sniff(text):
        return home_assistant.SOURCE
    if generic_csv.sniff(text):
        return generic_csv.SOURCE
    _refuse_other_kinds(text, source.name)
    raise NotRecognised("not a consumption file of a known format", path=source.name)


_BUILDINGS_MARKS = (
    re.compile(r'"FeatureCollection"'),
    re.compile(r"^\s*(<\?xml[^>]*>\s*)?<osm[\s>]"),
)
_SNIFF_CHARS = 8192


def _refuse_other_kinds(text: str, name: str | None) -> None:
    """Raise WrongPlace if ``text`` is weather or buildings rather than consumption."""
    if sniff_weather(text, name):
        raise WrongPlace("weather", "this file holds weather data, not consumption", path=name)
    head = text[:_SNIFF_CHARS]
    if any(mark.search(head) for mark in _BUILDINGS_MARKS):
        raise WrongPlace("buildings", "this file holds buildings, not consumption", path=name)


def read_consumption(
    path_or_buffer: str | os.PathLike | IO,
    filename: str | None = None,
    *,
    unit: str | None = None,
    timestamp_convention: str | None = None,
    rules: QualityRules | None = None,
    entity_id: str | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read any supported household consumption file.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The file, or an open buffer (an upload).
    filename : str, optional
        Name shown in messages when reading from a buffer.
    unit : {"W", "kW", "Wh", "kWh"}, optional
        Unit of the values, for formats that do not state it (generic CSV,
        Home Assistant); ignored by the Enedis formats, which state theirs.
    timestamp_convention : {"start", "end"}, optional
        For the generic CSV: whether timestamps mark interval starts or ends.
    rules : QualityRules, optional
        Thresholds of the quality checks.
    entity_id : str, optional
        For a Home Assistant export holding several entities.

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh] (float64, ``energy_kwh``), regular tz-aware
        Europe/Paris index marking interval STARTS (``freq`` set), gaps NaN.
    meta : dict
        ``source``, ``meter_id``, ``step_min``, ``start``, ``end``,
        ``unit_in_file`` and ``report`` (a ``QualityReport``).

    Raises
    ------
    quartier_solaire.errors.NotRecognised
        The file is not a consumption file.
    quartier_solaire.errors.ReadError
        The file is a consumption file that cannot be read; names line and field.
    """
    source = load(path_or_buffer, filename)
    kind = detect_format(source)
    if kind == enedis_csv.SOURCE_LOAD_CURVE:
        return enedis_csv.read_enedis_load_curve(None, rules=rules, source=source)
    if kind == enedis_csv.SOURCE_DAILY_INDEX:
        return enedis_csv.read_enedis_daily_index(None, rules=rules, source=source)
    if kind == data_connect.SOURCE_V5:
        return data_connect.read_data_connect_v5(None, rules=rules, source=source)
    if kind == data_connect.SOURCE_2026:
        return data_connect.read_data_connect_2026(None, rules=rules, source=source)
    if kind == home_assistant.SOURCE:
        return home_assistant.read_home_assistant(
            None, unit=unit, entity_id=entity_id, rules=rules, source=source
        )
    return generic_csv.read_generic_csv(
        None,
        unit=unit,
        timestamp_convention=timestamp_convention,
        rules=rules,
        source=source,
    )


def inspect_consumption(path: str | os.PathLike, **kwargs: Any) -> dict[str, Any]:
    """Describe a consumption file for the command line (JSON-serialisable).

    Parameters
    ----------
    path : str or path
        The file.
    **kwargs
        Passed to :func:`read_consumption` (``unit``, ``timestamp_convention``...).

    Returns
    -------
    dict
        ``kind`` ("consumption"), ``format``, ``intervals``,
        ``step_min``, ``energy_kwh`` (total over the intervals with a value),
        ``start``, ``end`` (ISO 8601), ``coverage`` and ``problems`` (list of dicts).

    Raises
    ------
    quartier_solaire.errors.NotRecognised
        If the file is not a consumption file.
    """
    energy, meta = read_consumption(path, **kwargs)
    report = meta["report"]
    total = float(np.nansum(energy.to_numpy()))
    return {
        "kind": "consumption",
        "format": meta["source"],
        "intervals": report.intervals,
        "step_min": meta["step_min"],
        "energy_kwh": round(total, 3),
        "start": pd.Timestamp(meta["start"]).isoformat(),
        "end": pd.Timestamp(meta["end"]).isoformat(),
        "coverage": round(report.coverage, 4),
        "problems": [p.to_dict() for p in report.problems],
    }
