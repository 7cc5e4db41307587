"""How long a click takes on the demo neighbourhood: a cold first run against cached reruns.

Streamlit reruns the whole page on every click. The target is a rerun under a
second on the demo neighbourhood, which holds when every domain result comes
from ``app_pages/_cache.py``. This runs the rooftop map page headless with
Streamlit's AppTest: one cold run (weather, roofs, skylines, simulation), then
reruns that change only the selected building, as a click on the map does,
reruns that change the language, and reruns that move the suitability slider
(the thresholds are applied after the cached simulation, so this should cost
about a click, not a shaded simulation). Prints the figures and, last, one JSON
object.

Usage: ``.venv/bin/python bench/rerun.py [--reruns 10]``
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


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; return its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=10)
    args = parser.parse_args(argv)

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app_pages import _state
    from geodata.demo import demo_buildings

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]

    ids = demo_buildings()["id"].astype(str).tolist()
    clicks = []
    for k in range(args.reruns):
        at.session_state[_state.SELECTED_BUILDING] = ids[(17 * k) % len(ids)]
        start = time.perf_counter()
        at.run()
        clicks.append(time.perf_counter() - start)
        assert not at.exception, [e.value for e in at.exception]
    languages = []
    for k in range(args.reruns):
        start = time.perf_counter()
        at.selectbox(key=_state.LANG).set_value("en" if k % 2 == 0 else "fr").run()
        languages.append(time.perf_counter() - start)

    suitability = []
    # Each value once (50, 55, ..., 100 %), never the default 80 % nor a value
    # seen before: every move is a cache miss for the thresholds.
    shares = [share for share in range(50, 101, 5) if share != 80]
    for k in range(args.reruns):
        start = time.perf_counter()
        at.slider(key=_state.SUITABLE_SHARE).set_value(shares[k % len(shares)]).run()
        suitability.append(time.perf_counter() - start)
        assert not at.exception, [e.value for e in at.exception]

    click = statistics.median(clicks)
    figures = {
        "cold_run_s": round(cold, 3),
        "click_rerun_median_s": round(click, 3),
        "click_rerun_max_s": round(max(clicks), 3),
        "language_rerun_median_s": round(statistics.median(languages), 3),
        "suitability_rerun_median_s": round(statistics.median(suitability), 3),
        "suitability_vs_click_ratio": round(statistics.median(suitability) / click, 1),
        "cold_vs_click_ratio": round(cold / click, 1),
        "reruns": args.reruns,
    }
    print(f"cold first run           {figures['cold_run_s']:.3f} s")
    print(
        f"rerun after a click      {figures['click_rerun_median_s']:.3f} s median, "
        f"{figures['click_rerun_max_s']:.3f} s max over {args.reruns}"
    )
    print(f"rerun after a language   {figures['language_rerun_median_s']:.3f} s median")
    print(
        f"rerun after a threshold  {figures['suitability_rerun_median_s']:.3f} s median "
        f"({figures['suitability_vs_click_ratio']:.1f}x a click)"
    )
    print(f"cold / click rerun       {figures['cold_vs_click_ratio']:.1f}x")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
