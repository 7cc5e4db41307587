"""Readers for the JSON that Enedis Data Connect returns to an authorised app.

**Metering Data v5** (``read_data_connect_v5``)::

    {"meter_reading": {"usage_point_id": "...", "start": "2023-01-01", "end": "...",
      "quality": "BRUT",
      "reading_type": {"unit": "W", "measurement_kind": "power", "aggregate": "average"},
      "interval_reading": [{"value": "540", "date": "2023-01-01 00:30:00",
                            "interval_length": "PT30M", "measure_type": "B"}]}}

Values are strings. ``reading_type.unit`` W is the AVERAGE POWER of a load
curve; Wh is a daily consumption (sum over the day). ``date`` is local time
without offset: for a load curve it marks the END of the interval; for daily
data (``P1D``, or a date without a time) it is the day itself (assumption
consistent with the v5 documentation examples, where ``start=2019-05-06`` returns
a reading dated ``2019-05-06``). The object may also come without the
``meter_reading`` wrapper (as some proxies return it).

**"2026" format** (``read_data_connect_2026``): the synchronous measurement API
that replaced v5 in 2026. Its public specification could not be found; this
reader assumes the JSON mirrors the SGE ``ConsultationMesuresDetaillees v3``
response, whose XML is public (consometers/sge-tiers)::

    {"pointId": "...", "periode": {"dateDebut": "...", "dateFin": "..."},
     "grandeur": [{"grandeurMetier": "CONS", "grandeurPhysique": "PA", "unite": "W",
                   "points": [{"v": "1268", "d": "2023-04-01 00:30:00",
                               "p": "PT30M", "n": "B"}]}]}

``v`` is the value (string or number), ``d`` the date (local time without
offset, END of the interval, as in v5; an offset is honoured if present), ``p``
the step (ISO 8601 duration), ``n`` the nature of the point (``B`` raw, other
letters such as ``E`` estimated or ``C`` corrected are counted and reported,
``estimated_points``, info). The object holding ``grandeur`` is found at any
depth. The first ``CONS`` grandeur with unit W (load curve) or Wh (daily energy)
is read. Identical data in both formats give identical series (tested).
"""

from __future__ import annotations

import json
import os
import re
from typing import IO, Any

import numpy as np
import pandas as pd

from planner.consumption_io import _rows
from planner.consumption_io._source import Source, load
from planner.consumption_io.quality import (
    DAILY_STEP_MIN,
    QualityRules,
    RawReadings,
    energy_factor,
    finalise,
    normalise_unit,
)
from quartier_solaire.errors import NotRecognised, Problem, ReadError

SOURCE_V5 = "data_connect_v5"
SOURCE_2026 = "data_connect_2026"
_DURATION_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
_RAW_NATURES = {"B", "R", ""}


def parse_duration_min(text: str | None) -> int | None:
    """Return an ISO 8601 duration such as ``PT30M`` or ``P1D`` in minutes [min]."""
    if not text:
        return None
    m = _DURATION_RE.match(str(text).strip().upper())
    if not m or not any(m.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in m.groups())
    return days * 1440 + hours * 60 + minutes


def _json(source: Source) -> Any:
    try:
        return json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise ReadError(
            f"JSON cannot be parsed ({exc.msg})",
            path=source.name,
            line=exc.lineno,
            code="consumption_bad_json",
        ) from None
    except RecursionError:
        # Python's JSON parser recurses once per level: a hostile file nests
        # deeper than the stack allows. Data Connect answers nest 4 levels.
        raise ReadError(
            "JSON nested too deeply to be a Data Connect answer",
            path=source.name,
            code="json_too_deep",
        ) from None


def _find_key(obj: Any, key: str, depth: int = 4) -> dict | None:
    if isinstance(obj, dict):
        if key in obj:
            return obj
        children = obj.values()
    elif isinstance(obj, list):
        children = obj
    else:
        return None
    if depth == 0:
        return None
    for child in children:
        found = _find_key(child, key, depth - 1)
        if found is not None:
            return found
    return None


