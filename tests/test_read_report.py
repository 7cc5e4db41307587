"""One report shape for every reader: a ReadReport with kind, format, name, problems and counts."""

import json

import pytest

from planner.consumption_io import read_consumption
from quartier_solaire.errors import ReadReport


def _check(report, kind):
    assert isinstance(report, ReadReport)
    assert report.kind == kind and report.format
    assert isinstance(report.problems, tuple)
    assert report.rows_kept is not None and report.rows_dropped is not None
    assert report.repairs == sum(p.severity in ("repaired", "dropped") for p in report.problems)
    json.dumps(report.to_dict())
    with pytest.raises(AttributeError):
        report.kind = "other"  # frozen


def test_consumption_report(data_dir):
    _, meta = read_consumption(data_dir / "consumption" / "enedis_gaps.csv")
    _check(meta["report"], "consumption")


def test_weather_report(tmp_path):
    from solar.weather_files import read_weather_file
    from tests.solar.test_weather_files import pvgis_frame, write_pvgis_json

    _, meta = read_weather_file(write_pvgis_json(tmp_path / "tmy.json", pvgis_frame()))
    _check(meta["report"], "weather")


def test_buildings_report(tmp_path):
    from geodata.demo import demo_geojson
    from geodata.io import read_buildings

    path = tmp_path / "demo.geojson"
    demo_geojson(path)
    _, report = read_buildings(path)
    _check(report, "buildings")
    assert (report.rows_kept, report.rows_dropped) == (report.kept, report.dropped)


def test_every_report_has_the_shared_fields():
    names = {f for f in ReadReport.__dataclass_fields__}
    assert names == {
        "kind", "format", "name", "problems", "rows_kept", "rows_dropped", "rows_repaired"
    }  # fmt: skip
