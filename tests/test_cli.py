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


def test_run_starts_streamlit_on_app_py(monkeypatch):
    calls = []
    monkeypatch.setattr(cli.os, "execv", lambda exe, argv: calls.append(argv))
    monkeypatch.setattr(cli.os, "chdir", lambda path: None)
    monkeypatch.setattr(cli, "ensure_leaflet", lambda: None)
    cli.main(["run", "--port", "8765"])
    (argv,) = calls
    assert argv[1:4] == ["-m", "streamlit", "run"]
    assert argv[4] == str(ROOT / "app.py")
    assert argv[-2:] == ["--server.port", "8765"]


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
