"""What a file is, whatever uploader it was dropped on, and where it should go.

Each kind of file has its reader in its own package (buildings in ``geodata``,
weather in ``solar``, consumption in ``planner.consumption_io``), and ``geodata``
and ``solar`` never import each other. When a reader refuses a file, the page
asks here what the file looks like, so that it can say "this looks like a
weather file: drop it under Météo" rather than "the file could not be read".

:func:`identify_file` tries the ``inspect_*`` functions of the command line
(:data:`quartier_solaire.file_kinds.INSPECTORS`, which the command line's
``inspect`` uses too), in their order;
:func:`misplaced` turns a reader's refusal into that precise error;
:func:`kind_message` is the sentence for a person.
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Literal

from quartier_solaire.errors import NotRecognised, ReadError
from quartier_solaire.file_kinds import INSPECTORS
from quartier_solaire.i18n import DEFAULT_LANGUAGE, t

FileKind = Literal["buildings", "weather", "consumption", "empty", "unknown"]
KINDS: tuple[str, ...] = ("buildings", "weather", "consumption", "empty", "unknown")


# What an inspector may raise on a hostile file of another kind: it is then "not
# recognised" by that inspector, and the next one is tried.
_NOT_THIS_KIND = (ValueError, OSError, KeyError, IndexError, TypeError, RecursionError)

# Refusals that say "not my kind" rather than "mine, but damaged".
_REFUSED_AS_OTHER = frozenset({"consumption_binary_file"})


def _payload(
    source: bytes | IO[bytes] | str | os.PathLike, filename: str | None
) -> tuple[bytes, str]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.read_bytes(), filename or path.name
    data = source if isinstance(source, bytes) else source.read()
    return data, filename or getattr(source, "name", None) or "upload"


def _safe_suffix(name: str) -> str:
    """The last two extensions of ``name`` if short and plain (".osm.pbf"), else ""."""
    suffixes = Path(name).suffixes[-2:]
    plain = [s for s in suffixes if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", s)]
    return "".join(plain) if plain == suffixes else "".join(plain[-1:])


def identify_file(
    source: bytes | IO[bytes] | str | os.PathLike, filename: str | None = None
) -> FileKind:
    """Say what a file looks like: buildings, weather, consumption, empty or unknown.

    Parameters
    ----------
    source : bytes, file-like, str or path
        The file or its content (an upload's ``getvalue()``).
    filename : str, optional
        The file's name as the user gave it; its extension helps the readers.

    Returns
    -------
    str
        ``"buildings"``, ``"weather"`` or ``"consumption"`` when that kind's
        inspector recognises the file (even if it then finds it damaged: a
        truncated weather file is still a weather file), ``"empty"`` for a file
        with nothing but blanks, ``"unknown"`` otherwise. Never raises on
        content.
    """
    data, name = _payload(source, filename)
    if not data.strip():
        return "empty"
    with tempfile.TemporaryDirectory(prefix="qs-identify-") as folder:
        # Inspectors read paths; the user's name never enters the path (length, odd bytes).
        path = Path(folder) / ("upload" + _safe_suffix(name))
        path.write_bytes(data)
        for kind, module_name, function_name in INSPECTORS:
            inspector = getattr(importlib.import_module(module_name), function_name)
            try:
                inspector(path)
            except NotRecognised:
                continue
            except ReadError as error:
                if error.code in _REFUSED_AS_OTHER:
                    continue
                return kind  # recognised, but damaged
            except _NOT_THIS_KIND:
                continue
            return kind
    return "unknown"


def misplaced(
    error: ReadError,
    source: bytes | IO[bytes] | str | os.PathLike,
    filename: str | None = None,
    *,
    expected: str,
) -> ReadError:
    """Return a reader's refusal made precise when the file is of another kind.

    Parameters
    ----------
    error : ReadError
        What the reader of ``expected`` files raised.
    source, filename
        The file, as for :func:`identify_file`.
    expected : str
        The kind the uploader takes: ``"buildings"``, ``"weather"`` or ``"consumption"``.

    Returns
    -------
    ReadError
        ``error`` itself when the file is of the expected kind or unknown; else a
        ReadError with code ``"wrong_place"`` and params ``kind`` (what it looks
        like) and ``expected``, or code ``"empty_file"`` for an empty file.
    """
    kind = identify_file(source, filename)
    if kind in (expected, "unknown"):
        return error
    if kind == "empty":
        return ReadError("the file is empty", path=error.path, code="empty_file")
    return ReadError(
        f"this looks like a {kind} file, not a {expected} file: drop it where {kind} files go",
        path=error.path,
        code="wrong_place",
        params={"kind": kind, "expected": expected},
    )


def kind_message(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return the sentence saying what a file looks like and where to drop it.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    lang : str
        ``"fr"`` or ``"en"``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}; expected one of {KINDS}")
    return t(f"files.kind.{kind}", lang)
