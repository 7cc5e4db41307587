"""Comments are text, and stay text wherever they go: HTML, Markdown, spreadsheets.

Markdown goes through :func:`escape_for_markdown` (``quartier_solaire.i18n.literal``);
HTML through :func:`escape_for_html`; CSV cells through :func:`csv_safe` (OWASP "CSV
Injection": a cell a spreadsheet would read as a formula is prefixed with a
single quote).
"""

from __future__ import annotations

import html
import re

from quartier_solaire.i18n import literal

# Bidirectional overrides and isolates make text read differently from what it
# holds ("Trojan Source", CVE-2021-42574): no comment needs them.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# What a spreadsheet reads as the start of a formula (OWASP CSV Injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_bidi(text: str) -> str:
    """Return ``text`` without bidirectional override and isolate characters."""
    return _BIDI.sub("", text)


def escape_for_html(text: object) -> str:
    """Return ``text`` as HTML that shows it as written and can run nothing.

    ``<``, ``>``, ``&`` and both quotes become entities (so the result is safe
    in element content and in quoted attribute values); bidirectional
    overrides are removed.
    """
    return html.escape(strip_bidi(str(text)), quote=True)


def escape_for_markdown(text: object) -> str:
    """Return ``text`` for an element that renders Markdown: shown as written, never markup.

    :func:`quartier_solaire.i18n.literal` (every Markdown character escaped,
    no autolink), after removing bidirectional overrides.
    """
    return literal(strip_bidi(str(text)))


def csv_safe(cell: object) -> object:
    """Return ``cell`` so that a spreadsheet opens it as text, never as a formula.

    Strings beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return
    get a leading single quote; other values are returned unchanged.
    """
    if isinstance(cell, str):
        cell = strip_bidi(cell)
        if cell.startswith(_FORMULA_START):
            return "'" + cell
    return cell
