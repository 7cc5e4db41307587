"""How long a click takes on the collective page with 200 households.

The page is run headless with Streamlit's AppTest on the demo project grown to
200 estimated households: one cold run (roofs, 200 estimated profiles, every
key for the comparator, the sizing sweep), then reruns that change one
parameter each, every value new so that each is a cache miss for what depends
on it: the allocation key (cycling through the four, with the priority key's
first-served households changing), an economic parameter (the shared kWh
price), the battery's capacity, and a rerun changing nothing. Target: under a
second after changing one parameter. Changing the roofs, the number of
households or the step builds a new project (its profiles are estimated again)
and is not counted as one parameter. Prints the figures and, last, one JSON
object.

Usage: ``.venv/bin/python bench/collective.py [--households 200] [--reruns 6]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(at, action) -> float:
    start = time.perf_counter()
    action()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    return elapsed


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; return its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--reruns", type=int, default=6)
    args = parser.parse_args(argv)

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app_pages import _collective as ui

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.session_state[ui.HOUSEHOLDS] = args.households
    at.run()
    at.switch_page("app_pages/collective.py")
    cold = _timed(at, lambda: None)

    keys = ("static", "priority", "custom", "dynamic_default")
    key_runs = [_timed(at, lambda k=k: at.selectbox(key=ui.KEY).set_value(k)) for k in keys]
    price_runs = [
        _timed(
            at,
            lambda k=k: at.number_input(key=ui.ECON + "shared_price_eur_per_kwh").set_value(
                0.10 + 0.005 * k
            ),
        )
        for k in range(args.reruns)
    ]
    at.checkbox(key=ui.BATTERY).check()
    at.run()
    battery_runs = [
        _timed(at, lambda k=k: at.number_input(key=ui.BATTERY_KWH).set_value(50.0 + 10 * k))
        for k in range(args.reruns)
    ]
    same_runs = [_timed(at, lambda: None) for _ in range(args.reruns)]

    figures = {
        "households": args.households,
        "cold_run_s": round(cold, 3),
        "key_rerun_s": {k: round(v, 3) for k, v in zip(keys, key_runs, strict=True)},
        "key_rerun_max_s": round(max(key_runs), 3),
        "price_rerun_median_s": round(statistics.median(price_runs), 3),
        "battery_rerun_median_s": round(statistics.median(battery_runs), 3),
        "unchanged_rerun_median_s": round(statistics.median(same_runs), 3),
        "reruns": args.reruns,
    }
    print(f"cold first run ({args.households} households)  {figures['cold_run_s']:.3f} s")
    for key, seconds in figures["key_rerun_s"].items():
        print(f"rerun after choosing key {key:<16} {seconds:.3f} s")
    print(f"rerun after a new shared kWh price   {figures['price_rerun_median_s']:.3f} s median")
    print(f"rerun after a new battery capacity   {figures['battery_rerun_median_s']:.3f} s median")
    print(
        f"rerun changing nothing               {figures['unchanged_rerun_median_s']:.3f} s median"
    )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
