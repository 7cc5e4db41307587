"""What the app does with the store when it starts: migrate, then purge expired consents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.store.consents import purge_expired
from planner.store.engine import Store, open_store, upgrade


def prepare_store(secrets: Mapping[str, Any] | None = None) -> Store:
    """Open the configured store, apply the migrations and purge expired consents.

    The page layer calls this once per process (it holds no per-user state);
    ``secrets`` is Streamlit's ``st.secrets`` or any mapping of settings.
    """
    store = open_store(secrets=secrets)
    upgrade(store)
    purge_expired(store)
    return store
