"""quartier-solaire allocate: tables in, Enedis flows out, bad files named by line and column."""

import json

import numpy as np
import pandas as pd
import pytest

from planner.allocation import read_key_csv
from quartier_solaire import cli

STAMPS = [f"2025-06-01T12:{m:02d}:00+02:00" for m in (0, 15, 30, 45)]


def _write(tmp_path, production=None, consumption=None):
    prod = tmp_path / "production.csv"
    cons = tmp_path / "consumption.csv"
    prod.write_text(
        production
        if production is not None
        else "timestamp,kWh\n"
        + "".join(f"{s},{v}\n" for s, v in zip(STAMPS, [0, 3, 6, 12], strict=True)),
        encoding="utf-8",
    )
    rows = [[1, 2, 3], [1, 2, 1], [1, 2, 3], [1, 2, 5]]
    cons.write_text(
        consumption
        if consumption is not None
        else "timestamp,a,b,c\n"
        + "".join(f"{s},{','.join(map(str, r))}\n" for s, r in zip(STAMPS, rows, strict=True)),
        encoding="utf-8",
    )
    return prod, cons


def _run(args, capsys):
    status = cli.main(args)
    out = capsys.readouterr()
    return status, out


def _json(args, capsys):
    status, out = _run([*args, "--json"], capsys)
    lines = out.out.strip().splitlines()
    assert len(lines) == 1, "--json prints exactly one JSON object"
    return status, json.loads(lines[0])


def test_dynamic_default_totals_and_flows(tmp_path, capsys):
    prod, cons = _write(tmp_path)
    out = tmp_path / "flows.csv"
    args = ["allocate", "--production", str(prod), "--consumption", str(cons)]
    status, totals = _json([*args, "--key", "dynamic_default", "--out", str(out)], capsys)
    assert status == 0
    # Hand-computed in tests/planner/test_allocation.py: 17 of 21 kWh self-consumed.
    assert totals == {
        "prod_kwh": pytest.approx(21),
        "autocons_kwh": pytest.approx(17),
        "surplus_kwh": pytest.approx(4),
        "cons_kwh": pytest.approx(24),
        "self_consumption_rate": pytest.approx(17 / 21),
        "self_production_rate": pytest.approx(17 / 24),
        "participants": 3,
        "steps": 4,
    }
    flows = pd.read_csv(out, index_col="timestamp")
    np.testing.assert_allclose(flows["AUTOCONS:c"], [0, 0.75, 3, 5])
    np.testing.assert_allclose(flows["SURPLUS"], [0, 0, 0, 4])
    np.testing.assert_allclose(flows["PROD"], flows["AUTOPROD"] + flows["SURPLUS"])


def test_plain_output_in_french(tmp_path, capsys):
    prod, cons = _write(tmp_path)
    args = ["allocate", "--production", str(prod), "--consumption", str(cons)]
    status, out = _run([*args, "--key", "priority", "--out", str(tmp_path / "f.csv")], capsys)
    assert status == 0
    assert "Taux d'autoconsommation 81,0\u202f%" in out.out


def test_static_shares_priority_levels_and_battery(tmp_path, capsys):
    prod, cons = _write(tmp_path)
    shares = tmp_path / "shares.csv"
    shares.write_text("participant,share\na,0.5\nb,0.3\nc,0.2\n", encoding="utf-8")
    base = ["allocate", "--production", str(prod), "--consumption", str(cons), "--out"]
    status, totals = _json(
        [*base, str(tmp_path / "s.csv"), "--key", "static", "--shares", str(shares)], capsys
    )
    assert status == 0 and totals["autocons_kwh"] == pytest.approx(11.9)
    levels = tmp_path / "levels.csv"
    levels.write_text("participant;level\na;1\nb;2\nc;2\n", encoding="utf-8")
    status, totals = _json(
        [
            *base,
            str(tmp_path / "p.csv"),
            "--key",
            "priority",
            "--levels",
            str(levels),
            "--within",
            "equal",
        ],
        capsys,
    )
    assert status == 0 and totals["autocons_kwh"] == pytest.approx(17)
    status, totals = _json(
        [
            *base,
            str(tmp_path / "b.csv"),
            "--key",
            "dynamic_default",
            "--battery-kwh",
            "4",
            "--battery-kw",
            "8",
        ],
        capsys,
    )
    assert status == 0
    flows = pd.read_csv(tmp_path / "b.csv")
    assert flows["battery:charge_kwh"].iloc[3] == pytest.approx(2)


