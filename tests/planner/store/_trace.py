"""Search every table of a database for values: the proof that a delete left no trace."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text


def traces(engine: Engine, needles: list[str | bytes]) -> list[tuple[str, str]]:
    """Return (table, column) pairs in ANY table whose value contains one of ``needles``."""
    found = []
    tables = inspect(engine).get_table_names()
    assert {"accounts", "households", "consents", "curves", "access_log"} <= set(tables)
    with engine.connect() as connection:
        for table in tables:
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if _contains(value, needles):
                        found.append((table, column))
    return found


def _contains(value: object, needles: list[str | bytes]) -> bool:
    if value is None:
        return False
    if isinstance(value, memoryview | bytes | bytearray):
        raw = bytes(value)
        return any(n in raw for n in needles if isinstance(n, bytes) and n)
    textual = str(value)
    return any(n in textual for n in needles if isinstance(n, str) and n)