def _readings(
    dates: list[Any],
    values: list[Any],
    steps: list[Any],
    natures: list[Any],
    *,
    unit: str,
    source: Source,
    fields: tuple[str, str, str],
    problems: list[Problem],
) -> RawReadings:
    n = len(dates)
    if n == 0:
        raise ReadError("no reading in the file", path=source.name, code="consumption_no_readings")
    # JSON has no line numbers: findings point at the 1-based position in the list.
    position = np.arange(1, n + 1, dtype=np.int64)
    date_s = pd.Series(dates, dtype="object").astype(str).str.strip()
    value_s = pd.Series(["" if v is None else str(v) for v in values], dtype="object")
    step_min = pd.Series(steps, dtype="object").map(parse_duration_min)
    daily_mask = (step_min == DAILY_STEP_MIN) | date_s.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    if daily_mask.any() and not daily_mask.all():
        raise ReadError(
            "daily and sub-daily readings mixed in one file; expected one kind",
            path=source.name,
            field=fields[2],
            code="consumption_step_incompatible",
        )
    values_f = _rows.parse_values(value_s, position, source.name, fields[1], decimal_comma=False)
    non_raw = int((~pd.Series(natures, dtype="object").fillna("").isin(_RAW_NATURES)).sum())
    if non_raw:
        problems.append(
            Problem(
                code="consumption_estimated_points",
                message="Some points are not raw measurements (estimated or corrected).",
                severity="info",
                count=non_raw,
            )
        )
    factor, is_power = energy_factor(unit)
    if daily_mask.all():
        if is_power:
            raise ReadError(
                "daily readings must be energy; expected the unit Wh",
                path=source.name,
                field="unit",
                code="consumption_unit_unknown",
            )
        day = date_s.str.slice(0, 10)
        times, failed = _rows.parse_timestamps(day, position, source.name, fields[0], problems)
        _raise_failed(failed, position, source, fields[0])
        return RawReadings(
            start=times,
            energy_kwh=values_f * factor,
            step_min=np.full(n, DAILY_STEP_MIN, dtype=np.int64),
            line=position,
        )
    times, failed = _rows.parse_timestamps(date_s, position, source.name, fields[0], problems)
    _raise_failed(failed, position, source, fields[0])
    raw = _rows.to_readings(
        times, values_f, position, unit=unit, convention="end", declared_step_min=None
    )
    declared = step_min.to_numpy(dtype="float64")
    known = np.isfinite(declared)
    if known.any():
        # The file states each step: use it, energy = power x the stated step.
        steps_arr = np.where(known, declared, raw.step_min).astype(np.int64)
        energy = values_f * factor * (steps_arr / 60.0 if is_power else 1.0)
        start = times - pd.to_timedelta(steps_arr, unit="min")
        raw = RawReadings(start=start, energy_kwh=energy, step_min=steps_arr, line=position)
    return raw


def _raise_failed(failed: np.ndarray, position: np.ndarray, source: Source, field: str) -> None:
    if failed.any():
        raise ReadError(
            "date not understood; expected 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD' "
            f"(reading number {int(position[np.flatnonzero(failed)[0]])})",
            path=source.name,
            field=field,
            code="consumption_bad_timestamp",
        )


