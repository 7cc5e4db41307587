"""Leaflet served by the app itself, so that maps draw without internet.

folium loads Leaflet from a CDN by default; behind a city intranet, or with no
network at all, the map would be blank. Streamlit serves ``static/`` next to
``app.py`` at ``/app/static/`` when ``server.enableStaticServing`` is on, so the
Leaflet 1.9.4 dist files are copied there from an installed package
(``django-js-lib-leaflet`` ships them as package data) rather than committed.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = PROJECT_ROOT / "static"
LEAFLET_DIR = STATIC_DIR / "leaflet"
# URLs as the browser sees them (Streamlit static serving).
LEAFLET_JS_URL = "/app/static/leaflet/leaflet.js"
LEAFLET_CSS_URL = "/app/static/leaflet/leaflet.css"

_FILES = ("leaflet.js", "leaflet.css")


def leaflet_source() -> Path:
    """Return the folder of the installed Leaflet dist files."""
    return Path(str(resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"))


def ensure_leaflet(target: Path = LEAFLET_DIR) -> Path:
    """Copy Leaflet's dist files into ``target`` unless they are already there.

    Parameters
    ----------
    target : pathlib.Path
        Folder served by Streamlit as ``/app/static/leaflet``.

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    source = leaflet_source()
    done = all((target / name).is_file() for name in _FILES) and (target / "images").is_dir()
    if done:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in _FILES:
        shutil.copyfile(source / name, target / name)
    shutil.copytree(source / "images", target / "images", dirs_exist_ok=True)
    return target
