"""``quartier-solaire screen BUILDINGS --out DIR``: a city's roofs on Dask, into GeoParquet.

The command reads the building file, keeps the buildings of ``--bbox``, finds
the weather year (embedded, PVGIS or a file), starts a LocalCluster (or joins
``--scheduler``) and runs :func:`planner.screening.screen_buildings`. A bar on
standard error follows the partitions; the summary is printed in the user's
language, and with ``--json`` as one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe, number, t

_BAR_WIDTH = 30


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"W,S,E,N"`` in degrees -> a tuple; ValueError when it is not one."""
    parts = [float(v) for v in text.split(",")]
    if len(parts) != 4:
        raise ValueError("a bbox is W,S,E,N")
    west, south, east, north = parts
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError("a bbox is W,S,E,N with W < E and S < N, in degrees")
    return west, south, east, north


def _buildings(args: argparse.Namespace):
    """The buildings of the file, those of ``--bbox`` only (by a point inside each)."""
    from geodata.io import read_buildings

    buildings, _report = read_buildings(args.file)
    if args.bbox:
        west, south, east, north = parse_bbox(args.bbox)
        points = buildings.geometry.representative_point()
        inside = points.x.between(west, east) & points.y.between(south, north)
        buildings = buildings[inside.to_numpy()]
    if buildings.empty:
        raise ReadError(
            "no building to screen",
            path=Path(args.file).name,
            code="screen_no_building_in_bbox" if args.bbox else "screen_no_building",
        )
    return buildings


def _weather(choice: str | None, location):
    """The weather year: embedded (None), ``pvgis`` or a file."""
    from solar.pvgis import weather_for_site
    from solar.weather_files import read_weather_file

    if choice in (None, "embedded"):
        return None
    if choice == "pvgis":
        lat, lon = round(location.latitude, 4), round(location.longitude, 4)
        return weather_for_site(lat, lon, source="pvgis")[0]
    return read_weather_file(choice)[0]


def _client(args: argparse.Namespace, stack: ExitStack):
    """A client on ``--scheduler``, or on a LocalCluster of ``--workers``; None: in-process."""
    if args.workers == 0 and not args.scheduler:
        return None
    from distributed import Client

    from planner.screening import local_cluster

    if args.scheduler:
        return stack.enter_context(Client(args.scheduler, timeout="10s"))
    cluster = stack.enter_context(local_cluster(args.workers or os.cpu_count() or 1))
    return stack.enter_context(Client(cluster))


def _bar(lang: str):
    """A progress bar on standard error, one update per partition."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        filled = round(_BAR_WIDTH * done / max(total, 1))
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        text = t("screen.progress", lang, bar=bar, done=done, total=total)
        print(
            ("\r" if tty else "") + text,
            end="" if tty and done < total else "\n",
            file=sys.stderr,
            flush=True,
        )

    return show


def screen_to_folder(args: argparse.Namespace) -> int:
    """Run ``screen --out``; return the exit status."""
    from geodata.shading import ShadingParams
    from planner.rooftops import RooftopConfig, site_of
    from planner.screening import screen_buildings

    config = RooftopConfig(mode=args.mode, shading=ShadingParams(enabled=not args.no_shading))
    if args.bbox:
        try:
            parse_bbox(args.bbox)
        except ValueError:
            return _fail(args, ReadError("bad bbox", field="bbox", code="screen_bad_bbox"))
    try:
        buildings = _buildings(args)
        location = site_of(buildings, name=Path(args.file).name)
        weather = _weather(args.weather, location)
        with ExitStack() as stack:
            client = _client(args, stack)
            result = screen_buildings(
                buildings,
                args.out,
                config=config,
                weather=weather,
                location=location,
                client=client,
                partition_size=args.partition_size,
                progress=_bar(args.lang),
            )
    except ReadError as error:
        return _fail(args, error)
    except ValueError as error:
        return _fail(
            args, ReadError(str(error), path=Path(args.file).name, code="screen_no_building")
        )
    except OSError:
        return _fail(args, ReadError("scheduler unreachable", code="screen_scheduler_unreachable"))
    _print_summary(args, result)
    return 0


def _fail(args: argparse.Namespace, error: ReadError) -> int:
    if args.json:
        print(json.dumps({"kind": "error", "error": error.to_dict()}, ensure_ascii=False))
    else:
        where = f"{error.path}: " if error.path else ""
        print(f"{where}{describe(error, args.lang)}", file=sys.stderr)
    return 2


def _print_summary(args: argparse.Namespace, result) -> None:
    summary: dict[str, Any] = result.summary
    lang = args.lang
    lines = [t("screen.done", lang, out=str(result.out_dir), skipped=result.skipped)]
    for key in (
        "buildings",
        "planes",
        "suitable_buildings",
        "suitable_kwp",
        "annual_mwh",
        "partitions",
        "workers",
        "seconds",
    ):
        value = summary[key]
        shown = number(value, lang, decimals=1) if isinstance(value, float) else value
        lines.append(t("inspect.line", lang, label=t(f"screen.out.{key}", lang), value=shown))
    print("\n".join(lines), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        figures = {
            key: summary[key]
            for key in ("buildings", "planes", "suitable_kwp", "annual_mwh", "seconds", "workers")
        }
        figures.update(
            kind="screen",
            out=str(result.out_dir),
            partitions=summary["partitions"],
            skipped=result.skipped,
            mode=summary["mode"],
            problems=result.problems,
        )
        print(json.dumps(figures, ensure_ascii=False))
