"""Time the consumption readers on a full year of 30-min data in each format.

Formats: Enedis load-curve CSV, Data Connect v5 and 2026 JSON, generic CSV, and
a Home Assistant power history (irregular rows every 1 to 10 min, resampled).

Each file is generated in a temporary folder (a synthetic load curve, no
personal data), then read with ``read_consumption`` (best of 3). As a yardstick
the Enedis CSV is also parsed by a plain per-row Python loop (csv module and
``datetime.fromisoformat``), which does far less checking.

Large file: a 10-min Enedis load curve of ``--large-mb`` megabytes (199 by
default, just under the 200 MB upload limit) is read in a fresh process for
each competitor, and the peak resident memory during the call, above the
resident size just before it, is compared with the file's size (Linux: the
peak is reset through ``/proc/self/clear_refs`` and read as ``VmHWM``): our
reader (target: under 3x the file) against ``pandas.read_csv`` of the same
file with its ``Horodate`` parsed (the plain-pandas yardstick, no checks). A
file one megabyte over the limit is then refused before it is parsed.

Prints one line per format, then one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1]))

from planner.consumption_io import read_consumption  # noqa: E402
from quartier_solaire.errors import ReadError  # noqa: E402
from quartier_solaire.textfiles import MAX_UPLOAD_BYTES  # noqa: E402

YEAR = 2025
REPEATS = 3


def _load_w(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    hours = np.arange(n) / 2.0
    daily = 350 + 250 * np.sin(2 * np.pi * (hours % 24 - 7) / 24).clip(0)
    return np.round(daily + rng.gamma(2.0, 60.0, n)).astype(int)


def _write_files(folder: Path) -> tuple[dict[str, Path], int]:
    start = pd.Timestamp(f"{YEAR}-01-01", tz="Europe/Paris")
    starts = pd.date_range(start, start + pd.DateOffset(years=1), freq="30min", inclusive="left")
    ends = starts + pd.Timedelta(minutes=30)
    watts = _load_w(len(starts))
    iso_end = ends.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(
        r"(\d\d)(\d\d)$", r"\1:\2", regex=True
    )
    files: dict[str, Path] = {}

    lines = [
        "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes",
        f"12345678901234;Courbe de charge;01/01/{YEAR};31/12/{YEAR};Energie active;"
        "Consommation;Comptage Brut;W;30",
        "Horodate;Valeur",
    ]
    lines += [f"{t};{w}" for t, w in zip(iso_end, watts, strict=True)]
    files["enedis_csv"] = folder / "enedis.csv"
    files["enedis_csv"].write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")

    local_end = ends.strftime("%Y-%m-%d %H:%M:%S")
    v5 = {
        "meter_reading": {
            "usage_point_id": "12345678901234",
            "start": f"{YEAR}-01-01",
            "end": f"{YEAR + 1}-01-01",
            "quality": "BRUT",
            "reading_type": {"measurement_kind": "power", "unit": "W", "aggregate": "average"},
            "interval_reading": [
                {"value": str(w), "date": d, "interval_length": "PT30M", "measure_type": "B"}
                for w, d in zip(watts, local_end, strict=True)
            ],
        }
    }
    files["data_connect_v5"] = folder / "v5.json"
    files["data_connect_v5"].write_text(json.dumps(v5))

    v26 = {
        "pointId": "12345678901234",
        "periode": {"dateDebut": f"{YEAR}-01-01", "dateFin": f"{YEAR + 1}-01-01"},
        "grandeur": [
            {
                "grandeurMetier": "CONS",
                "grandeurPhysique": "PA",
                "unite": "W",
                "points": [
                    {"v": str(w), "d": d, "p": "PT30M", "n": "B"}
                    for w, d in zip(watts, local_end, strict=True)
                ],
            }
        ],
    }
    files["data_connect_2026"] = folder / "v2026.json"
    files["data_connect_2026"].write_text(json.dumps(v26))

    iso_start_utc = starts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    kwh = watts * 0.5 / 1000
    generic = ["timestamp,value_kwh"] + [
        f"{t},{e:.4f}" for t, e in zip(iso_start_utc, kwh, strict=True)
    ]
    files["generic_csv"] = folder / "generic.csv"
    files["generic_csv"].write_text("\n".join(generic) + "\n")

    # Home Assistant: a power sensor changing every 1 to 10 minutes, irregularly.
    rng = np.random.default_rng(1)
    t0 = starts[0].tz_convert("UTC")
    span_s = (starts[-1] + pd.Timedelta(minutes=30) - starts[0]).total_seconds()
    gaps = rng.uniform(60, 600, int(span_s / 300) + 10)
    offsets = np.concatenate([[0.0], np.cumsum(gaps)])
    offsets = offsets[offsets <= span_s]
    stamps = (t0 + pd.to_timedelta(offsets, unit="s")).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    power = np.interp(offsets, np.arange(len(watts)) * 1800.0, watts).round(1)
    ha = ["entity_id,state,last_changed"] + [
        f"sensor.house_power,{p},{t}" for p, t in zip(power, stamps, strict=True)
    ]
    files["home_assistant"] = folder / "ha.csv"
    files["home_assistant"].write_text("\n".join(ha) + "\n")
    return files, len(starts)


def _per_row_loop(path: Path) -> float:
    # The yardstick: what a straightforward row-by-row reader does.
    total = 0.0
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    previous = None
    for ts, value in rows[3:]:
        end = datetime.fromisoformat(ts)
        step = timedelta(minutes=30) if previous is None else end - previous
        previous = end
        if value:
            total += float(value) * step.total_seconds() / 3600 / 1000
    return total


def _best(fn) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _write_large(path: Path, size_mb: float) -> int:
    """Write a 10-min Enedis load curve of about ``size_mb`` megabytes; return its rows."""
    row_bytes = 31  # "2025-01-01T00:10:00+01:00;1234\n"
    rows = int(size_mb * 1e6 / row_bytes)
    header = (
        "\ufeffIdentifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes\n"
        "12345678901234;Courbe de charge;01/01/1990;31/12/2100;Energie active;Consommation;"
        "Comptage Brut;W;10\nHorodate;Valeur\n"
    )
    rng = np.random.default_rng(0)
    with path.open("w", encoding="utf-8") as f:
        f.write(header)
        block = 1_000_000
        for first in range(0, rows, block):
            n = min(block, rows - first)
            ends = pd.date_range("1990-01-01T00:10", periods=n, freq="10min") + pd.Timedelta(
                minutes=10 * first
            )
            stamps = ends.strftime("%Y-%m-%dT%H:%M:%S+01:00")
            watts = rng.integers(100, 3000, n).astype(str)
            f.write("\n".join(stamps + ";" + watts))
            f.write("\n")
    return rows


# Run in a fresh interpreter: the peak resident size of a process never goes down.
_MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import pandas as pd
from planner.consumption_io import read_consumption
small = {small!r}
how = {how!r}
def run(path):
    if how == "ours":
        energy, meta = read_consumption(path)
        return int(meta["report"].intervals)
    frame = pd.read_csv(path, sep=";", skiprows=2, encoding="utf-8")
    times = pd.to_datetime(frame["Horodate"], format="ISO8601", utc=True)
    return int(times.notna().sum())
run(small)  # lazy imports out of the count
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak (VmHWM) to the current resident size (Linux >= 4.0)
before = status("VmRSS:")
t0 = time.perf_counter()
rows = run({path!r})
seconds = time.perf_counter() - t0
peak = status("VmHWM:")
print(json.dumps({{"rows": rows, "seconds": seconds, "peak_kib": peak - before}}))
"""


