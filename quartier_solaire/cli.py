"""The ``quartier-solaire`` command: the app, and what a file holds.

``quartier-solaire run`` starts the app like ``make run``.
``quartier-solaire inspect FILE [--json]`` says what a file holds (buildings,
weather or consumption) as the readers see it; with ``--json`` it prints exactly
one JSON object so that other tools can read it.
``quartier-solaire allocate --production FILE --consumption FILE --key KEY --out FILE``
shares a production among participants with an allocation key and writes the
Enedis flows per step; with ``--json`` it prints the totals as one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from quartier_solaire.errors import NotRecognised, ReadError
from quartier_solaire.i18n import DEFAULT_LANGUAGE, LANGUAGES, describe, has, t
from quartier_solaire.offline_assets import PROJECT_ROOT, ensure_leaflet

# Each kind of file has one inspector, tried in this order; an inspector raises
# NotRecognised for files of another kind. (module, function) pairs are imported
# lazily so that `inspect` on a CSV does not pay for geopandas.
INSPECTORS: tuple[tuple[str, str, str], ...] = (
    ("buildings", "geodata.io", "inspect_buildings"),
    ("weather", "solar.weather_files", "inspect_weather"),
    ("consumption", "planner.consumption_io", "inspect_consumption"),
)


def inspect_file(path: str | Path) -> dict[str, Any]:
    """Return what ``path`` holds, as the first reader that recognises it reports it.

    Raises
    ------
    ReadError
        If the file is missing, or of a kind that no reader recognises, or if
        the reader that recognised it could not read it.
    """
    path = Path(path)
    if not path.is_file():
        raise ReadError("no such file", path=str(path), code="no_such_file")
    for _kind, module_name, function_name in INSPECTORS:
        inspector: Callable[[Path], dict[str, Any]] = getattr(
            importlib.import_module(module_name), function_name
        )
        try:
            return inspector(path)
        except NotRecognised:
            continue
    raise NotRecognised(
        "not a buildings, weather or consumption file that the readers know", path=str(path)
    )


def _plain(report: dict[str, Any], lang: str) -> str:
    lines = []
    for key, value in report.items():
        if key == "problems":
            continue
        label = t(f"inspect.{key}", lang) if has(f"inspect.{key}") else key
        if key == "kind" and has(f"inspect.kind.{value}"):
            value = t(f"inspect.kind.{value}", lang)
        elif isinstance(value, bool):
            value = t("inspect.yes" if value else "inspect.no", lang)
        elif isinstance(value, float):
            value = f"{value:.6g}".replace(".", "," if lang == "fr" else ".")
        lines.append(t("inspect.line", lang, label=label, value=value))
    problems = report.get("problems") or []
    if problems:
        lines.append(t("inspect.problems", lang, count=len(problems)))
        for problem in problems:
            lines.append(f"  - {_describe_dict(problem, lang)}")
    return "\n".join(lines)


def _describe_dict(problem: dict[str, Any], lang: str) -> str:
    from quartier_solaire.errors import Problem

    fields = {k: problem[k] for k in ("code", "message") if k in problem}
    extra = {
        k: problem[k] for k in ("severity", "line", "field", "count", "params") if k in problem
    }
    return describe(Problem(**fields, **extra), lang)


def _cmd_inspect(args: argparse.Namespace) -> int:
    try:
        report = inspect_file(args.file)
    except ReadError as error:
        if args.json:
            print(json.dumps({"kind": "error", "error": error.to_dict()}, ensure_ascii=False))
        else:
            print(f"{args.file}: {describe(error, args.lang)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        print(_plain(report, args.lang))
    return 0


def _cmd_allocate(args: argparse.Namespace) -> int:
    """Run one allocation key on a production and a consumption table."""
    try:
        figures = _allocate_files(args)
    except ReadError as error:
        if args.json:
            print(json.dumps({"kind": "error", "error": error.to_dict()}, ensure_ascii=False))
        else:
            where = f"{error.path}: " if error.path else ""
            print(f"{where}{describe(error, args.lang)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    from quartier_solaire.i18n import number, percent

    def kwh(value: float) -> str:
        return number(value, args.lang, decimals=1)

    def rate(value: float | None) -> str:
        return "—" if value is None else percent(value, args.lang, decimals=1)

    print(t("allocate.done", args.lang, key=args.key, out=args.out, **figures))
    print(
        t(
            "allocate.totals",
            args.lang,
            prod=kwh(figures["prod_kwh"]),
            autocons=kwh(figures["autocons_kwh"]),
            surplus=kwh(figures["surplus_kwh"]),
            cons=kwh(figures["cons_kwh"]),
        )
    )
    print(
        t(
            "allocate.rates",
            args.lang,
            scr=rate(figures["self_consumption_rate"]),
            spr=rate(figures["self_production_rate"]),
        )
    )
    if args.key_out:
        print(
            t(
                "allocate.key_written",
                args.lang,
                path=args.key_out,
                precision=number(10.0**-args.decimals, args.lang, decimals=args.decimals),
                loss=percent(figures["key_rounding_loss_percent"] / 100, args.lang, decimals=3),
            )
        )
    return 0


def _allocate_files(args: argparse.Namespace) -> dict[str, Any]:
    """Read the tables, run the key, write the flows; return the totals (ReadError if unfit)."""
    import math

    from planner.allocation import (
        Battery,
        allocate,
        read_key_csv,
        round_coefficients,
        rounding_loss_percent,
        write_key_csv,
    )
    from planner.allocation.tables import (
        check_aligned,
        read_consumption_csv,
        read_participant_values,
        read_production_csv,
    )

    production = read_production_csv(args.production, args.step)
    consumption = read_consumption_csv(args.consumption, args.step)
    check_aligned(production, consumption, args.production, args.consumption)
    consumption.index = production.index
    options: dict[str, Any] = {}
    if args.key == "static":
        shares = (
            _participant_values(read_participant_values(args.shares), consumption, args.shares)
            if args.shares
            else _equal_shares(consumption)
        )
        if shares.sum() > 1 + 1e-6:
            raise ReadError("shares exceed 1", path=args.shares, code="alloc_shares_over_100")
        options["shares"] = shares
    elif args.key == "priority":
        if args.levels:
            options["levels"] = _participant_values(
                read_participant_values(args.levels), consumption, args.levels
            )
        options["within"] = args.within
    elif args.key == "custom":
        if not args.coefficients:
            raise ReadError("--coefficients FILE is needed", code="alloc_needs_coefficients")
        coefficients = read_key_csv(args.coefficients)
        check_aligned(production, coefficients, args.production, args.coefficients)
        _participant_values(coefficients.iloc[0], consumption, args.coefficients, header=True)
        options["coefficients"] = coefficients.set_axis(consumption.index)
    try:
        battery = None
        if args.battery_kwh:
            battery = Battery(
                capacity_kwh=args.battery_kwh,
                power_kw=args.battery_kw if args.battery_kw is not None else args.battery_kwh / 2,
                round_trip_efficiency=args.battery_efficiency,
            )
        result = allocate(production, consumption, args.key, battery=battery, **options)
    except ValueError as error:
        raise ReadError(str(error), code="alloc_invalid") from None
    result.steps().to_csv(args.out, index_label="timestamp", float_format="%.6f")
    totals = result.totals

    def rate(value: float) -> float | None:
        return None if math.isnan(value) else value

    figures: dict[str, Any] = {
        "prod_kwh": totals.prod_kwh,
        "autocons_kwh": totals.autocons_kwh,
        "surplus_kwh": totals.surplus_kwh,
        "cons_kwh": totals.cons_kwh,
        "self_consumption_rate": rate(totals.self_consumption_rate),
        "self_production_rate": rate(totals.self_production_rate),
        "participants": int(consumption.shape[1]),
        "steps": int(len(production)),
    }
    if args.key_out:
        rounded = round_coefficients(result, decimals=args.decimals)
        write_key_csv(rounded, args.key_out, decimals=args.decimals)
        figures["key_rounding_loss_percent"] = rounding_loss_percent(result, rounded)
    return figures


def _equal_shares(consumption) -> Any:
    """Equal static shares, 1/n each."""
    import pandas as pd

    n = consumption.shape[1]
    return pd.Series(1.0 / n, index=consumption.columns)


def _participant_values(values, consumption, path: str, header: bool = False) -> Any:
    """Check a per-participant table (or a header's names) against the consumption's."""
    names = [str(name) for name in values.index]
    for line, name in enumerate(names, start=2):
        if name not in consumption.columns:
            raise ReadError(
                "unknown participant",
                path=path,
                line=1 if header else line,
                field=name,
                code="alloc_unknown_participant",
            )
    for name in consumption.columns:
        if name not in names:
            raise ReadError(
                "no value for a participant",
                path=path,
                field=str(name),
                code="alloc_missing_participant",
            )
    return values


def _cmd_run(args: argparse.Namespace) -> int:
    ensure_leaflet()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app.py"),
        "--server.port",
        str(args.port),
    ]
    # .streamlit/config.toml is read from the working folder. Streamlit itself
    # stays headless (no first-run e-mail prompt); we open the browser once the
    # server answers, where there is a screen to open it on.
    server = subprocess.Popen(command, cwd=PROJECT_ROOT)
    # Stopping this command stops the server: never leave it running alone.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    url = f"http://localhost:{args.port}"
    try:
        if not args.no_browser and _has_display() and _wait_until_up(url, server):
            webbrowser.open(url)
        return server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        return server.wait()


def _has_display() -> bool:
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _wait_until_up(url: str, server: subprocess.Popen, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``quartier-solaire`` command."""
    parser = argparse.ArgumentParser(prog="quartier-solaire", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the app in the browser")
    run.add_argument("--port", type=int, default=8501)
    run.add_argument("--no-browser", action="store_true", help="serve without opening a browser")
    run.set_defaults(func=_cmd_run)
    inspect = sub.add_parser("inspect", help="say what a file holds, as the readers see it")
    inspect.add_argument("file")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    inspect.set_defaults(func=_cmd_inspect)
    _add_allocate(sub)
    return parser


def _add_allocate(sub: Any) -> None:
    allocate = sub.add_parser(
        "allocate", help="share a production among participants with an allocation key"
    )
    allocate.add_argument("--production", required=True, help="CSV: timestamp, kWh per step")
    allocate.add_argument(
        "--consumption", required=True, help="CSV: timestamp, then kWh per step per participant"
    )
    allocate.add_argument(
        "--key", required=True, choices=("static", "dynamic_default", "priority", "custom")
    )
    allocate.add_argument("--step", type=int, choices=(15, 30), default=15, help="minutes")
    allocate.add_argument("--out", required=True, help="CSV of the flows per step")
    allocate.add_argument("--json", action="store_true", help="print the totals as JSON")
    allocate.add_argument("--shares", help="static: CSV participant, share (equal by default)")
    allocate.add_argument("--levels", help="priority: CSV participant, level (1 first)")
    allocate.add_argument("--within", choices=("pro_rata", "equal"), default="pro_rata")
    allocate.add_argument("--coefficients", help="custom: the key CSV (Horodate;participant...)")
    allocate.add_argument("--key-out", help="write the rounded key CSV for Enedis here")
    allocate.add_argument(
        "--decimals", type=int, default=1, help="key precision: decimals of a coefficient in %%"
    )
    allocate.add_argument("--battery-kwh", type=float, help="shared battery capacity [kWh]")
    allocate.add_argument(
        "--battery-kw", type=float, help="battery power [kW]; capacity / 2 h by default"
    )
    allocate.add_argument("--battery-efficiency", type=float, default=0.9)
    allocate.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    allocate.set_defaults(func=_cmd_allocate)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
