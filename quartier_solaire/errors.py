"""Errors and data-quality findings shared by every reader.

Readers never let a raw exception reach the user. A file that cannot be read
raises :class:`ReadError` naming the file, the line and the field. A file that
can be read with repairs returns its data together with a list of
:class:`Problem` that say what was repaired or dropped, and why.

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
