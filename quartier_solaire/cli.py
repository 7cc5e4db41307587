"""The ``quartier-solaire`` command: the app, and what a file holds.

``quartier-solaire run`` starts the app like ``make run``.
``quartier-solaire db upgrade`` applies the database migrations;
``quartier-solaire db purge-expired`` deletes expired consents and their curves.
``quartier-solaire inspect FILE [--json]`` says what a file holds (buildings,
weather or consumption) as the readers see it; with ``--json`` it prints exactly
one JSON object so that other tools can read it.
``quartier-solaire screen BUILDINGS [--weather FILE] [--json] [--csv OUT]``
screens every roof of a building file through the rooftop chain
(:class:`planner.rooftops.RooftopChain`, the page's default assumptions): the
neighbourhood's totals and every finding, and with ``--csv`` one row per
building. With ``--out DIR`` it screens a city on Dask
(:func:`planner.screening.screen_buildings`: ``--workers N`` on a LocalCluster,
``--scheduler ADDRESS`` on an existing cluster, ``--workers 0`` in this
process) and writes GeoParquet parts into DIR; run again, it resumes.
``quartier-solaire allocate --production FILE --consumption FILE --key KEY --out FILE``
shares a production among participants with an allocation key and writes the
Enedis flows per step; with ``--json`` it prints the totals as one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
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

import numpy as np

from quartier_solaire.errors import NotRecognised, ReadError
from quartier_solaire.file_kinds import INSPECTORS
from quartier_solaire.i18n import DEFAULT_LANGUAGE, LANGUAGES, describe, has, number, t
from quartier_solaire.offline_assets import PROJECT_ROOT, ensure_leaflet


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


def strict_json(value: Any) -> Any:
    """Return ``value`` with every non-finite float replaced by None.

    ``json.dumps`` writes ``NaN`` and ``Infinity``, which JSON does not have:
    another tool reading ``inspect --json`` would fail on them.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    if isinstance(value, np.floating | np.integer):
        return strict_json(value.item())
    return value


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
        print(json.dumps(strict_json(report), ensure_ascii=False, allow_nan=False, default=str))
    else:
        print(_plain(report, args.lang))
    return 0


def screen_file(
    path: str | Path,
    *,
    weather_path: str | Path | None = None,
    mode: str = "auto",
    shading: bool = True,
):
    """Run the rooftop chain on a building file; return the run and its figures.

    Raises
    ------
    ReadError
        If the building or weather file cannot be read, or holds no building.
    """
    import dataclasses

    from geodata.io import read_buildings
    from geodata.shading import ShadingParams
    from planner.rooftops import RooftopChain, RooftopConfig
    from solar.weather_files import read_weather_file

    buildings, report = read_buildings(path)
    config = RooftopConfig(mode=mode, shading=ShadingParams(enabled=shading))
    try:
        chain = RooftopChain.for_buildings(buildings, config, name=Path(path).name)
    except ValueError as error:
        raise ReadError(str(error), path=str(path), code="screen_no_building") from error
    weather, source, found = None, "synthetic", []
    if weather_path is not None:
        weather, meta = read_weather_file(weather_path)
        source, found = Path(weather_path).name, list(meta.get("problems", []))
    run = chain.run_model(weather)
    summary = run.summary()
    figures = {
        "kind": "screen",
        "file": Path(path).name,
        "weather": source,
        "mode": run.mode,
        "shading": bool(shading),
        "buildings": summary["buildings"],
        "planes": int(len(run.planes)),
        "suitable_buildings": summary["suitable_buildings"],
        "suitable_share": round(summary["suitable_share"], 4),
        "suitable_kwp": round(summary["suitable_kwp"], 1),
        "suitable_mwh_per_year": round(summary["suitable_gwh_per_year"] * 1000, 1),
        "reference_specific_yield_kwh_kwp": round(run.reference_specific_yield_kwh_kwp, 1),
        "problems": [
            p.to_dict() if dataclasses.is_dataclass(p) else p
            for p in [*report.problems, *found, *run.problems]
        ],
    }
    return run, figures