def test_key_out_round_trips_through_custom(tmp_path, capsys):
    prod, cons = _write(tmp_path)
    key = tmp_path / "key.csv"
    base = ["allocate", "--production", str(prod), "--consumption", str(cons)]
    status, exact = _json(
        [
            *base,
            "--key",
            "dynamic_default",
            "--out",
            str(tmp_path / "x.csv"),
            "--key-out",
            str(key),
        ],
        capsys,
    )
    assert status == 0
    assert key.read_text(encoding="utf-8").startswith("Horodate;a;b;c\n")
    assert (read_key_csv(key).sum(axis=1) <= 1 + 1e-12).all()
    status, applied = _json(
        [*base, "--key", "custom", "--coefficients", str(key), "--out", str(tmp_path / "y.csv")],
        capsys,
    )
    assert status == 0
    assert applied["autocons_kwh"] == pytest.approx(exact["autocons_kwh"], rel=1e-3)


GOOD_CONS = "timestamp,a,b\n" + "".join(f"{s},1,2\n" for s in STAMPS)
GOOD_PROD = "timestamp,kWh\n" + "".join(f"{s},3\n" for s in STAMPS)


@pytest.mark.parametrize(
    ("which", "text", "line", "field", "code"),
    [
        ("consumption", GOOD_CONS[: GOOD_CONS.rindex(",")] + "\n", 5, "b", "alloc_truncated"),
        (
            "consumption",
            GOOD_CONS.replace(f"{STAMPS[2]},1,2", f"{STAMPS[2]},1,abc"),
            4,
            "b",
            "alloc_not_a_number",
        ),
        (
            "consumption",
            GOOD_CONS.replace(f"{STAMPS[1]},1,2", f"{STAMPS[1]},-1,2"),
            3,
            "a",
            "alloc_negative",
        ),
        (
            "consumption",
            GOOD_CONS.replace(f"{STAMPS[1]},1,2", f"{STAMPS[1]},,2"),
            3,
            "a",
            "alloc_missing_value",
        ),
        (
            "production",
            GOOD_PROD.replace("timestamp,kWh", "timestamp,Valeur (W)"),
            1,
            "Valeur (W)",
            "alloc_unit",
        ),
        (
            "consumption",
            GOOD_CONS.replace("timestamp,a,b", "timestamp,a_Wh,b_Wh"),
            1,
            "a_Wh",
            "alloc_unit",
        ),
        (
            "consumption",
            GOOD_CONS.replace("timestamp,a,b", "timestamp,a,a"),
            1,
            "a",
            "alloc_duplicate_participant",
        ),
        (
            "consumption",
            GOOD_CONS.replace(STAMPS[2], "2025-06-01T12:35:00+02:00"),
            4,
            "timestamp",
            "alloc_step",
        ),
        (
            "consumption",
            GOOD_CONS.replace(STAMPS[3], "demain"),
            5,
            "timestamp",
            "alloc_bad_timestamp",
        ),
        (
            "consumption",
            GOOD_CONS.replace(STAMPS[2], STAMPS[1]),
            4,
            "timestamp",
            "alloc_timestamp_order",
        ),
        (
            "consumption",
            GOOD_CONS.replace("+02:00", "+01:00"),
            2,
            "timestamp",
            "alloc_misaligned",
        ),
        (
            "consumption",
            GOOD_CONS + "2025-06-01T13:00:00+02:00,1,2\n",
            6,
            "timestamp",
            "alloc_misaligned",
        ),
    ],
)
def test_bad_files_name_the_line_and_column(tmp_path, capsys, which, text, line, field, code):
    prod, cons = _write(
        tmp_path,
        production=text if which == "production" else GOOD_PROD,
        consumption=text if which == "consumption" else GOOD_CONS,
    )
    args = [
        "allocate",
        "--production",
        str(prod),
        "--consumption",
        str(cons),
        "--key",
        "dynamic_default",
    ]
    status, report = _json([*args, "--out", str(tmp_path / "f.csv")], capsys)
    assert status == 2
    error = report["error"]
    assert (error["code"], error.get("line"), error.get("field")) == (code, line, field)
    assert error["path"] == str(prod if which == "production" else cons)
    assert not (tmp_path / "f.csv").exists()


