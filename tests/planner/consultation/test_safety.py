"""Point 3: comments are text everywhere: HTML, Markdown and CSV, against a corpus of attacks."""

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest

from planner.consultation import (
    csv_safe,
    escape_for_html,
    escape_for_markdown,
    results,
    submit_opinion,
)
from planner.consultation.safety import strip_bidi
from quartier_solaire.i18n import literal
from tests.conftest import DATA
from tests.planner.consultation.conftest import open_consultation, residents

CORPUS = json.loads((DATA / "xss" / "payloads.json").read_text(encoding="utf-8"))
IDS = [entry["name"] for entry in CORPUS]
PAYLOADS = [entry["payload"] for entry in CORPUS]
_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:")
_WORD_JOINER = "\u2060"


class _Markup(HTMLParser):
    """Records what a browser's parser would build: any element, comment or declaration."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.markup, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.markup.append(("start", tag, attrs))

    def handle_endtag(self, tag):
        self.markup.append(("end", tag))

    def handle_comment(self, data):
        self.markup.append(("comment", data))

    def handle_decl(self, decl):
        self.markup.append(("decl", decl))

    def unknown_decl(self, data):
        self.markup.append(("decl", data))

    def handle_pi(self, data):
        self.markup.append(("pi", data))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html):
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def test_the_corpus_covers_every_kind_of_attack():
    kinds = ("script", "onerror", "javascript:", "](", "\u202e", "\u200b", "\u0458", "=HYPERLINK")
    for kind in kinds:
        assert any(kind in p for p in PAYLOADS), kind
    # And the parser does see markup in them, so the test below can fail.
    assert sum(bool(_parse(p).markup) for p in PAYLOADS) >= 15


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_escaped_for_html_a_comment_builds_no_element_and_reads_as_written(payload):
    escaped = escape_for_html(payload)
    parsed = _parse(escaped)
    assert parsed.markup == []
    assert "".join(parsed.text) == strip_bidi(payload)
    # Safe inside a quoted attribute too (map popups put text in title="...").
    assert not set("<>\"'") & set(escaped)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", escaped)


def _unescape_markdown(text):
    return re.sub(r"\\(.)", r"\1", text.replace(_WORD_JOINER, ""), flags=re.S)


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_in_markdown_a_comment_has_every_special_character_escaped(payload):
    shown = literal(payload)
    assert _unescape_markdown(shown) == payload
    # Walk it as Markdown does: a special character is either escaped or escapes the next.
    escaped = False
    for char in shown:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            assert char not in _MARKDOWN_SPECIALS, (payload, shown)
    assert not re.search(r"(?i)(https?|javascript|data):/", shown.replace("\\", ""))
    # What pages use: the same, without bidirectional overrides.
    assert escape_for_markdown(payload) == literal(strip_bidi(payload))
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", escape_for_markdown(payload))


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_in_a_csv_cell_a_comment_is_never_a_formula(payload):
    out = io.StringIO()
    csv.writer(out).writerow([csv_safe(payload), "next"])
    (cell, after) = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert after == "next"
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    expected = strip_bidi(payload)
    formula = expected.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell == ("'" + expected if formula else expected)


def test_csv_safe_leaves_numbers_and_plain_text_alone():
    assert csv_safe(-3.5) == -3.5
    assert csv_safe(None) is None
    assert csv_safe("Gymnase du Breil") == "Gymnase du Breil"
    assert csv_safe("-") == "'-"


def test_every_payload_is_stored_and_returned_exactly_as_typed(store, organisers):
    consultation = open_consultation(store, organisers["coop"], sites=1)
    people = residents(store, len(PAYLOADS))
    site = consultation.sites[0]
    for person, payload in zip(people, PAYLOADS, strict=True):
        submit_opinion(store, person.id, site.id, "neutral", comment=payload)
    (tally,) = results(store, consultation.id).sites
    assert sorted(c.text for c in tally.comments) == sorted(p.strip() for p in PAYLOADS)
