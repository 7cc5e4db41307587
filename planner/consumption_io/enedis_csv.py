"""Readers for the CSV files a resident downloads from the Enedis customer space.

Two exports, both UTF-8 with BOM and ``;``-separated, each made of one or more
blocks; a block is a two-line preamble (field names, then their values) and a
table with its own header line (layout as quoted in public projects that parse
these files, e.g. l-etabli/quoalise ``formalisme/enedis.md``)::

    Identifiant PRM;Type de donnees;Date de debut;Date de fin;...;Unite;Pas en minutes
    00000000000000;Courbe de charge;01/09/2018;21/08/2020;...;W;
    Horodate;Valeur
    2018-12-07T00:10:00+01:00;270

**Load curve** (``read_enedis_load_curve``): ``Horodate`` is ISO 8601 with its
offset and marks the END of the interval; ``Valeur`` is the AVERAGE POWER over
the interval [W], so energy [Wh] = W x step [min] / 60. Empty values are gaps.
``Pas en minutes`` may be empty (it is in real files): the step is then read
from the timestamps (see :func:`planner.consumption_io.quality.infer_steps`).

**Daily index** (``read_enedis_daily_index``): the table header is
``Horodate;Type de releve;EAS F1;...;EAS F10;EAS D1;...;EAS D4;EAS T`` with
cumulative indexes [Wh]; ``EAS T`` is the total register. Assumptions, as the
published layout is only known from examples: the reading of a row is the
index at the local midnight nearest its timestamp (examples show both
``01:00+02:00`` and ``23:00+01:00`` the evening before); the energy of day D is
``EAS T(D+1) - EAS T(D)``; a day whose bracketing readings are not both present
is a gap (no spreading of a two-day difference over two days). Blocks of other
data (maximum power...) in the same file are skipped and reported.

Header spellings are compared without accents and case ("Type de donnees" and
"Type de données" both match). Repairs: a ``,`` separator
(``separator_comma``), a missing preamble (``preamble_missing``: unit taken as
W for a load curve, Wh for indexes, no meter id), extra lines around the
preamble (``preamble_extra_lines``), extra blocks (``extra_blocks_ignored``); blocks of
the same meter, unit and data type (two exports pasted together) are read as
one (``blocks_merged``, info).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
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
from solar.typical_year import TIMEZONE

SOURCE_LOAD_CURVE = "enedis_load_curve"
SOURCE_DAILY_INDEX = "enedis_daily_index"
PREAMBLE_KEY = "identifiant prm"
# Preamble fields (normalised spelling) -> meta keys.
VARIABLE_MAP = {
    "identifiant prm": "meter_id",
    "type de donnees": "data_type",
    "date de debut": "period_start",
    "date de fin": "period_end",
    "grandeur physique": "physical_quantity",
    "grandeur metier": "business_quantity",
    "etape metier": "business_stage",
    "unite": "unit",
    "pas en minutes": "step_min",
}
INDEX_TOTAL_COLUMN = "eas t"


def _norm(text: str) -> str:
    # Accent- and case-insensitive comparison of header spellings.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


@dataclass
class _Block:
    preamble: dict[str, str]
    preamble_line: int | None
    header: list[str]
    header_line: int
    spans: list[_rows.Span]  # where its rows are in the text, read slice by slice


# Lines that may be a preamble or a header: not blank, not starting with a digit
# (data rows start with their date). Found by one scan of the text, without
# splitting a large file into a Python string per line.
_CANDIDATE = re.compile(r"^[ \t\ufeff]*[^\d\s][^\n]*", re.MULTILINE)
_NON_BLANK = re.compile(r"^[^\n]*\S[^\n]*", re.MULTILINE)


def _candidates(text: str) -> list[tuple[int, int, int, str]]:
    """Return (line index, start, end, text) of every candidate line."""
    out, line, pos = [], 0, 0
    for m in _CANDIDATE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.append((line, m.start(), m.end(), m.group().rstrip("\r")))
    return out


def _next_non_blank(text: str, start: int, end: int) -> re.Match | None:
    return _NON_BLANK.search(text, start, end)


def _split_blocks(source: Source, problems: list[Problem]) -> tuple[list[_Block], str]:
    text = source.text
    found = _candidates(text)
    normed = {i: (_norm(line), a, b, line) for i, a, b, line in found}
    pre_idx = [i for i, (n, *_) in normed.items() if n.startswith(PREAMBLE_KEY)]
    head_idx = [i for i, (n, *_) in normed.items() if n.startswith("horodate")]
    if not head_idx:
        raise NotRecognised("no 'Horodate' header line; not an Enedis export", path=source.name)
    sample = normed[pre_idx[0]][3] if pre_idx else normed[head_idx[0]][3]
    if ";" in sample:
        sep = ";"
    elif "," in sample or "\t" in sample:
        sep = "," if "," in sample else "\t"
        problems.append(
            Problem(
                code="consumption_separator_comma" if sep == "," else "consumption_separator_tab",
                message="The file uses another separator than ';' (Enedis format); "
                "it was read with the separator found.",
                severity="repaired",
                line=(pre_idx[0] if pre_idx else head_idx[0]) + 1,
            )
        )
    else:
        sep = ";"
    if not pre_idx:
        problems.append(
            Problem(
                code="consumption_preamble_missing",
                message="The two preamble lines (meter id, unit, step) are missing; "
                "the Enedis defaults were assumed.",
                severity="warning",
                line=1,
            )
        )
    first = min(pre_idx[0] if pre_idx else head_idx[0], head_idx[0])
    if text[: normed[first][1]].strip("\ufeff \t\r\n"):
        problems.append(_extra_lines(1))
    blocks: list[_Block] = []
    starts = sorted(set(pre_idx) | set(head_idx))
    for h in head_idx:
        pre = [p for p in pre_idx if p < h]
        p = pre[-1] if pre else None
        if p is not None and any(b.preamble_line == p + 1 for b in blocks):
            p = None  # a second table under one preamble keeps no preamble
        preamble: dict[str, str] = {}
        h_start, h_end = normed[h][1], normed[h][2]
        if p is not None:
            names = [_norm(x) for x in normed[p][3].split(sep)]
            values = _next_non_blank(text, normed[p][2] + 1, h_start)
            if values is not None:
                preamble = dict(
                    zip(names, [x.strip() for x in values.group().split(sep)], strict=False)
                )
                extra = _next_non_blank(text, values.end() + 1, h_start)
                if extra is not None:
                    line = p + text.count("\n", normed[p][1], extra.start()) + 1
                    problems.append(_extra_lines(line))
        nxt = [s for s in starts if s > h]
        end = normed[nxt[0]][1] if nxt else len(text)
        blocks.append(
            _Block(
                preamble=preamble,
                preamble_line=p + 1 if p is not None else None,
                header=[_norm(x) for x in normed[h][3].split(sep)],
                header_line=h + 1,
                spans=[(min(h_end + 1, end), end, h + 2)],
            )
        )
    used = {b.preamble_line - 1 for b in blocks if b.preamble_line is not None}
    for p in pre_idx:
        if p not in used:
            problems.append(_extra_lines(p + 1))
    return blocks, sep


def _block_rows(text: str, block: _Block) -> tuple[list[str], np.ndarray]:
    """All rows of a block at once (for small tables such as daily indexes)."""
    rows, lines = [], []
    for chunk, chunk_lines, _final in _rows.iter_rows(text, block.spans):
        rows.extend(chunk)
        lines.append(chunk_lines)
    return rows, np.concatenate(lines) if lines else np.array([], dtype=np.int64)


def _extra_lines(line: int) -> Problem:
    return Problem(
        code="consumption_preamble_extra_lines",
        message="Unexpected lines around the preamble were ignored.",
        severity="info",
        line=line,
    )


def _pick(blocks: list[_Block], wanted: str, source: Source, problems: list[Problem]) -> _Block:
    def is_index(b: _Block) -> bool:
        return INDEX_TOTAL_COLUMN in b.header

    def is_curve(b: _Block) -> bool:
        return b.header[:2] == ["horodate", "valeur"] and _norm(
            b.preamble.get("type de donnees", "courbe de charge")
        ).startswith("courbe")

    match = [b for b in blocks if (is_index(b) if wanted == "index" else is_curve(b))]
    if not match:
        what = "an 'EAS T' index column" if wanted == "index" else "a 'Horodate;Valeur' load curve"
        raise ReadError(
            f"no block with {what}",
            path=source.name,
            line=blocks[0].header_line,
            code="consumption_wrong_layout",
        )
    if len(blocks) > len(match):
        problems.append(
            Problem(
                code="consumption_extra_blocks_ignored",
                message="Other blocks of data in the file (not consumption of this kind) "
                "were ignored.",
                severity="info",
                count=len(blocks) - len(match),
            )
        )
    chosen = match[0]
    same = [b for b in match[1:] if _same_series(chosen, b)]
    if same:
        # Two exports pasted into one file (two periods of one meter): read both;
        # overlapping intervals are handled as duplicates.
        chosen = _Block(
            preamble=chosen.preamble,
            preamble_line=chosen.preamble_line,
            header=chosen.header,
            header_line=chosen.header_line,
            spans=[span for b in [chosen, *same] for span in b.spans],
        )
        problems.append(
            Problem(
                code="consumption_blocks_merged",
                message="Several blocks of the same meter and unit were read together.",
                severity="info",
                line=same[0].header_line,
                count=len(same) + 1,
            )
        )
    if len(match) > len(same) + 1:
        problems.append(
            Problem(
                code="consumption_extra_blocks_ignored",
                message="Only the first block of this kind was read.",
                severity="info",
                line=next(b for b in match[1:] if b not in same).header_line,
                count=len(match) - len(same) - 1,
            )
        )
    business = _norm(chosen.preamble.get("grandeur metier", "consommation"))
    if business.startswith("production") or business.startswith("injection"):
        raise ReadError(
            "this export holds production (injection), not consumption",
            path=source.name,
            line=chosen.preamble_line,
            field="Grandeur metier",
            code="consumption_not_consumption",
        )
    return chosen


def _same_series(a: _Block, b: _Block) -> bool:
    # A block without preamble continues the previous table.
    if not b.preamble:
        return a.header == b.header
    keys = ("identifiant prm", "unite", "grandeur metier", "type de donnees")
    return a.header == b.header and all(
        _norm(a.preamble.get(k, "")) == _norm(b.preamble.get(k, "")) for k in keys
    )


def _unit(block: _Block, default: str, source: Source) -> str:
    raw = block.preamble.get("unite")
    if raw is None or not raw.strip():
        return default
    unit = normalise_unit(raw)
    if unit is None:
        raise ReadError(
            "unit not understood; expected W, kW, Wh or kWh",
            path=source.name,
            line=(block.preamble_line or 0) + 1 or None,
            field="Unite",
            code="consumption_unit_unknown",
        )
    return unit


def _declared_step(block: _Block, source: Source) -> int | None:
    raw = block.preamble.get("pas en minutes", "").strip()
    if not raw:
        return None
    try:
        return int(float(raw.replace(",", ".")))
    except (ValueError, OverflowError):  # "abc", "nan", "inf"
        raise ReadError(
            "step not understood; expected a number of minutes",
            path=source.name,
            line=(block.preamble_line or 0) + 1,
            field="Pas en minutes",
            code="consumption_bad_value",
        ) from None


def read_enedis_load_curve(
    path_or_buffer: str | os.PathLike | IO,
    filename: str | None = None,
    *,
    rules: QualityRules | None = None,
    source: Source | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read an Enedis customer-space load curve (courbe de charge) CSV.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The CSV export.
    filename : str, optional
        Name shown in messages when reading from a buffer.
    rules : QualityRules, optional
        Thresholds of the quality checks.
    source : Source, optional
        Already decoded text (used by :func:`read_consumption`).

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh], labelled at interval START, Europe/Paris.
    meta : dict
        See :func:`planner.consumption_io.quality.finalise`; plus ``period_start``,
        ``period_end`` and ``declared_step_min`` from the preamble.
    """
    source = source or load(path_or_buffer, filename)
    problems = list(source.problems)
    blocks, sep = _split_blocks(source, problems)
    block = _pick(blocks, "curve", source, problems)
    unit = _unit(block, "W", source)
    declared = _declared_step(block, source)
    times, values, lines = _rows.read_rows(
        source,
        block.spans,
        sep,
        ("Horodate", "Valeur"),
        problems,
        decimal_comma=sep != ",",
        timestamp_message="date and time not understood; expected ISO 8601 with offset",
    )
    if not len(times):
        raise ReadError(
            "no reading under the 'Horodate;Valeur' header",
            path=source.name,
            line=block.header_line,
            code="consumption_no_readings",
        )
    raw = _rows.to_readings(
        times, values, lines, unit=unit, convention="end", declared_step_min=declared
    )
    del times, values  # a large file's arrays: only the readings go on
    if declared is not None and len(raw.step_min) > 1 and not (raw.step_min == declared).any():
        problems.append(
            Problem(
                code="consumption_step_mismatch",
                message="The step declared in the preamble differs from the step between "
                "timestamps; the timestamps were followed.",
                severity="warning",
                field="Pas en minutes",
                line=(block.preamble_line or 0) + 1,
                params={"declared": declared},
            )
        )
    return finalise(
        raw,
        source=SOURCE_LOAD_CURVE,
        meter_id=block.preamble.get("identifiant prm"),
        unit_in_file=unit,
        problems=problems,
        path=source.name,
        rules=rules,
        extra_meta={
            "period_start": block.preamble.get("date de debut"),
            "period_end": block.preamble.get("date de fin"),
            "declared_step_min": declared,
        },
    )


