"""App test fixtures: unexpected page errors fail the test; the app on a free port; Chromium."""

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STORE_ENV = ("QUARTIER_SOLAIRE_DATABASE_URL", "QUARTIER_SOLAIRE_DATA_KEY")


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory):
    """A fresh data folder for the app's embedded database, never the project's var/.

    AppTest runs the app in this process: the store opened at app start (cached
    per database URL) lands here. A configured database would switch the demo
    sign-in off and touch real data, so the tests run without one.
    """
    folder = tmp_path_factory.mktemp("data")
    saved = {name: os.environ.pop(name, None) for name in (*STORE_ENV, "QUARTIER_SOLAIRE_DATA_DIR")}
    os.environ["QUARTIER_SOLAIRE_DATA_DIR"] = str(folder)
    yield folder
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def page_errors():
    """Fail a test whose page raised unexpectedly.

    The page-level guard (app_pages/_guard.py) shows users a message instead of a
    traceback, so AppTest no longer sees the exception; it sees the guard's log.
    A test that provokes an error on purpose empties the returned list.
    """
    collect = _Collect()
    logger = logging.getLogger("quartier_solaire.app")
    logger.addHandler(collect)
    try:
        yield collect.records
    finally:
        logger.removeHandler(collect)
    assert not collect.records, [r.getMessage() for r in collect.records]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    port = _free_port()
    # Each server its own empty embedded database.
    env = dict(
        os.environ,
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        QUARTIER_SOLAIRE_DATA_DIR=str(tmp_path_factory.mktemp("server-data")),
    )
    for name in STORE_ENV:
        env.pop(name, None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quartier_solaire.cli",
            "run",
            "--port",
            str(port),
            "--no-browser",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
