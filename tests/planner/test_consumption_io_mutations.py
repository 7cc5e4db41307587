"""Harmless changes to a consumption file are read as the same curve; harmful ones refused.

A fuzz test that accepts a refusal as success passes even when every mutated
file is refused. Here each mutation is classed: those a text editor, a
spreadsheet or another operating system make without changing the data
(line endings, a byte-order mark, blank lines, JSON whitespace, key order,
extra properties) must give exactly the curve of the original file; those
that destroy data must be refused with a ReadError, never read as something
else.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from planner.consumption_io import read_consumption
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import has

BOM = b"\xef\xbb\xbf"
CSV_FILES = [
    "enedis_load_curve_30min.csv",
    "enedis_load_curve_10min_accents.csv",
    "generic_naive.csv",
    "generic_kwh_utc.csv",
    "home_assistant_power.csv",
    "home_assistant_energy.csv",
]
JSON_FILES = [
    "data_connect_v5_load_curve.json",
    "data_connect_v5_daily.json",
    "data_connect_2026_load_curve.json",
]


# Files whose unit is not in the file: the user declares it in the page.
OPTIONS = {"generic_kwh_utc.csv": {"unit": "kWh"}}


def _read(data: bytes, name: str):
    return read_consumption(io.BytesIO(data), filename=name, **OPTIONS.get(name, {}))[0]


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _toggle_bom(data: bytes) -> bytes:
    return data[len(BOM) :] if data.startswith(BOM) else BOM + data


def _blank_lines_at_end(data: bytes) -> bytes:
    return data.rstrip(b"\r\n") + b"\n\n\n"


def _no_final_newline(data: bytes) -> bytes:
    return data.rstrip(b"\r\n")


CSV_HARMLESS = {
    "crlf": _crlf,
    "bom": _toggle_bom,
    "blank_lines_at_end": _blank_lines_at_end,
    "no_final_newline": _no_final_newline,
}


def _json_rewrite(**dumps):
    def mutate(data: bytes) -> bytes:
        return json.dumps(json.loads(data.decode("utf-8-sig")), **dumps).encode("utf-8")

    return mutate


def _extra_properties(data: bytes) -> bytes:
    def add(node):
        if isinstance(node, dict):
            return {**{k: add(v) for k, v in node.items()}, "x_extra": "ignored"}
        if isinstance(node, list):
            return [add(v) for v in node]
        return node

    return json.dumps(add(json.loads(data.decode("utf-8-sig")))).encode("utf-8")


def _reversed_keys(data: bytes) -> bytes:
    def flip(node):
        if isinstance(node, dict):
            return {k: flip(node[k]) for k in reversed(list(node))}
        if isinstance(node, list):
            return [flip(v) for v in node]
        return node

    return json.dumps(flip(json.loads(data.decode("utf-8-sig"))), indent=3).encode("utf-8")


JSON_HARMLESS = {
    "minified": _json_rewrite(separators=(",", ":")),
    "indent_tabs": _json_rewrite(indent="\t"),
    "ascii_escapes": _json_rewrite(ensure_ascii=True, indent=1),
    "sorted_keys": _json_rewrite(sort_keys=True),
    "reversed_keys": _reversed_keys,
    "extra_properties": _extra_properties,
    "crlf": _crlf,
    "bom": _toggle_bom,
}


@pytest.mark.parametrize("mutation", sorted(CSV_HARMLESS))
@pytest.mark.parametrize("name", CSV_FILES)
def test_harmless_csv_changes_are_read_as_the_same_curve(data_dir, name, mutation):
    original = (data_dir / "consumption" / name).read_bytes()
    expected = _read(original, name)
    got = _read(CSV_HARMLESS[mutation](original), name)
    pd.testing.assert_series_equal(got, expected)


@pytest.mark.parametrize("mutation", sorted(JSON_HARMLESS))
@pytest.mark.parametrize("name", JSON_FILES)
def test_harmless_json_changes_are_read_as_the_same_curve(data_dir, name, mutation):
    original = (data_dir / "consumption" / name).read_bytes()
    expected = _read(original, name)
    got = _read(JSON_HARMLESS[mutation](original), name)
    pd.testing.assert_series_equal(got, expected)


def _value_made_text(data: bytes) -> bytes:
    lines = data.split(b"\n")
    last = next(i for i in range(len(lines) - 1, -1, -1) if lines[i].strip())
    middle = len(lines) // 2 + 1 if len(lines) > 6 else last
    head, sep, _ = lines[middle].rpartition(b";" if b";" in lines[middle] else b",")
    lines[middle] = head + sep + b"abc"
    return b"\n".join(lines)


def _json_cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _json_without_readings(data: bytes) -> bytes:
    text = json.loads(data.decode("utf-8-sig"))
    if "meter_reading" in text:
        text["meter_reading"].pop("interval_reading")
    else:
        text.pop("grandeur")
    return json.dumps(text).encode("utf-8")


HARMFUL = {
    "empty": lambda data: b"",
    "binary": lambda data: bytes(range(256)) * 8,
    "only_the_header": lambda data: data.split(b"\n")[0] + b"\n",
}


@pytest.mark.parametrize("mutation", sorted(HARMFUL) + ["value_made_text"])
@pytest.mark.parametrize("name", ["enedis_load_curve_30min.csv", "generic_naive.csv"])
def test_harmful_csv_changes_are_refused(data_dir, name, mutation):
    original = (data_dir / "consumption" / name).read_bytes()
    change = HARMFUL.get(mutation, _value_made_text)
    with pytest.raises(ReadError) as err:
        _read(change(original), name)
    assert has(f"problem.{err.value.code}"), err.value.code


@pytest.mark.parametrize("mutation", ["cut", "without_readings", "empty", "binary"])
@pytest.mark.parametrize("name", JSON_FILES)
def test_harmful_json_changes_are_refused(data_dir, name, mutation):
    original = (data_dir / "consumption" / name).read_bytes()
    change = {"cut": _json_cut, "without_readings": _json_without_readings, **HARMFUL}[mutation]
    with pytest.raises(ReadError) as err:
        _read(change(original), name)
    assert has(f"problem.{err.value.code}"), err.value.code
