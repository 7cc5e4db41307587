"""The quartier-solaire command: inspect any file the readers know, and run the app."""

import json

import pytest

from quartier_solaire import cli
from tests.conftest import ROOT


def _inspect_json(path, capsys):
    status = cli.main(["inspect", str(path), "--json"])
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == 1, "--json prints exactly one JSON object"
    return status, json.loads(lines[0])


def test_inspect_demo_geojson(tmp_path, capsys):
    from geodata.demo import demo_buildings, demo_geojson

    path = tmp_path / "demo.geojson"
    demo_geojson(path)
    status, report = _inspect_json(path, capsys)
    assert status == 0
    assert report["kind"] == "buildings"
    assert report["buildings"] == len(demo_buildings())
    assert report["dropped"] == 0


def test_inspect_plain_words_in_french(tmp_path, capsys):
    from geodata.demo import demo_geojson

    path = tmp_path / "demo.geojson"
    demo_geojson(path)
    assert cli.main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Type de fichier : bâtiments" in out
    assert "Bâtiments gardés : 186" in out


def test_inspect_unknown_file_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("Bonjour, ceci n'est pas un fichier de données.\n", encoding="utf-8")
    status, report = _inspect_json(path, capsys)
    assert status == 2
    assert report["kind"] == "error"
    assert report["error"]["code"] in {"not_recognised", "unreadable"}


def test_inspect_missing_file(tmp_path, capsys):
    status, report = _inspect_json(tmp_path / "absent.csv", capsys)
    assert status == 2
    assert report["error"]["code"] == "no_such_file"


class _FakeServer:
    def __init__(self, argv, cwd):
        self.argv, self.cwd = argv, cwd

    def poll(self):
        return None

    def wait(self):
        return 0


def test_run_starts_streamlit_on_app_py_and_opens_the_browser(monkeypatch):
    servers, opened = [], []
    monkeypatch.setattr(
        cli.subprocess,
        "Popen",
        lambda argv, cwd: servers.append(_FakeServer(argv, cwd)) or servers[-1],
    )
    monkeypatch.setattr(cli, "ensure_leaflet", lambda: None)
    monkeypatch.setattr(cli, "_has_display", lambda: True)
    monkeypatch.setattr(cli, "_wait_until_up", lambda url, server: True)
    monkeypatch.setattr(cli.webbrowser, "open", opened.append)
    assert cli.main(["run", "--port", "8765"]) == 0
    (server,) = servers
    assert server.argv[1:4] == ["-m", "streamlit", "run"]
    assert server.argv[4] == str(ROOT / "app.py")
    assert server.argv[-2:] == ["--server.port", "8765"]
    assert server.cwd == ROOT
    assert opened == ["http://localhost:8765"]


def test_run_without_a_screen_or_with_no_browser_opens_nothing(monkeypatch):
    opened = []
    monkeypatch.setattr(cli.subprocess, "Popen", lambda argv, cwd: _FakeServer(argv, cwd))
    monkeypatch.setattr(cli, "ensure_leaflet", lambda: None)
    monkeypatch.setattr(cli, "_wait_until_up", lambda url, server: True)
    monkeypatch.setattr(cli.webbrowser, "open", opened.append)
    monkeypatch.setattr(cli, "_has_display", lambda: False)
    cli.main(["run"])
    monkeypatch.setattr(cli, "_has_display", lambda: True)
    cli.main(["run", "--no-browser"])
    assert opened == []


def test_console_script_is_declared():
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as f:
        scripts = tomllib.load(f)["project"]["scripts"]
    assert scripts["quartier-solaire"] == "quartier_solaire.cli:main"