def _measure(path: Path, small: Path, how: str) -> dict:
    root = str(Path(__file__).parents[1])
    code = _MEASURE.format(root=root, small=str(small), how=how, path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _large_file(folder: Path, small: Path, size_mb: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    path = folder / "large.csv"
    rows = _write_large(path, size_mb)
    size = path.stat().st_size
    for how in ("ours", "pandas"):
        result = _measure(path, small, how)
        assert result["rows"] >= rows - 1, (how, result["rows"], rows)
        ratio = result["peak_kib"] * 1024 / size
        figures[f"large_{how}_peak_rss_mib"] = round(result["peak_kib"] / 1024, 1)
        figures[f"large_{how}_peak_over_size_ratio"] = round(ratio, 2)
        figures[f"large_{how}_seconds"] = round(result["seconds"], 2)
        print(
            f"{'large ' + how:<20} {size / 2**20:.0f} MiB file  {result['seconds']:.1f} s  "
            f"peak {result['peak_kib'] / 1024:.0f} MiB = {ratio:.2f} x the file"
        )
    figures["large_file_mib"] = round(size / 2**20, 1)
    path.unlink()
    over = folder / "over.csv"
    with over.open("wb") as f:  # sparse: no disk space used
        f.truncate(MAX_UPLOAD_BYTES + 2**20)
    t0 = time.perf_counter()
    try:
        read_consumption(over)
    except ReadError as error:
        assert error.code == "file_too_large", error.code
    figures["over_limit_refused_seconds"] = round(time.perf_counter() - t0, 4)
    print(f"{'over the limit':<20} refused in {figures['over_limit_refused_seconds']:.4f} s")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mb", type=float, default=199.0, help="0 skips the large file")
    args = parser.parse_args()
    figures: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files, n = _write_files(Path(tmp))
        reference = None
        for name, path in files.items():
            kwargs = {"timestamp_convention": "start"} if name == "generic_csv" else {}
            kwargs = {"unit": "W"} if name == "home_assistant" else kwargs
            energy, meta = read_consumption(path, **kwargs)
            total = float(energy.sum())
            if name == "home_assistant":
                # Resampled from irregular rows: the grid stops at the last reading.
                assert meta["report"].intervals >= n - 1, name
            else:
                assert len(energy) == n and meta["report"].intervals == n, name
                reference = total if reference is None else reference
                assert abs(total - reference) < 1e-6 * reference, name
            seconds = _best(lambda path=path, kwargs=kwargs: read_consumption(path, **kwargs))
            figures[f"{name}_seconds"] = round(seconds, 4)
            print(f"{name:<20} {n} intervals  {seconds:.3f} s  ({total:.1f} kWh)")
        loop = _best(lambda: _per_row_loop(files["enedis_csv"]))
        figures["per_row_loop_enedis_csv_seconds"] = round(loop, 4)
        figures["enedis_csv_vs_loop_ratio"] = round(figures["enedis_csv_seconds"] / loop, 3)
        print(f"{'per-row loop (csv)':<20} {n} intervals  {loop:.3f} s  (yardstick, no checks)")
        figures["intervals"] = n
        if args.large_mb > 0:
            small = Path(__file__).parents[1] / "tests/data/consumption/enedis_load_curve_30min.csv"
            figures.update(_large_file(Path(tmp), small, args.large_mb))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
