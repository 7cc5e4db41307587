"""One catalogue for every string a person reads, French first, English available.

The catalogue is ``catalogue.toml`` beside this module: one table per key, with
``fr`` and ``en`` entries that may hold ``{placeholders}`` filled by :func:`t`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from quartier_solaire.errors import Problem, ReadError

LANGUAGES: tuple[str, ...] = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Return the catalogue as ``{key: {"fr": ..., "en": ...}}``."""
    with CATALOGUE_PATH.open("rb") as f:
        raw = tomllib.load(f)
    return _flatten(raw)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, dict[str, str]]:
    # TOML dotted keys ([map.legend]) arrive as nested tables; leaves hold languages.
    # A table can be both an entry and the parent of others ([weather.source] and
    # [weather.source.pvgis]): its language strings are the entry, its tables children.
    out: dict[str, dict[str, str]] = {}
    for key, value in table.items():
        if not isinstance(value, dict):
            continue
        name = f"{prefix}{key}"
        strings = {k: v for k, v in value.items() if isinstance(v, str)}
        if strings:
            out[name] = strings
        out.update(_flatten(value, prefix=f"{name}."))
    return out


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """Translate ``key`` into ``lang`` and fill its placeholders.

    Raises
    ------
    KeyError
        If the key is not in the catalogue: a missing string is a bug, not a blank.
    """
    entry = catalogue()[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def has(key: str) -> bool:
    """Return True if ``key`` is in the catalogue."""
    return key in catalogue()


def describe(
    finding: Problem | ReadError, lang: str = DEFAULT_LANGUAGE, *, markdown: bool = False
) -> str:
    """Return a reader's finding as a sentence in ``lang``.

    The catalogue entry ``problem.<code>`` (``problem.<code>.<kind>`` when the
    finding's params name a ``kind`` that has its own entry) is used, with the finding's line,
    field and count available as placeholders; the reader's own English message
    is the wording of last resort, so that nothing a reader says is ever lost.
    With ``markdown=True`` the text that came from the file (field names, values
    quoted back) is escaped, for elements that render Markdown.
    """
    key = f"problem.{finding.code}"
    params = dict(finding.params)
    # A finding about a kind of file (WrongPlace) has one sentence per kind.
    if isinstance(params.get("kind"), str) and has(f"{key}.{params['kind']}"):
        key = f"{key}.{params['kind']}"
    params.setdefault("line", finding.line)
    params.setdefault("field", finding.field)
    if markdown:
        params = {k: literal(v) if isinstance(v, str) else v for k, v in params.items()}
    params.setdefault("count", getattr(finding, "count", 1))
    if has(key):
        try:
            text = t(key, lang, **params)
        except (KeyError, IndexError, ValueError):
            text = literal(finding.message) if markdown else finding.message
    else:
        text = literal(finding.message) if markdown else finding.message
    where = []
    if finding.line is not None and "{line}" not in catalogue().get(key, {}).get(lang, ""):
        where.append(t("problem.where_line", lang, line=finding.line))
    if finding.field and "{field}" not in catalogue().get(key, {}).get(lang, ""):
        field = literal(finding.field) if markdown else finding.field
        where.append(t("problem.where_field", lang, field=field))
    return f"{text} ({', '.join(where)})" if where else text


# French typography: narrow no-break space between thousands and before "%".
_THIN = "\u202f"


def number(value: float, lang: str = DEFAULT_LANGUAGE, /, decimals: int = 0) -> str:
    """Format a number the way readers of ``lang`` write it (1 234,5 / 1,234.5)."""
    text = f"{value:,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", _THIN).replace(".", ",")
    return text


def percent(share: float, lang: str = DEFAULT_LANGUAGE, /, decimals: int = 0) -> str:
    """Format a share [0-1] as a percentage (94 % / 94%)."""
    value = number(100 * share, lang, decimals=decimals)
    return f"{value}{_THIN}%" if lang == "fr" else f"{value}%"


_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:")


def literal(text: object) -> str:
    """Return ``text`` escaped so that Markdown shows it as written.

    Names that come from a user's file (a building id, a file name) are shown
    in elements that render Markdown: escaping keeps ``[x](http://…)`` or
    ``**x**`` in such a name from turning into a link or bold text.
    """
    return "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in str(text))
