"""Bytes in, text out: the checks every text reader does first.

- An empty file (or only blanks) is an error (``empty_file``).
- A binary file (NUL bytes, a ZIP/Excel, gzip or PDF signature) is an error
  (``binary_file``): an Excel export renamed ``.csv`` ends here.
- A file over :data:`~quartier_solaire.textfiles.MAX_UPLOAD_BYTES` (the app's
  upload limit) is refused before it is read (``file_too_large``).
- The text is UTF-8, with or without BOM. UTF-16 (Excel's "Unicode text"
  export), with or without BOM, is decoded as such (``encoding_utf16``, info).
  A file that is not valid UTF-8 is decoded as Windows-1252/latin-1 (what a
  spreadsheet on Windows writes) and reported (``encoding_latin1``, repaired).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from quartier_solaire.errors import Problem, ReadError
from quartier_solaire.textfiles import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, too_large, utf16_codec

_BINARY_SIGNATURES = (b"PK\x03\x04", b"\x1f\x8b", b"%PDF", b"\xd0\xcf\x11\xe0")
_SNIFF_BYTES = 8192


@dataclass
class Source:
    """A file's text and what was found while decoding it."""

    text: str
    name: str | None
    problems: list[Problem] = field(default_factory=list)
    ends_with_newline: bool = True

    def release(self) -> None:
        """Drop the text once a reader holds its rows as arrays.

        A large file's text is the biggest object a reader holds; freeing it
        before the quality checks keeps the peak memory within a small
        multiple of the file's size.
        """
        self.text = ""


def read_bytes(path_or_buffer: str | os.PathLike | IO, filename: str | None) -> tuple[bytes, str]:
    """Return the raw bytes and the display name of a path or a buffer.

    A file over the upload limit is refused before it is read whole.
    """
    if isinstance(path_or_buffer, (str, os.PathLike)):
        path = Path(path_or_buffer)
        name = filename or path.name
        try:
            _check_size(path.stat().st_size, name)
            return path.read_bytes(), name
        except OSError as exc:
            raise ReadError(
                f"the file cannot be opened ({exc.strerror or type(exc).__name__})",
                path=name,
                code="consumption_unreadable",
            ) from exc
    name = filename or getattr(path_or_buffer, "name", None)
    name = Path(name).name if isinstance(name, str) else None
    _check_size(_buffer_size(path_or_buffer), name)
    data = path_or_buffer.read(MAX_UPLOAD_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    _check_size(len(data), name)
    return bytes(data), name


def _buffer_size(buffer: IO) -> int | None:
    # Bytes left in a seekable buffer, without reading them.
    try:
        here = buffer.tell()
        end = buffer.seek(0, io.SEEK_END)
        buffer.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end - here


def _check_size(size: int | None, name: str | None) -> None:
    if too_large(size):
        raise ReadError(
            f"the file is larger than the {MAX_UPLOAD_MB} MB upload limit",
            path=name,
            code="file_too_large",
            params={"limit_mb": MAX_UPLOAD_MB},
        )


def decode(data: bytes, name: str | None) -> Source:
    """Check for empty and binary content, then decode to text."""
    if not data or data.isspace():  # not data.strip(): that copies a large file
        raise ReadError(
            "the file is empty; expected a consumption export",
            path=name,
            code="consumption_empty_file",
        )
    head = data[:_SNIFF_BYTES]
    codec = utf16_codec(head)
    if codec:
        return _decode_utf16(data, codec, name)
    if head.startswith(_BINARY_SIGNATURES) or b"\x00" in head:
        raise ReadError(
            "the file is binary (a spreadsheet, an archive or a document), not text; "
            "expected a CSV or JSON export",
            path=name,
            code="consumption_binary_file",
        )
    problems: list[Problem] = []
    try:
        # utf-8-sig drops a BOM without copying the bytes first.
        text = data.decode("utf-8-sig")
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


def _decode_utf16(data: bytes, codec: str, name: str | None) -> Source:
    # Excel's "Unicode text" export (tab-separated UTF-16).
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise ReadError(
            "the file looks like UTF-16 text but cannot be decoded; expected a CSV or JSON export",
            path=name,
            code="consumption_binary_file",
        ) from None
    problem = Problem(
        code="consumption_encoding_utf16",
        message="The file is UTF-16 text (a spreadsheet's Unicode export); it was read as such.",
        severity="info",
    )
    return Source(
        text=text.lstrip("\ufeff"),
        name=name,
        problems=[problem],
        ends_with_newline=text.endswith(("\n", "\r")),
    )


def load(path_or_buffer: str | os.PathLike | IO, filename: str | None = None) -> Source:
    """Read and decode a path or buffer."""
    data, name = read_bytes(path_or_buffer, filename)
    return decode(data, name)


def as_buffer(source: Source) -> io.StringIO:
    """Return the decoded text as a buffer."""
    return io.StringIO(source.text)
