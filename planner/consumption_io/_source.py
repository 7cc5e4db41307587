"""Bytes in, text out: the checks every text reader does first.

- An empty file (or only blanks) is an error (``empty_file``).
- A binary file (NUL bytes, a ZIP/Excel, gzip or PDF signature) is an error
  (``binary_file``): an Excel export renamed ``.csv`` ends here.
- The text is UTF-8, with or without BOM. A file that is not valid UTF-8 is
  decoded as Windows-1252/latin-1 (what a spreadsheet on Windows writes) and
  reported (``encoding_latin1``, repaired).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from quartier_solaire.errors import Problem, ReadError

_BINARY_SIGNATURES = (b"PK\x03\x04", b"\x1f\x8b", b"%PDF", b"\xd0\xcf\x11\xe0")
_SNIFF_BYTES = 8192


@dataclass
class Source:
    """A file's text and what was found while decoding it."""

    text: str
    name: str | None
    problems: list[Problem] = field(default_factory=list)
    ends_with_newline: bool = True


def read_bytes(path_or_buffer: str | os.PathLike | IO, filename: str | None) -> tuple[bytes, str]:
    """Return the raw bytes and the display name of a path or a buffer."""
    if isinstance(path_or_buffer, (str, os.PathLike)):
        path = Path(path_or_buffer)
        name = filename or path.name
        try:
            return path.read_bytes(), name
        except OSError as exc:
            raise ReadError(
                f"the file cannot be opened ({exc.strerror or type(exc).__name__})",
                path=name,
                code="consumption_unreadable",
            ) from exc
    data = path_or_buffer.read()
    name = filename or getattr(path_or_buffer, "name", None)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return bytes(data), (Path(name).name if isinstance(name, str) else None)


def decode(data: bytes, name: str | None) -> Source:
    """Check for empty and binary content, then decode to text."""
    if not data.strip():
        raise ReadError(
            "the file is empty; expected a consumption export",
            path=name,
            code="consumption_empty_file",
        )
    head = data[:_SNIFF_BYTES]
    if head.startswith(_BINARY_SIGNATURES) or b"\x00" in head:
        raise ReadError(
            "the file is binary (a spreadsheet, an archive or a document), not text; "
            "expected a CSV or JSON export",
            path=name,
            code="consumption_binary_file",
        )
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("cp1252", errors="replace")
        problems.append(
            Problem(
                code="consumption_encoding_latin1",
                message="The file is not UTF-8; it was read as latin-1 (Windows-1252).",
                severity="repaired",
                line=line,
            )
        )
    return Source(
        text=text,
        name=name,
        problems=problems,
        ends_with_newline=text.endswith(("\n", "\r")),
    )


def load(path_or_buffer: str | os.PathLike | IO, filename: str | None = None) -> Source:
    """Read and decode a path or buffer."""
    data, name = read_bytes(path_or_buffer, filename)
    return decode(data, name)


def as_buffer(source: Source) -> io.StringIO:
    """Return the decoded text as a buffer."""
    return io.StringIO(source.text)
