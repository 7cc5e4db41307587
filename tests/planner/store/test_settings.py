"""Where the store lives: data folder, database URL, key; and every refusal has words."""

import re
import stat

import pytest

from planner.store import StoreError, data_dir, database_url, new_key, open_store
from planner.store.crypto import KEY_FILE, key_file, parse_key
from planner.store.settings import DATA_DIR_ENV, DATA_KEY_ENV, DATABASE_URL_ENV
from quartier_solaire.i18n import LANGUAGES, catalogue, describe
from tests.conftest import ROOT


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in (DATA_DIR_ENV, DATABASE_URL_ENV, DATA_KEY_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    return tmp_path / "data"


def test_data_dir_defaults_to_var_in_the_project(monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert data_dir() == ROOT / "var"
    assert "var/" in (ROOT / ".gitignore").read_text().splitlines()


def test_data_dir_moves_with_the_environment(clean_env):
    assert data_dir() == clean_env and clean_env.is_dir()
    assert stat.S_IMODE(clean_env.stat().st_mode) == 0o700
    assert database_url() == f"sqlite:///{clean_env / 'quartier-solaire.sqlite3'}"


@pytest.mark.parametrize(
    ("env", "secrets", "expected"),
    [
        ("postgresql://u:p@db/qs", None, "postgresql+psycopg://u:p@db/qs"),
        ("postgres://u:p@db/qs", None, "postgresql+psycopg://u:p@db/qs"),
        (None, {DATABASE_URL_ENV: "postgresql://s@db/qs"}, "postgresql+psycopg://s@db/qs"),
        (None, {"database": {"url": "postgresql://t@db/qs"}}, "postgresql+psycopg://t@db/qs"),
        ("postgresql://env@db/qs", {DATABASE_URL_ENV: "postgresql://s@db/qs"}, None),
    ],
)
def test_database_url_from_environment_then_secrets(clean_env, monkeypatch, env, secrets, expected):
    if env:
        monkeypatch.setenv(DATABASE_URL_ENV, env)
    expected = expected or "postgresql+psycopg://env@db/qs"
    assert database_url(secrets) == expected


def test_embedded_demo_generates_its_key_once_owner_only(clean_env):
    store = open_store()
    path = clean_env / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.key == parse_key(path.read_text())
    assert open_store().key == store.key == key_file(clean_env)
    assert store.embedded


def test_configured_key_wins_and_no_file_is_written(clean_env, monkeypatch):
    key = new_key()
    monkeypatch.setenv(DATA_KEY_ENV, key)
    assert open_store().key == parse_key(key)
    assert not (clean_env / KEY_FILE).exists()


def test_external_database_without_a_key_has_none(clean_env):
    store = open_store("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert store.key is None and not store.embedded
    assert not (clean_env / KEY_FILE).exists()


@pytest.mark.parametrize(
    "text", ["", "short", "!" * 44, "A" * 40], ids=["empty", "short", "not-base64", "30-bytes"]
)
def test_bad_keys_are_refused(text):
    with pytest.raises(StoreError) as error:
        parse_key(text)
    assert error.value.code == "store_bad_key"


def test_every_store_error_code_has_words_in_both_languages():
    codes = set()
    for path in (ROOT / "planner" / "store").rglob("*.py"):
        codes |= set(re.findall(r"StoreError\(\s*\"([a-z0-9_]+)\"", path.read_text()))
    codes |= set(
        re.findall(r"StoreError\(\"([a-z0-9_]+)\"", (ROOT / "quartier_solaire/cli.py").read_text())
    )
    assert len(codes) >= 20
    missing = sorted(c for c in codes if f"problem.{c}" not in catalogue())
    assert missing == []
    error = StoreError("store_throttled", "Too many.", {"minutes": 4})
    for lang in LANGUAGES:
        assert "4 min" in describe(error, lang)


def test_prepare_store_migrates_and_purges_expired_consents(clean_env, monkeypatch):
    from datetime import timedelta

    from planner.store import (
        create_account,
        create_project,
        give_consent,
        list_consents,
        prepare_store,
    )
    from planner.store.models import utcnow
    from tests.planner.store.conftest import curve, terms

    store = prepare_store({"unused": "setting"})
    assert store.embedded and (clean_env / "quartier-solaire.sqlite3").is_file()
    resident = create_account(store, "r@example.org", "resident")
    coop = create_account(store, "c@example.org", "cooperative", organisation="E")
    project = create_project(store, coop.id, "P", "purpose", "v1")
    past = utcnow() - timedelta(days=40)
    short = terms(project, expires_at=past + timedelta(days=30))
    give_consent(store, resident.id, short, curve(), now=past)
    assert len(list_consents(store, resident.id)) == 1
    prepare_store()
    assert list_consents(store, resident.id) == []


def test_the_key_never_shows_in_the_stores_repr():
    key = new_key()
    store = open_store("sqlite://", key=key)
    assert "key" not in repr(store) and str(parse_key(key)) not in repr(store)


def test_a_database_out_of_reach_is_a_store_error_with_words():
    from planner.store import list_consents

    store = open_store("postgresql+psycopg://someone:s3cret@127.0.0.1:1/none", key=new_key())
    with pytest.raises(StoreError) as error:
        list_consents(store, "0" * 32)
    assert error.value.code == "store_unreachable"
    assert "s3cret" not in describe(error.value, "en")
