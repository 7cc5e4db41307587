"""The schema comes from the migrations, matches the models; SQLite is set up for concurrency."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from planner.store import Base, downgrade, open_store, read, upgrade, write
from tests.planner.store.conftest import FAST

HEAD = "0005"


def test_migrations_create_every_table(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"accounts", "projects", "households", "consents", "curves", "access_log"} <= tables
    assert "alembic_version" in tables


def test_models_match_the_migrations(store):
    # `alembic check`: autogenerate finds nothing to add, drop or alter.
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(store):
    assert upgrade(store) == HEAD
    assert upgrade(store) == HEAD


def test_cascades_are_in_the_database(store):
    inspector = inspect(store.engine)
    rules = {
        (table, fk["referred_table"]): fk["options"].get("ondelete")
        for table in ("households", "consents", "curves", "access_log")
        for fk in inspector.get_foreign_keys(table)
    }
    assert rules[("households", "accounts")] == "CASCADE"
    assert rules[("consents", "households")] == "CASCADE"
    assert rules[("curves", "consents")] == "CASCADE"
    assert rules[("curves", "households")] == "CASCADE"
    assert rules[("access_log", "consents")] == "CASCADE"


def _sqlite_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite3'}", key=b"k" * 32, config=FAST)
    upgrade(store)
    return store


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    store = _sqlite_store(tmp_path)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_sqlite_write_transactions_take_the_lock_up_front(tmp_path):
    store = _sqlite_store(tmp_path)
    other = sqlite3.connect(tmp_path / "s.sqlite3", timeout=0, isolation_level=None)
    with write(store) as session:
        session.execute(select(1))  # a read only: a deferred BEGIN would hold no lock yet
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # released at commit
    other.execute("ROLLBACK")


def test_sqlite_reads_do_not_block_writers(tmp_path):
    store = _sqlite_store(tmp_path)
    other = sqlite3.connect(tmp_path / "s.sqlite3", timeout=0, isolation_level=None)
    with read(store) as session:
        session.execute(text("SELECT count(*) FROM accounts"))
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")


def test_foreign_keys_are_enforced(store):
    from sqlalchemy.exc import IntegrityError

    from planner.store.models import Household

    with pytest.raises(IntegrityError), write(store) as session:
        session.add(Household(owner_id="0" * 32))


def test_the_migration_goes_down_and_up_again(store):
    assert downgrade(store, "base") is None
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    assert upgrade(store) == HEAD
    assert "curves" in inspect(store.engine).get_table_names()


def test_migrations_keep_every_row_of_a_populated_database(store_url):
    """Upgrading from 0001 with data in it: batch-copied tables lose nothing, cascade nothing."""
    store = open_store(store_url, key=b"k" * 32, config=FAST)
    assert upgrade(store, "0001") == "0001"
    rows = {
        "accounts": "INSERT INTO accounts (id, login, role, failed_attempts, created_at) "
        "VALUES ('a1', 'r@example.org', 'resident', 0, '2026-01-01')",
        "projects": "INSERT INTO projects (id, name, organisation, purpose, "
        "consent_wording_version, created_at) VALUES ('p1', 'P', 'E', 'x', 'v1', '2026-01-01')",
        "households": "INSERT INTO households (id, owner_id, pseudonym, created_at) "
        "VALUES ('h1', 'a1', 'F-x', '2026-01-01')",
        "consents": "INSERT INTO consents (id, household_id, project_id, cooperative_curve, "
        "city_aggregates, step, purpose, starts_at, expires_at, wording_version, created_at) "
        "VALUES ('c1', 'h1', 'p1', true, false, 'daily', 'x', '2026-01-01', '2027-01-01', "
        "'v1', '2026-01-01')",
    }
    with store.engine.begin() as connection:
        for statement in rows.values():
            connection.execute(text(statement))
    assert upgrade(store) == HEAD
    # And down again: SQLite copies the accounts table to drop its columns.
    assert downgrade(store, "0001") == "0001"
    with store.engine.connect() as connection:
        for table in rows:
            count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            assert count == 1, table
    store.engine.dispose()
