"""quartier-solaire db upgrade / purge-expired, on the configured database."""

import pytest

from planner.store import open_store
from planner.store.settings import DATA_DIR_ENV, DATA_KEY_ENV, DATABASE_URL_ENV
from quartier_solaire import cli


@pytest.fixture
def configured(monkeypatch, tmp_path, store_url):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(DATA_KEY_ENV, raising=False)
    monkeypatch.setenv(DATABASE_URL_ENV, store_url)
    return store_url


def test_db_upgrade_then_purge(configured, capsys):
    assert cli.main(["db", "upgrade"]) == 0
    assert "révision 0003" in capsys.readouterr().out
    assert cli.main(["db", "purge-expired", "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == "Expired consents deleted, with their curves: 0."
    store = open_store()
    with store.engine.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0003"
        )
    store.engine.dispose()


def test_db_on_an_unreachable_database_says_so_without_the_url(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://someone:s3cret@127.0.0.1:1/none")
    assert cli.main(["db", "upgrade", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "s3cret" not in err


def test_db_needs_an_action():
    with pytest.raises(SystemExit):
        cli.main(["db"])
