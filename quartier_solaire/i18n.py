"""One catalogue for every string a person reads, French first, English available.

The catalogue is ``catalogue.toml`` beside this module: one table per key, with
``fr`` and ``en`` entries that may hold ``{placeholders}`` filled by :func:`t`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
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

# GitHub-flavoured Markdown turns bare URLs and e-mail addresses into links after the
# escapes are resolved (remark-gfm's autolink literals), so escaping cannot stop it. A
# WORD JOINER (U+2060, invisible, no width) placed inside "http://", "www." and before
# "@" breaks the patterns it looks for while the text reads the same.
_WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=:/)|(?<=\bwww)(?=\.)|(?=@)")


def literal(text: object) -> str:
    """Return ``text`` escaped so that Markdown shows it as written.

    Names that come from a user's file (a building id, a file name) are shown
    in elements that render Markdown: escaping keeps ``[x](http://…)`` or
    ``**x**`` in such a name from turning into a link or bold text, and an
    invisible word joiner keeps a bare ``http://…``, ``www.…`` or ``a@b.c`` from
    being linked by autolinking.
    """
    text = _AUTOLINK.sub(_WORD_JOINER, str(text))
    return "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in text)


# Which catalogue family names the values of each roof-note parameter.
_NOTE_WORDS = {"shape": "roof_shape", "model": "roof_shape", "kind": "roof_shape"}


def roof_notes(notes, lang: str = DEFAULT_LANGUAGE, /) -> str:
    """Return what the roof model assumed for a plane as one sentence in ``lang``.

    Parameters
    ----------
    notes : iterable of geodata.roofs.RoofNote
        Each with a ``code`` (catalogue entry ``roof_note.<code>``) and
        ``params`` (name/value pairs). Roof shapes and usages are translated
        through ``roof_shape.*``, ``footprint_shape.*`` and ``usage.*``; numbers
        are written the way readers of ``lang`` write them; a value the
        catalogue does not know (a roof shape from a file) is kept as written.
    """
    return t("roof_note.separator", lang).join(_roof_note(n, lang) for n in notes)


def _roof_note(note, lang: str) -> str:
    values = {}
    for name, value in note.params:
        if isinstance(value, float | int) and not isinstance(value, bool):
            values[name] = number(value, lang, decimals=0 if float(value).is_integer() else 1)
        elif name == "usage":
            key = f"usage.{value}"
            text = t(key, lang) if value and has(key) else t("roof_note.usage_missing", lang)
            values[name] = text[:1].lower() + text[1:]  # mid-sentence
        else:
            family = _NOTE_WORDS.get(
                name, "footprint_shape" if note.code == "footprint_split" else ""
            )
            key = f"{family}.{value}"
            values[name] = t(key, lang) if family and has(key) else str(value)
    return t(f"roof_note.{note.code}", lang, **values)


# Shares [0-1] whose label says [%].
_PERCENT_PARAMETERS = frozenset({"split_fill_ratio", "min_share_of_reference"})


def parameter_rows(params, lang: str = DEFAULT_LANGUAGE, /) -> list[tuple[str, str]]:
    """Return the fields of a parameter dataclass as (label with unit, value) in ``lang``.

    Labels are the catalogue entries ``param.<field>``; ``None`` reads as what
    it means (``param.<field>.none``) or "—"; codes (``"haydavies"``) as
    ``param.value.<code>``; usages as ``usage.<code>``; numbers as readers of
    ``lang`` write them.
    """
    return [
        (t(f"param.{f.name}", lang), _parameter_value(f.name, getattr(params, f.name), lang))
        for f in fields(params)
    ]


def _parameter_value(name: str, value: Any, lang: str) -> str:
    if value is None:
        return t(f"param.{name}.none", lang) if has(f"param.{name}.none") else t("param.none", lang)
    if isinstance(value, bool):
        return t("param.yes" if value else "param.no", lang)
    if isinstance(value, tuple):
        return ", ".join(t(f"usage.{v}", lang) if has(f"usage.{v}") else str(v) for v in value)
    if isinstance(value, str):
        return t(f"param.value.{value}", lang) if has(f"param.value.{value}") else value
    if name in _PERCENT_PARAMETERS:
        value = 100 * value
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return number(value, lang, decimals=decimals)


def weather_licence(meta: dict, lang: str = DEFAULT_LANGUAGE, /) -> str:
    """Return the source and licence of a weather year in ``lang``.

    ``meta`` is a weather reader's metadata: its ``attribution_key`` names the
    catalogue entry ``weather.licence.<key>``, filled with
    ``attribution_params``. The file's own words (``attribution_file_text``)
    are not part of it: show them as written, as plain text. Metadata without
    a key (a caller's own source) keeps its ``attribution``.
    """
    key = f"weather.licence.{meta.get('attribution_key') or ''}"
    if has(key):
        return t(key, lang, **meta.get("attribution_params", {}))
    return str(meta.get("attribution", ""))
