"""What every reader of an uploaded text file checks before parsing it.

- :data:`MAX_UPLOAD_BYTES`: the largest file the app accepts, the same figure
  as ``maxUploadSize`` in ``.streamlit/config.toml`` (200 MB). A reader refuses
  a larger file before reading it whole, so that a path given on the command
  line cannot make the parser hold gigabytes.
- :func:`utf16_codec`: Excel's "Unicode text" export is UTF-16 (little-endian
  with a BOM on Windows); some tools write it without BOM. Either is found from
  its first bytes and decoded as text rather than called binary.

Domain packages (``solar``, ``planner``) import this module; it imports nothing
of theirs.
"""

from __future__ import annotations

__all__ = ["MAX_UPLOAD_BYTES", "MAX_UPLOAD_MB", "utf16_codec", "too_large"]

#: Largest upload [MB]; keep equal to ``[server] maxUploadSize`` in
#: ``.streamlit/config.toml`` (a test checks it). Streamlit counts a megabyte
#: as 1024 * 1024 bytes.
MAX_UPLOAD_MB = 200
#: Largest file a reader accepts [bytes].
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024

# Share of NUL bytes at odd (or even) positions of an ASCII-heavy UTF-16 text.
_UTF16_NUL_SHARE = 0.9


def utf16_codec(head: bytes) -> str | None:
    """Return the codec of a UTF-16 text from its first bytes, or None.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (a few kilobytes are enough).

    Returns
    -------
    str or None
        ``"utf-16"`` when a byte-order mark is present (Python removes it),
        ``"utf-16-le"`` or ``"utf-16-be"`` when the NUL bytes sit at every odd
        or every even position (Latin text without BOM), else None.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even_nul = head[0 : 2 * pairs : 2].count(0)
    odd_nul = head[1 : 2 * pairs : 2].count(0)
    if odd_nul >= _UTF16_NUL_SHARE * pairs and even_nul == 0:
        return "utf-16-le"
    if even_nul >= _UTF16_NUL_SHARE * pairs and odd_nul == 0:
        return "utf-16-be"
    return None


def too_large(size: int | None) -> bool:
    """Return True if ``size`` [bytes] is over :data:`MAX_UPLOAD_BYTES`."""
    return size is not None and size > MAX_UPLOAD_BYTES