@pytest.mark.parametrize("argv", [[], ["inspect"], ["nope"]])
def test_bad_arguments_exit_with_usage(argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2


def test_stopping_the_command_stops_the_server(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    # A real `run` against a fake streamlit: SIGTERM to the command must end its child.
    fake = tmp_path / "streamlit"
    fake.mkdir()
    (fake / "__init__.py").write_text("")  # a regular package shadows the real one
    (fake / "__main__.py").write_text("import time\nwhile True: time.sleep(0.1)\n")
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    command = subprocess.Popen(
        [sys.executable, "-m", "quartier_solaire.cli", "run", "--no-browser", "--port", "1"],
        env=env,
    )
    time.sleep(2)
    children = subprocess.run(
        ["pgrep", "-P", str(command.pid)], capture_output=True, text=True
    ).stdout.split()
    assert children, "the server process was started"
    command.send_signal(signal.SIGTERM)
    command.wait(timeout=10)
    time.sleep(0.5)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}")]
    assert alive == []


def _run_argv(monkeypatch, argv):
    servers = []
    monkeypatch.setattr(
        cli.subprocess,
        "Popen",
        lambda argv, cwd: servers.append(_FakeServer(argv, cwd)) or servers[-1],
    )
    monkeypatch.setattr(cli, "ensure_leaflet", lambda: None)
    monkeypatch.setattr(cli, "_has_display", lambda: False)
    cli.main(argv)
    (server,) = servers
    flag = server.argv.index("--server.address")
    return server.argv[flag + 1]


def test_run_serves_this_machine_only_by_default(monkeypatch):
    assert _run_argv(monkeypatch, ["run"]) == "127.0.0.1"


def test_run_serves_the_network_only_when_asked(monkeypatch):
    assert _run_argv(monkeypatch, ["run", "--address", "0.0.0.0"]) == "0.0.0.0"


# --- screen: the rooftop chain on a building file ------------------------------


def _screen_json(args, capsys):
    status = cli.main(["screen", *map(str, args), "--json"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, "--json prints exactly one JSON object"
    return status, json.loads(lines[0])


def test_screen_runs_the_rooftop_chain_on_a_real_file(tmp_path, capsys):
    import pandas as pd

    from geodata.io import read_buildings
    from planner.rooftops import RooftopChain

    path = ROOT / "tests" / "data" / "buildings" / "osm_sample.osm"
    out = tmp_path / "roofs.csv"
    status, figures = _screen_json([path, "--csv", out], capsys)
    assert status == 0 and figures["kind"] == "screen"
    run = RooftopChain.for_buildings(read_buildings(path)[0]).run_model()
    summary = run.summary()
    assert figures["buildings"] == summary["buildings"] == 4
    assert figures["planes"] == len(run.planes)
    assert figures["mode"] == run.mode == "exact" and figures["shading"] is True
    assert figures["suitable_kwp"] == round(summary["suitable_kwp"], 1)
    assert figures["suitable_mwh_per_year"] == round(summary["suitable_gwh_per_year"] * 1e3, 1)
    codes = {p["code"] for p in figures["problems"]}
    # The reader's findings, then the chain's (roofs, shading).
    assert {"buildings_sliver", "roof_plane_existing_pv", "shading_height_default"} <= codes
    table = pd.read_csv(out, index_col="building_id")
    assert table["suitable_annual_kwh"].sum() == pytest.approx(
        run.buildings["suitable_annual_kwh"].sum()
    )


def test_screen_without_shading_and_in_fast_mode(capsys):
    path = ROOT / "tests" / "data" / "buildings" / "osm_sample.osm"
    status, figures = _screen_json([path, "--no-shading", "--mode", "fast"], capsys)
    assert status == 0 and figures["mode"] == "fast" and figures["shading"] is False
    assert not any(p["code"].startswith("shading_") for p in figures["problems"])


def test_screen_plain_words_in_french(capsys):
    path = ROOT / "tests" / "data" / "buildings" / "osm_sample.osm"
    assert cli.main(["screen", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Bâtiments : 4" in out
    assert "Météo : année type embarquée" in out
    assert "Points relevés" in out


def test_screen_a_bad_weather_file_names_it(capsys):
    path = ROOT / "tests" / "data" / "buildings" / "osm_sample.osm"
    weather = ROOT / "tests" / "data" / "consumption" / "weather_pvgis.csv"
    status, figures = _screen_json([path, "--weather", weather], capsys)
    assert status == 2 and figures["kind"] == "error"
    assert figures["error"]["path"] == "weather_pvgis.csv"


# --- screen --out: a city's roofs into GeoParquet, on Dask or in this process ---


def test_screen_out_writes_geoparquet_and_resumes(tmp_path, capsys):
    import geopandas as gpd

    from planner.screening import BUILDING_COLUMNS, PLANE_COLUMNS

    path = ROOT / "tests" / "data" / "buildings" / "osm_sample.osm"
    out = tmp_path / "screen"
    argv = ["screen", str(path), "--out", str(out), "--workers", "0", "--json"]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    figures = json.loads(captured.out.strip().splitlines()[-1])
    assert {"buildings", "planes", "suitable_kwp", "annual_mwh", "seconds", "workers"} <= set(
        figures
    )
    assert figures["buildings"] == 4 and figures["workers"] == 0 and figures["skipped"] == 0
    assert "1/1 partitions" in captured.err
    buildings = gpd.read_parquet(out / "buildings" / "part-00000.parquet")
    planes = gpd.read_parquet(out / "planes" / "part-00000.parquet")
    assert list(buildings.columns) == list(BUILDING_COLUMNS) and buildings.crs.to_epsg() == 4326
    assert list(planes.columns) == list(PLANE_COLUMNS) and len(planes) == figures["planes"]
    assert planes[[f"m{m:02d}" for m in range(1, 13)]].sum(axis=1).to_numpy() == pytest.approx(
        planes["annual_kwh"].to_numpy(), rel=1e-6
    )
    assert json.loads((out / "summary.json").read_text())["planes"] == figures["planes"]
    # Run again: every partition is already there.
    assert cli.main(argv) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["skipped"] == 1 and again["annual_mwh"] == figures["annual_mwh"]


def test_screen_out_plain_summary_in_french_and_a_bbox(tmp_path, capsys):
    path = ROOT / "tests" / "data" / "buildings" / "osm_sample.osm"
    out = tmp_path / "screen"
    assert cli.main(["screen", str(path), "--out", str(out), "--workers", "0"]) == 0
    text = capsys.readouterr().out
    assert "Bâtiments : 4" in text and "Toits analysés" in text
    status = cli.main(
        ["screen", str(path), "--out", str(out), "--workers", "0", "--bbox", "0,0,1,1"]
    )
    assert status == 2 and "emprise --bbox" in capsys.readouterr().err
    status = cli.main(["screen", str(path), "--out", str(out), "--bbox", "1,2,3", "--json"])
    assert status == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "screen_bad_bbox"


def test_screen_out_an_unreachable_scheduler_is_said_plainly(tmp_path, capsys):
    path = ROOT / "tests" / "data" / "buildings" / "osm_sample.osm"
    argv = ["screen", str(path), "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"]
    assert cli.main([*argv, "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["code"] == "screen_scheduler_unreachable"