def read_enedis_daily_index(
    path_or_buffer: str | os.PathLike | IO,
    filename: str | None = None,
    *,
    rules: QualityRules | None = None,
    source: Source | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read an Enedis customer-space daily index export into daily energy.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The CSV export.
    filename : str, optional
        Name shown in messages when reading from a buffer.
    rules : QualityRules, optional
        Thresholds of the quality checks.
    source : Source, optional
        Already decoded text.

    Returns
    -------
    energy : pandas.Series
        Daily energy [kWh] = difference of consecutive ``EAS T`` indexes,
        labelled at local midnight (START of the day), ``freq="D"``.
    meta : dict
        As for every reader; ``step_min`` is 1440.
    """
    source = source or load(path_or_buffer, filename)
    problems = list(source.problems)
    blocks, sep = _split_blocks(source, problems)
    block = _pick(blocks, "index", source, problems)
    unit = _unit(block, "Wh", source)
    factor, is_power = energy_factor(unit)
    if is_power:
        raise ReadError(
            "an index export holds energy; expected the unit Wh or kWh",
            path=source.name,
            line=(block.preamble_line or 0) + 1,
            field="Unite",
            code="consumption_unit_unknown",
        )
    col = block.header.index(INDEX_TOTAL_COLUMN)
    rows, row_lines = _block_rows(source.text, block)
    if not rows:
        raise ReadError(
            "no reading under the index header",
            path=source.name,
            line=block.header_line,
            code="consumption_no_readings",
        )
    parts = pd.Series(rows, dtype="object").str.split(sep, expand=True, regex=False)
    # Short rows (a file cut mid-row) get missing fields as NaN.
    parts = parts.reindex(columns=range(max(len(block.header), parts.shape[1])))
    lines = row_lines
    if parts.shape[1] <= col or parts[col].isna().any():
        short = (
            np.arange(len(parts))
            if parts.shape[1] <= col
            else np.flatnonzero(parts[col].isna().to_numpy())
        )
        last = len(parts) - 1
        if short[0] == last and not source.ends_with_newline:
            problems.append(
                Problem(
                    code="consumption_truncated_last_row",
                    message="The last row is cut short (the file was truncated); it was dropped.",
                    severity="dropped",
                    line=int(lines[last]),
                )
            )
            parts, lines = parts.iloc[:-1], lines[:-1]
        else:
            raise ReadError(
                "row has fewer fields than the header; expected an 'EAS T' value",
                path=source.name,
                line=int(lines[short[0]]),
                field="EAS T",
                code="consumption_bad_row",
            )
    if len(parts) < 2:
        raise ReadError(
            "fewer than two index readings; expected at least two days",
            path=source.name,
            line=block.header_line,
            field="EAS T",
            code="consumption_no_readings",
        )
    parts = parts.astype(object)
    times, failed = _rows.parse_timestamps(
        parts[0].fillna(""), lines, source.name, "Horodate", problems
    )
    if failed.any():
        i = int(np.flatnonzero(failed)[0])
        if i == len(parts) - 1 and not source.ends_with_newline:
            problems.append(
                Problem(
                    code="consumption_truncated_last_row",
                    message="The last row is cut short (the file was truncated); it was dropped.",
                    severity="dropped",
                    line=int(lines[i]),
                )
            )
            parts, lines, times = parts.iloc[:-1], lines[:-1], times[:-1]
        else:
            raise ReadError(
                "date and time not understood; expected ISO 8601 with offset",
                path=source.name,
                line=int(lines[i]),
                field="Horodate",
                code="consumption_bad_timestamp",
            )
    index_wh = _rows.parse_values(
        parts[col].fillna(""), lines, source.name, "EAS T", decimal_comma=sep != ","
    )
    # Index at the nearest local midnight (see module notes).
    local = times.tz_convert(TIMEZONE)
    midnight = (local + pd.Timedelta(hours=12)).normalize()
    order = np.argsort(midnight.asi8, kind="stable")
    midnight, index_wh, lines = midnight[order], index_wh[order], lines[order]
    if len(midnight) < 2:
        raise ReadError(
            "one index reading gives no consumption; expected at least two days",
            path=source.name,
            line=int(lines[0]),
            field="EAS T",
            code="consumption_no_readings",
        )
    next_day = (midnight[:-1] + pd.DateOffset(days=1)).normalize()
    consecutive = next_day == midnight[1:]
    energy = np.diff(index_wh) * factor
    raw = RawReadings(
        start=midnight[:-1][consecutive],
        energy_kwh=energy[consecutive],
        step_min=np.full(int(consecutive.sum()), DAILY_STEP_MIN, dtype=np.int64),
        line=lines[:-1][consecutive],
    )
    return finalise(
        raw,
        source=SOURCE_DAILY_INDEX,
        meter_id=block.preamble.get("identifiant prm"),
        unit_in_file=unit,
        problems=problems,
        path=source.name,
        rules=rules,
        extra_meta={
            "period_start": block.preamble.get("date de debut"),
            "period_end": block.preamble.get("date de fin"),
        },
    )


def sniff(text: str) -> str | None:
    """Return the Enedis CSV kind of ``text`` or None."""
    head = [_norm(line) for line in text[:8192].splitlines()]
    if not any(h.startswith(PREAMBLE_KEY) or h.startswith("horodate") for h in head):
        return None
    if any(INDEX_TOTAL_COLUMN in h.replace(",", ";").split(";") for h in head):
        return SOURCE_DAILY_INDEX
    return SOURCE_LOAD_CURVE