def test_bad_file_message_in_french_names_line_and_column(tmp_path, capsys):
    prod, cons = _write(
        tmp_path, GOOD_PROD, GOOD_CONS.replace(f"{STAMPS[2]},1,2", f"{STAMPS[2]},1,x")
    )
    args = ["allocate", "--production", str(prod), "--consumption", str(cons), "--key", "static"]
    status, out = _run([*args, "--out", str(tmp_path / "f.csv")], capsys)
    assert status == 2
    assert "Cette case n'est pas un nombre. (ligne 4, champ « b »)" in out.err


def test_custom_key_without_coefficients_says_what_to_add(tmp_path, capsys):
    prod, cons = _write(tmp_path)
    args = ["allocate", "--production", str(prod), "--consumption", str(cons), "--key", "custom"]
    status, report = _json([*args, "--out", str(tmp_path / "f.csv")], capsys)
    assert status == 2 and report["error"]["code"] == "alloc_needs_coefficients"


def test_unknown_participant_in_shares_is_named(tmp_path, capsys):
    prod, cons = _write(tmp_path)
    shares = tmp_path / "shares.csv"
    shares.write_text("participant,share\na,0.5\nz,0.3\nc,0.2\n", encoding="utf-8")
    args = ["allocate", "--production", str(prod), "--consumption", str(cons), "--key", "static"]
    status, report = _json(
        [*args, "--shares", str(shares), "--out", str(tmp_path / "f.csv")], capsys
    )
    assert status == 2
    assert (report["error"]["code"], report["error"]["line"], report["error"]["field"]) == (
        "alloc_unknown_participant",
        3,
        "z",
    )


def test_a_line_with_too_many_fields_is_named(tmp_path, capsys):
    prod, cons = _write(
        tmp_path, GOOD_PROD, GOOD_CONS.replace(f"{STAMPS[2]},1,2", f"{STAMPS[2]},1,2,9")
    )
    args = ["allocate", "--production", str(prod), "--consumption", str(cons), "--key", "static"]
    status, report = _json([*args, "--out", str(tmp_path / "f.csv")], capsys)
    assert status == 2
    assert (report["error"]["code"], report["error"]["line"]) == ("alloc_too_many_fields", 4)


def test_step_of_30_minutes(tmp_path, capsys):
    stamps = [f"2025-06-01T{h:02d}:{m:02d}:00" for h in (12, 13) for m in (0, 30)]
    prod, cons = _write(
        tmp_path,
        "timestamp,kWh\n" + "".join(f"{s},3\n" for s in stamps),
        "timestamp,a,b\n" + "".join(f"{s},1,2\n" for s in stamps),
    )
    args = [
        "allocate",
        "--production",
        str(prod),
        "--consumption",
        str(cons),
        "--key",
        "dynamic_default",
    ]
    status, totals = _json([*args, "--step", "30", "--out", str(tmp_path / "f.csv")], capsys)
    assert status == 0 and totals["steps"] == 4 and totals["autocons_kwh"] == pytest.approx(12)
    status, report = _json([*args, "--step", "15", "--out", str(tmp_path / "g.csv")], capsys)
    assert status == 2
    assert (report["error"]["code"], report["error"]["line"]) == ("alloc_step", 3)


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["allocate", "--help"])
    assert done.value.code == 0
    assert "--key-out" in capsys.readouterr().out


def test_prm_numbers_keep_their_leading_zeros(tmp_path, capsys):
    cons_text = "timestamp;01234567890123;09876543210987\n" + "".join(f"{s};1;2\n" for s in STAMPS)
    prod, cons = _write(tmp_path, GOOD_PROD, cons_text)
    shares = tmp_path / "shares.csv"
    shares.write_text("prm;share\n01234567890123;0,25\n09876543210987;0,75\n", encoding="utf-8")
    args = ["allocate", "--production", str(prod), "--consumption", str(cons), "--key", "static"]
    status, totals = _json(
        [*args, "--shares", str(shares), "--out", str(tmp_path / "f.csv")], capsys
    )
    assert status == 0
    # 3 kWh a step: 0.75 for the first (of 1), 2 for the second (2.25 offered).
    assert totals["autocons_kwh"] == pytest.approx(4 * 2.75)
