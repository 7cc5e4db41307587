"""Point 5: results per site only from 10 opinions or once closed, small counts suppressed."""

import csv
import io
import json

import pytest

from planner.consultation import (
    STANCES,
    TAGS,
    ConsultationConfig,
    export_csv,
    export_geojson,
    results,
    submit_opinion,
)
from planner.privacy import publishable_count
from planner.store.models import utcnow
from tests.planner.consultation.conftest import candidate, open_consultation, residents


def test_the_publishable_count_rule():
    assert publishable_count(10, 10) == 10
    assert publishable_count(9, 10) is None
    assert publishable_count(0, 10) is None  # "not enough", never 0
    assert publishable_count(0, 0) == 0


def _vote(store, site, people, stances, **extra):
    for person, stance in zip(people, stances, strict=True):
        submit_opinion(store, person.id, site.id, stance, **extra)


@pytest.fixture
def voted(store, organisers):
    """Site 1: 25 opinions (12 support, 11 oppose, 2 neutral); site 2: 9 opinions."""
    consultation = open_consultation(store, organisers["coop"], sites=2)
    people = residents(store, 25)
    first, second = consultation.sites
    stances = ["support"] * 12 + ["oppose"] * 11 + ["neutral"] * 2
    for n, (person, stance) in enumerate(zip(people, stances, strict=True)):
        tags = ["heritage"] if n < 11 else ["cost"] if n < 13 else []
        submit_opinion(store, person.id, first.id, stance, tags=tags, comment=f"avis {n}")
    _vote(store, second, people[:9], ["support"] * 9)
    return consultation, people


def test_a_site_shows_results_from_ten_opinions_while_open(voted, store):
    consultation, _ = voted
    found = results(store, consultation.id)
    assert not found.closed
    first, second = found.sites
    assert first.published and not second.published
    assert second.opinions is None and second.comments == () and second.support_share is None
    assert first.opinions == 25
    # 2 neutral < 10, and oppose goes with it: it would be 25 - 12 - 2.
    assert first.counts == {"support": 12, "neutral": None, "oppose": None}
    assert first.support_share == pytest.approx(12 / 25)
    assert first.tags == {
        "visual_impact": None,
        "heritage": 11,
        "cost": None,
        "roof_condition": None,
        "other": None,
    }
    assert len(first.comments) == 25


def test_closing_publishes_every_site_with_small_counts_suppressed(voted, store):
    consultation, _ = voted
    found = results(store, consultation.id, now=consultation.closes_at)
    second = found.sites[1]
    assert found.closed and second.published
    assert second.opinions is None and set(second.counts.values()) == {None}
    assert second.support_share is None


def test_a_lone_suppressed_count_takes_another_with_it(store, organisers):
    consultation = open_consultation(store, organisers["coop"], sites=1)
    people = residents(store, 23)
    # 10 support, 12 oppose, 1 neutral: with the total shown, neutral = 23 - 10 - 12.
    _vote(store, consultation.sites[0], people, ["support"] * 10 + ["oppose"] * 12 + ["neutral"])
    (tally,) = results(store, consultation.id).sites
    assert tally.opinions == 23
    assert tally.counts == {"support": None, "neutral": None, "oppose": 12}
    assert tally.support_share is None


def test_tallies_follow_changed_opinions(store, organisers):
    consultation = open_consultation(store, organisers["coop"], sites=1)
    people = residents(store, 20)
    site = consultation.sites[0]
    _vote(store, site, people, ["support"] * 20)
    _vote(store, site, people[:10], ["oppose"] * 10)
    (tally,) = results(store, consultation.id, config=ConsultationConfig(min_count=0)).sites
    assert tally.counts == {"support": 10, "neutral": 0, "oppose": 10}
    # With the default threshold, no neutral (0 < 10) takes the smaller count with it.
    (tally,) = results(store, consultation.id).sites
    assert tally.opinions == 20 and list(tally.counts.values()).count(None) == 2


def test_the_thresholds_are_configuration(voted, store):
    consultation, _ = voted
    loose = ConsultationConfig(min_opinions=5, min_count=1)
    first, second = results(store, consultation.id, config=loose).sites
    assert second.published and second.counts["support"] == 9
    assert first.counts == {"support": 12, "neutral": 2, "oppose": 11}


def test_the_csv_export_has_tallies_and_no_person(voted, store):
    consultation, people = voted
    text = export_csv(results(store, consultation.id), "en")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == ["Toit 1", "Toit 2"]
    first, second = rows
    assert (first["opinions"], first["support"], first["neutral"]) == ("25", "12", "not enough")
    assert first["tag_heritage"] == "11" and first["kwp"] == "37.0"
    assert first["published"] == "True" and second["published"] == "False"
    assert second["support"] == "" and second["opinions"] == ""
    assert "0" not in (first["neutral"], first["tag_cost"])
    assert "pas assez d'avis" in export_csv(results(store, consultation.id), "fr")
    for person in people:
        assert person.id not in text and person.login not in text
    assert "avis 3" not in text  # comments are not open data


def test_a_formula_in_a_site_name_stays_text_in_the_csv(store, organisers):
    from datetime import timedelta

    from planner.consultation import create_consultation

    now = utcnow()
    names = ['=HYPERLINK("http://evil")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Gymnase"]
    made = create_consultation(
        store,
        organisers["coop"].id,
        "Toits",
        "",
        now - timedelta(days=1),
        now + timedelta(days=1),
        [candidate(n, name=name) for n, name in enumerate(names, start=1)],
    )
    rows = list(csv.DictReader(io.StringIO(export_csv(results(store, made.id)))))
    got = [r["name"] for r in rows]
    # Stripped on creation ("\tx" -> "x"), quoted where a spreadsheet would compute.
    assert got == ['\'=HYPERLINK("http://evil")', "'+1", "'-2+3", "'@SUM(A1)", "x", "x", "Gymnase"]


def test_the_geojson_export_is_valid_with_nulls_for_suppressed_counts(voted, store):
    consultation, people = voted
    collection = export_geojson(results(store, consultation.id))
    text = json.dumps(collection, allow_nan=False)
    assert collection["type"] == "FeatureCollection"
    first, second = collection["features"]
    assert first["geometry"] == candidate(1).geometry
    assert first["properties"]["support"] == 12 and first["properties"]["neutral"] is None
    assert second["properties"]["opinions"] is None
    assert set(STANCES) <= set(first["properties"])
    assert {f"tag_{t}" for t in TAGS} <= set(first["properties"])
    for person in people:
        assert person.id not in text and person.login not in text
    assert "avis" not in text
