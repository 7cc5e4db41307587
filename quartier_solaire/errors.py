"""Errors, data-quality findings and the report shared by every reader.

Readers never let a raw exception reach the user. A file that cannot be read
raises :class:`ReadError` naming the file, the line and the field. A file that
can be read with repairs returns its data together with a list of
:class:`Problem` that say what was repaired or dropped, and why, gathered in
one :class:`ReadReport` (or a subclass) under ``metadata["report"]``.

Which exception, when (one rule for every reader and domain function):

- **A bad file** (its content, its size, its encoding, its layout) raises
  :class:`ReadError`, with ``code`` and, where they are known, ``line`` and
  ``field``. Whatever a parser underneath raises (``json.JSONDecodeError``,
  ``RecursionError`` on absurd nesting, pandas' ``ParserError``, a pvlib
  reader's ``ValueError``) is caught and re-raised as a ReadError: the page
  shows every ReadError as a message, so nothing else may escape a reader.
  :class:`NotRecognised` (a ReadError) says "not a file of this kind", and
  :class:`WrongPlace` (a NotRecognised) adds what the file is instead.
- **A bad argument from a caller** (a unit spelled wrong, a leap typical year,
  a negative step) raises ``ValueError`` (a bad value) or ``TypeError`` (a
  bad type): it is a bug in the calling code, not in the user's file, and must
  not be dressed as one. Note that ReadError subclasses ValueError, so
  ``except ValueError`` catches both; catch ReadError first where the
  difference matters.

Messages carry a stable ``code``: the user interface translates it through the
catalogue (``problem.<code>`` in ``quartier_solaire/catalogue.toml``), and
``message`` is the plain-English wording used by the command line. Neither may
contain personal values (a consumption reading, a comment): they end up in logs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "repaired", "dropped", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One finding of a reader about its input.

    Parameters
    ----------
    code : str
        Stable identifier, also the catalogue key ``problem.<code>``.
    message : str
        Plain-English sentence for the command line and logs.
    severity : str
        ``"error"``, ``"repaired"``, ``"dropped"``, ``"warning"`` or ``"info"``.
    line : int, optional
        1-based line number in the file, where there is one.
    field : str, optional
        Name of the column or attribute concerned.
    count : int
        How many rows or values the finding covers.
    params : dict
        Values substituted into the catalogue message (no personal data).
    """

    code: str
    message: str
    severity: Severity = "warning"
    line: int | None = None
    field: str | None = None
    count: int = 1
    # dataclasses.field spelled out: the attribute `field` above shadows the name.
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as plain JSON-serialisable values."""
        return {k: v for k, v in asdict(self).items() if v not in (None, {})}


class ReadError(ValueError):
    """A file that cannot be read, with where and why.

    Parameters
    ----------
    message : str
        What was expected and what was found, in plain English.
    path : str, optional
        Name of the file (never its content).
    line : int, optional
        1-based line number.
    field : str, optional
        Column or attribute name.
    code : str
        Stable identifier, catalogue key ``problem.<code>``.
    params : dict, optional
        Values for the catalogue message.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        code: str = "unreadable",
        params: dict[str, Any] | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.code = code
        self.params = dict(params or {})
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(str(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_dict(self) -> dict[str, Any]:
        """Return the error as plain JSON-serialisable values."""
        out = {"code": self.code, "message": self.message}
        for key in ("path", "line", "field"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


class NotRecognised(ReadError):
    """Raised by an ``inspect_*`` function when the file is not of its kind.

    The command line tries each kind in turn and moves on to the next one.
    """

    def __init__(self, message: str = "not a file of this kind", **kwargs: Any) -> None:
        kwargs.setdefault("code", "not_recognised")
        super().__init__(message, **kwargs)


#: Kinds of file the app takes, each in its own place (``WrongPlace.params["kind"]``).
FILE_KINDS: tuple[str, ...] = ("buildings", "weather", "consumption")


class WrongPlace(NotRecognised):
    """A file of another kind than the reader's, recognised as such.

    The page says what the file is and where to drop it: catalogue entry
    ``problem.wrong_place.<kind>``. The command line moves on to the next
    reader, as for any :class:`NotRecognised`.

    Parameters
    ----------
    kind : str
        What the file looks like: one of :data:`FILE_KINDS`.
    message : str, optional
        Plain-English sentence.
    **kwargs
        As :class:`ReadError` (``path``, ``line``, ``field``); ``params`` may
        add values (``format``) to the catalogue message.
    """

    def __init__(self, kind: str, message: str | None = None, **kwargs: Any) -> None:
        if kind not in FILE_KINDS:
            raise ValueError(f"kind must be one of {FILE_KINDS}, got {kind!r}")
        kwargs["code"] = "wrong_place"
        kwargs["params"] = {**(kwargs.get("params") or {}), "kind": kind}
        super().__init__(message or f"this file looks like {kind} data, not this kind", **kwargs)
        self.kind = kind


@dataclass(frozen=True, kw_only=True)
class ReadReport:
    """What a reader found in one file: the same shape for every reader.

    Readers of a kind may subclass it with their own counts (consumption's
    :class:`~planner.consumption_io.QualityReport`).

    Parameters
    ----------
    kind : str
        ``"weather"``, ``"consumption"`` or ``"buildings"``.
    format : str
        The format detected (``"pvgis-csv"``, ``"enedis_load_curve"``...).
    name : str, optional
        File name (never its content).
    problems : tuple of Problem
        Every finding, in the order found.
    rows_kept : int, optional
        Rows (hours, intervals, buildings) in the result.
    rows_dropped : int, optional
        Rows of the file left out (duplicates, 29 February, invalid rows).
    rows_repaired : int, optional
        Values the reader changed or filled in (interpolated, clipped).
    """

    kind: str
    format: str
    name: str | None = None
    problems: tuple[Problem, ...] = ()
    rows_kept: int | None = None
    rows_dropped: int | None = None
    rows_repaired: int | None = None

    @property
    def repairs(self) -> int:
        """Findings of severity ``"repaired"`` or ``"dropped"``."""
        return sum(p.severity in ("repaired", "dropped") for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-serialisable values."""
        out: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "problems":
                value = [p.to_dict() for p in value]
            out[item.name] = value
        return out
