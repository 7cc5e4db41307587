"""Opening the store: the engine, its connection settings, transactions and migrations.

SQLite (the embedded default) gets, on every connection: WAL journal (readers
never block the writer), a busy timeout, foreign keys on, and write
transactions that take the write lock up front (``BEGIN IMMEDIATE``): two
writers queue on the busy timeout instead of failing half-way with "database is
locked". This is SQLAlchemy's documented recipe for pysqlite transaction
control (sqlite dialect docs, "Enabling Non-Legacy SQLite Transactional Modes"):
the driver's own BEGIN is switched off and SQLAlchemy emits ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from planner.store.crypto import key_file, parse_key
from planner.store.errors import StoreError
from planner.store.settings import StoreConfig, configured_key, data_dir, database_url

MIGRATIONS = Path(__file__).with_name("migrations")
_READ_ONLY = "quartier_solaire_read_only"
# Any constant: serialises concurrent upgrades of one PostgreSQL database.
_PG_UPGRADE_LOCK = 7_316_402


@dataclass(frozen=True)
class Store:
    """An open store: the engine, the key that encrypts curves, and the tunable figures.

    One per process (it holds a connection pool and no per-user state); build it
    with :func:`open_store`.
    """

    engine: Engine
    # Never in a repr: a Store printed in a log or an error page must not show the key.
    key: bytes | None = field(repr=False)
    config: StoreConfig = field(default_factory=StoreConfig)

    @property
    def embedded(self) -> bool:
        """True on the embedded SQLite database (where the demo sign-in is offered)."""
        return self.engine.dialect.name == "sqlite"


class _NoRows(logging.Filter):
    """Drops SQLAlchemy's DEBUG records of result rows: they hold logins and curves."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


def _quiet_rows() -> None:
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoRows) for f in logger.filters):
        logger.addFilter(_NoRows())


def make_engine(url: str, config: StoreConfig | None = None) -> Engine:
    """Return an engine for ``url`` with the store's connection settings.

    Nothing personal reaches a log, whatever the log level: statement
    parameters are neither logged nor put in error messages
    (``hide_parameters``), and result rows are filtered out of SQLAlchemy's
    debug log. They hold logins, hashes and curves.
    """
    config = config or StoreConfig()
    _quiet_rows()
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, hide_parameters=True, connect_args={"timeout": config.busy_timeout_s}
        )
        _sqlite_settings(engine, config)
        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True)


def _sqlite_settings(engine: Engine, config: StoreConfig) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Switch off the driver's own (late, DML-only) BEGIN: we emit ours below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(config.busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL, NORMAL loses no committed transaction when the process dies.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def open_store(
    url: str | None = None,
    *,
    key: str | bytes | None = None,
    secrets: Mapping[str, Any] | None = None,
    config: StoreConfig | None = None,
) -> Store:
    """Open the store named by ``url``, or by the settings (see :func:`database_url`).

    The curve key is ``key`` if given, else ``QUARTIER_SOLAIRE_DATA_KEY`` from
    the environment or ``secrets``, else, on the embedded database only, a key
    file generated in the data folder. On an external database with no key
    configured, storing or reading a curve raises ``store_no_key``.
    """
    config = config or StoreConfig()
    url = url or database_url(secrets)
    engine = make_engine(url, config)
    if isinstance(key, str):
        key = parse_key(key)
    elif key is None and (text_key := configured_key(secrets)):
        key = parse_key(text_key)
    elif key is None and engine.dialect.name == "sqlite":
        key = key_file(data_dir())
    return Store(engine=engine, key=key, config=config)


@contextmanager
def write(store: Store) -> Iterator[Session]:
    """Yield a session in one write transaction: committed at the end, rolled back on error."""
    with _translated(), Session(store.engine, expire_on_commit=False) as session:
        with session.begin():
            yield session


@contextmanager
def read(store: Store) -> Iterator[Session]:
    """Yield a session in one read-only transaction (it never takes SQLite's write lock)."""
    engine = store.engine.execution_options(**{_READ_ONLY: True})
    with _translated(), Session(engine, expire_on_commit=False) as session:
        with session.begin():
            yield session


@contextmanager
def _translated() -> Iterator[None]:
    # A person gets words they can act on, never the driver's message (it may quote
    # the server's address; statements' values are hidden anyway).
    try:
        yield
    except OperationalError as error:
        if "locked" in str(error.orig) or "busy" in str(error.orig):
            raise StoreError(
                "store_busy", "The database is busy; try again in a moment."
            ) from error
        raise StoreError("store_unreachable", "The database cannot be reached.") from error


def alembic_config(connection: Any = None) -> Any:
    """Return an Alembic configuration built in code (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(store: Store, revision: str = "head") -> str | None:
    """Apply the migrations up to ``revision``; return the revision the database is at.

    On SQLite, foreign keys are switched off while the migrations run (SQLite's
    documented procedure for altering tables): copying a table in batch mode
    drops the old one, and with foreign keys on, dropping it would cascade the
    deletion to every household. They are checked before the commit.
    """
    return _migrate(store, "upgrade", revision)


def downgrade(store: Store, revision: str) -> str | None:
    """Undo the migrations down to ``revision`` (``"base"``: none), as safely as :func:`upgrade`."""
    return _migrate(store, "downgrade", revision)


def _migrate(store: Store, direction: str, revision: str) -> str | None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, where the pragma takes effect
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if not sqlite:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_UPGRADE_LOCK}
                    )
                getattr(command, direction)(alembic_config(connection), revision)
                if sqlite:
                    _check_foreign_keys(connection)
                current = MigrationContext.configure(connection).get_current_revision()
        finally:
            # After the transaction: inside one, the pragma would do nothing.
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
    return current


def _check_foreign_keys(connection: Any) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left {len(broken)} rows with broken foreign keys")