def read_data_connect_v5(
    path_or_buffer: str | os.PathLike | IO,
    filename: str | None = None,
    *,
    rules: QualityRules | None = None,
    source: Source | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read a Data Connect Metering Data v5 JSON response.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The JSON document.
    filename : str, optional
        Name shown in messages when reading from a buffer.
    rules : QualityRules, optional
        Thresholds of the quality checks.
    source : Source, optional
        Already decoded text.

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh], labelled at interval START, Europe/Paris.
    meta : dict
        As for every reader, plus ``quality`` and ``period_start``/``period_end``.
    """
    source = source or load(path_or_buffer, filename)
    problems = list(source.problems)
    doc = _json(source)
    reading = _find_key(doc, "interval_reading")
    if reading is None:
        raise NotRecognised("no 'interval_reading' list; not Data Connect v5", path=source.name)
    rtype = reading.get("reading_type")
    rtype = rtype if isinstance(rtype, dict) else {}
    unit = normalise_unit(rtype.get("unit"))
    if unit is None:
        raise ReadError(
            "unit not understood; expected W (load curve) or Wh (daily)",
            path=source.name,
            field="reading_type.unit",
            code="consumption_unit_unknown",
        )
    items = reading.get("interval_reading") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ReadError(
            "'interval_reading' must be a list of objects",
            path=source.name,
            field="interval_reading",
            code="consumption_wrong_layout",
        )
    raw = _readings(
        [i.get("date") for i in items],
        [i.get("value") for i in items],
        [i.get("interval_length") for i in items],
        [i.get("measure_type") for i in items],
        unit=unit,
        source=source,
        fields=("interval_reading.date", "interval_reading.value", "interval_length"),
        problems=problems,
    )
    return finalise(
        raw,
        source=SOURCE_V5,
        meter_id=reading.get("usage_point_id"),
        unit_in_file=unit,
        problems=problems,
        path=source.name,
        rules=rules,
        extra_meta={
            "quality": reading.get("quality"),
            "period_start": reading.get("start"),
            "period_end": reading.get("end"),
        },
    )


def read_data_connect_2026(
    path_or_buffer: str | os.PathLike | IO,
    filename: str | None = None,
    *,
    rules: QualityRules | None = None,
    source: Source | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read a Data Connect 2026 (``grandeur[].points[{v, d, p, n}]``) JSON response.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The JSON document.
    filename : str, optional
        Name shown in messages when reading from a buffer.
    rules : QualityRules, optional
        Thresholds of the quality checks.
    source : Source, optional
        Already decoded text.

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh], labelled at interval START, Europe/Paris.
    meta : dict
        As for every reader, plus ``period_start``/``period_end``.
    """
    source = source or load(path_or_buffer, filename)
    problems = list(source.problems)
    doc = _json(source)
    holder = _find_key(doc, "grandeur")
    if holder is None:
        raise NotRecognised("no 'grandeur' list; not Data Connect 2026", path=source.name)
    grandeurs = holder["grandeur"]
    if isinstance(grandeurs, dict):
        grandeurs = [grandeurs]
    cons = [
        g
        for g in grandeurs
        if isinstance(g, dict) and str(g.get("grandeurMetier", "CONS")).upper() == "CONS"
    ]
    if not cons:
        raise ReadError(
            "no consumption ('CONS') grandeur; the file holds production only",
            path=source.name,
            field="grandeur.grandeurMetier",
            code="consumption_not_consumption",
        )
    usable = [g for g in cons if normalise_unit(g.get("unite")) is not None]
    if not usable:
        raise ReadError(
            "unit not understood; expected W (load curve) or Wh (daily)",
            path=source.name,
            field="grandeur.unite",
            code="consumption_unit_unknown",
        )
    grandeur = usable[0]
    if len(grandeurs) > 1:
        problems.append(
            Problem(
                code="consumption_extra_blocks_ignored",
                message="Only the first consumption grandeur was read.",
                severity="info",
                count=len(grandeurs) - 1,
            )
        )
    unit = normalise_unit(grandeur.get("unite"))
    points = grandeur.get("points") or []
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        raise ReadError(
            "'points' must be a list of objects",
            path=source.name,
            field="grandeur.points",
            code="consumption_wrong_layout",
        )
    raw = _readings(
        [p.get("d") for p in points],
        [p.get("v") for p in points],
        [p.get("p") for p in points],
        [p.get("n") for p in points],
        unit=unit,
        source=source,
        fields=("points.d", "points.v", "points.p"),
        problems=problems,
    )
    periode = holder.get("periode") or {}
    meter = holder.get("pointId") or holder.get("point_id") or holder.get("usage_point_id")
    return finalise(
        raw,
        source=SOURCE_2026,
        meter_id=meter,
        unit_in_file=unit,
        problems=problems,
        path=source.name,
        rules=rules,
        extra_meta={
            "period_start": periode.get("dateDebut"),
            "period_end": periode.get("dateFin"),
        },
    )


def sniff(text: str) -> str | None:
    """Return the Data Connect kind of a JSON text, or None."""
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return None
    if '"interval_reading"' in text:
        return SOURCE_V5
    if '"grandeur"' in text and '"points"' in text:
        return SOURCE_2026
    return None
