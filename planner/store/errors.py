"""The errors of the store: one family, each with a stable code the pages translate.

A :class:`StoreError` carries a ``code`` whose catalogue entry is
``problem.<code>`` in ``quartier_solaire/catalogue.toml`` (so that
:func:`quartier_solaire.i18n.describe` words it in French or English), and a
plain-English ``message`` for the command line and logs. Neither ever holds a
personal value: no login, password, token, pseudonym or reading.
"""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Something the store refused to do, and why, in words a person can act on.

    Parameters
    ----------
    code : str
        Stable identifier, catalogue key ``problem.<code>``.
    message : str
        Plain-English sentence.
    params : dict, optional
        Values for the catalogue message (counts, minutes; never personal data).
    """

    line = None
    field = None
    count = 1

    def __init__(self, code: str, message: str, params: dict[str, Any] | None = None) -> None:
        self.code = code
        self.message = message
        self.params = dict(params or {})
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        """Return the error as plain JSON-serialisable values."""
        return {"code": self.code, "message": self.message, **self.params}