def _cmd_screen(args: argparse.Namespace) -> int:
    if args.out:
        from quartier_solaire.screen_cli import screen_to_folder

        return screen_to_folder(args)
    if args.weather == "embedded":
        args.weather = None
    if args.weather == "pvgis":
        print(t("screen.pvgis_needs_out", args.lang), file=sys.stderr)
        return 2
    try:
        run, figures = screen_file(
            args.file, weather_path=args.weather, mode=args.mode, shading=not args.no_shading
        )
    except ReadError as error:
        if args.json:
            print(json.dumps({"kind": "error", "error": error.to_dict()}, ensure_ascii=False))
        else:
            print(f"{error.path or args.file}: {describe(error, args.lang)}", file=sys.stderr)
        return 2
    if args.csv:
        run.buildings.to_csv(args.csv, index_label="building_id")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, default=str))
        return 0
    lines = []
    for key, value in figures.items():
        if key in ("kind", "problems"):
            continue
        if isinstance(value, str) and has(f"screen.{key}.{value}"):
            value = t(f"screen.{key}.{value}", args.lang)
        elif isinstance(value, bool):
            value = t("inspect.yes" if value else "inspect.no", args.lang)
        elif isinstance(value, float):
            decimals = 1 if key != "suitable_share" else 3
            value = number(value, args.lang, decimals=decimals)
        label = t(f"screen.{key}", args.lang) if has(f"screen.{key}") else key
        lines.append(t("inspect.line", args.lang, label=label, value=value))
    if figures["problems"]:
        lines.append(t("inspect.problems", args.lang, count=len(figures["problems"])))
        lines += [f"  - {_describe_dict(p, args.lang)}" for p in figures["problems"]]
    print("\n".join(lines))
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
        # Streamlit alone listens on every interface; the app has no sign-in and a
        # page of personal data, so it answers this machine only unless asked.
        "--server.address",
        args.address,
        "--server.port",
        str(args.port),
    ]
    # .streamlit/config.toml is read from the working folder. Streamlit itself
    # stays headless (no first-run e-mail prompt); we open the browser once the
    # server answers, where there is a screen to open it on.
    server = subprocess.Popen(command, cwd=PROJECT_ROOT)
    # Stopping this command stops the server: never leave it running alone.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    host = "localhost" if args.address in _EVERY_INTERFACE + ("127.0.0.1",) else args.address
    url = f"http://{host}:{args.port}"
    try:
        if not args.no_browser and _has_display() and _wait_until_up(url, server):
            webbrowser.open(url)
        return server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        return server.wait()


# Addresses that mean "every network interface" to the server.
_EVERY_INTERFACE = ("0.0.0.0", "::")


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


def _cmd_db(args: argparse.Namespace) -> int:
    # Imported here: `inspect` and `run` do not pay for SQLAlchemy.
    from sqlalchemy.exc import SQLAlchemyError

    from planner.store import StoreError, open_store, purge_expired, upgrade

    try:
        store = open_store()
        revision = upgrade(store)
        if args.action == "upgrade":
            print(t("db.upgraded", args.lang, revision=revision))
        else:
            print(t("db.purged", args.lang, count=purge_expired(store)))
    except StoreError as error:
        print(describe(error, args.lang), file=sys.stderr)
        return 2
    except SQLAlchemyError:
        # The driver's own message may quote the URL, password included: say it plainly.
        unreachable = StoreError("store_unreachable", "The database cannot be reached.")
        print(describe(unreachable, args.lang), file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``quartier-solaire`` command."""
    parser = argparse.ArgumentParser(prog="quartier-solaire", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the app in the browser")
    run.add_argument("--port", type=int, default=8501)
    run.add_argument(
        "--address",
        default="127.0.0.1",
        help="network address to serve on (default: this machine only); 0.0.0.0 serves "
        "every network interface, to anyone who can reach it: there is no sign-in",
    )
    run.add_argument("--no-browser", action="store_true", help="serve without opening a browser")
    run.set_defaults(func=_cmd_run)
    inspect = sub.add_parser("inspect", help="say what a file holds, as the readers see it")
    inspect.add_argument("file")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    inspect.set_defaults(func=_cmd_inspect)
    db = sub.add_parser("db", help="the database: apply migrations, purge expired consents")
    db.add_argument("action", choices=("upgrade", "purge-expired"))
    db.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    db.set_defaults(func=_cmd_db)
    screen = sub.add_parser("screen", help="screen every roof of a building file")
    screen.add_argument("file")
    screen.add_argument(
        "--weather",
        help="embedded (default: the embedded typical year), pvgis (with --out), or a weather file",
    )
    screen.add_argument("--out", help="screen on Dask and write GeoParquet parts into this folder")
    where = screen.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of an existing Dask scheduler (with --out)")
    where.add_argument(
        "--workers", type=int, help="LocalCluster workers (default: the cores); 0: this process"
    )
    screen.add_argument("--bbox", help="W,S,E,N in degrees: only the buildings inside (with --out)")
    screen.add_argument(
        "--partition-size", type=int, default=3000, help="buildings per partition (with --out)"
    )
    screen.add_argument("--mode", choices=("auto", "exact", "fast"), default="auto")
    screen.add_argument("--no-shading", action="store_true", help="ignore the neighbours' shade")
    screen.add_argument("--csv", help="write one row per building to this CSV file")
    screen.add_argument("--json", action="store_true", help="print one JSON object")
    screen.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    screen.set_defaults(func=_cmd_screen)
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
