"""Shared fixtures and tolerance helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[1]


@pytest.fixture
def data_dir() -> Path:
    """Folder of tiny hand-made fixtures."""
    return DATA


def assert_rel_close(actual, expected, rtol: float, what: str = "") -> None:
    """Assert ``actual`` is within ``rtol`` (relative) of ``expected``, elementwise."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    err = np.abs(actual - expected) / np.maximum(np.abs(expected), 1e-12)
    worst = float(np.nanmax(err)) if err.size else 0.0
    assert worst <= rtol, f"{what} relative error {worst:.4%} > {rtol:.4%}"
