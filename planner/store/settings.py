"""Where the store lives: the data folder, the database URL, and its tunable figures."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

DATA_DIR_ENV = "QUARTIER_SOLAIRE_DATA_DIR"
DATABASE_URL_ENV = "QUARTIER_SOLAIRE_DATABASE_URL"
DATA_KEY_ENV = "QUARTIER_SOLAIRE_DATA_KEY"
DATABASE_FILE = "quartier-solaire.sqlite3"
# The project folder: var/ beside app.py is git-ignored.
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class StoreConfig:
    """Tunable figures of the store; every one can be changed by the caller.

    Parameters
    ----------
    max_failures : int
        Wrong passwords within ``failure_window`` after which sign-in is refused.
    failure_window : timedelta
        Period over which wrong passwords are counted.
    lockout : timedelta
        How long sign-in is refused once ``max_failures`` is reached, even with
        the right password (it slows down guessing, OWASP authentication advice).
    busy_timeout_s : float
        How long a SQLite connection waits for another writer [s] before failing.
    hash_time_cost, hash_memory_kib, hash_parallelism : int
        argon2id parameters (argon2-cffi defaults: RFC 9106 low-memory profile).
    default_consent_years : int
        Duration of a consent [years] when the resident does not choose one.
    max_consent_years : int
        Longest consent [years] (Enedis Data Connect consents last at most 3 years).
    """

    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)
    busy_timeout_s: float = 30.0
    hash_time_cost: int = 3
    hash_memory_kib: int = 65536
    hash_parallelism: int = 4
    default_consent_years: int = 1
    max_consent_years: int = 3


def data_dir() -> Path:
    """Return the data folder, created if needed (owner-only permissions).

    It holds the embedded SQLite database and, for the embedded demo, the key
    that encrypts curves. ``var/`` in the project folder by default; the
    environment variable ``QUARTIER_SOLAIRE_DATA_DIR`` moves it.
    """
    folder = Path(os.environ.get(DATA_DIR_ENV) or _PROJECT_ROOT / "var")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _setting(name: str, secrets: Mapping[str, Any] | None) -> str | None:
    # The environment wins over secrets, so one deployment can override a shared file.
    value = os.environ.get(name)
    if not value and secrets is not None:
        value = secrets.get(name)
    return str(value) if value else None


def database_url(secrets: Mapping[str, Any] | None = None) -> str:
    """Return the database URL: PostgreSQL if one is configured, else the embedded SQLite file.

    Parameters
    ----------
    secrets : mapping, optional
        Settings such as Streamlit's ``st.secrets``; ``QUARTIER_SOLAIRE_DATABASE_URL``
        there, or in ``[database] url``, is used when the environment has none.

    A plain ``postgresql://`` or ``postgres://`` URL is given the psycopg 3 driver.
    """
    url = _setting(DATABASE_URL_ENV, secrets)
    if not url and secrets is not None:
        database = secrets.get("database")
        url = database.get("url") if isinstance(database, Mapping) else None
    if not url:
        return f"sqlite:///{data_dir() / DATABASE_FILE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configured_key(secrets: Mapping[str, Any] | None = None) -> str | None:
    """Return the curve key set in the environment or secrets, if any."""
    return _setting(DATA_KEY_ENV, secrets)
