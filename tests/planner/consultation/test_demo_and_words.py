"""Point 8 (domain): the demo consultation; and every word a person reads is in the catalogue."""

import re
import threading
from datetime import timedelta

import pytest

from planner.consultation import (
    STANCES,
    TAGS,
    list_consultations,
    seed_demo_consultation,
    submit_opinion,
)
from planner.store import StoreError, demo_accounts
from planner.store.models import utcnow
from quartier_solaire.i18n import LANGUAGES, catalogue, t
from tests.conftest import ROOT
from tests.planner.consultation.conftest import candidate


def test_the_demo_consultation_is_open_once_and_the_demo_resident_can_vote(store):
    if not store.embedded:
        with pytest.raises(StoreError) as error:
            seed_demo_consultation(store, [candidate(1)])
        assert error.value.code == "store_demo_off"
        return
    sites = [candidate(n) for n in range(1, 6)]
    now = utcnow()
    made = seed_demo_consultation(store, sites, now=now)
    assert made.is_open(now) and made.is_open(now + timedelta(days=60))
    assert made.title == t("consult.demo_title", "fr") and not made.secret
    assert [s.name for s in made.sites] == [s.name for s in sites]
    assert seed_demo_consultation(store, sites) == made
    resident = demo_accounts(store)["resident"]
    submit_opinion(store, resident.id, made.sites[0].id, "support")


def test_sessions_starting_together_seed_one_demo_consultation(store):
    if not store.embedded:
        pytest.skip("the demo runs on the embedded database only")
    demo_accounts(store)
    start, made, errors = threading.Barrier(4), [], []

    def seed():
        start.wait()
        try:
            made.append(seed_demo_consultation(store, [candidate(1)]).id)
        except Exception as error:  # any failure fails the test
            errors.append(error)

    threads = [threading.Thread(target=seed) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(made)) == 1
    assert len(list_consultations(store)) == 1


def test_every_refusal_and_word_of_consultations_is_in_both_languages():
    codes = set()
    for path in (ROOT / "planner" / "consultation").rglob("*.py"):
        codes |= set(re.findall(r'StoreError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert {"consult_closed", "consult_not_open", "consult_throttled"} <= codes
    keys = {f"problem.{code}" for code in codes}
    keys |= {f"consult.stance.{s}" for s in STANCES} | {f"consult.tag.{tag}" for tag in TAGS}
    keys |= {"consult.not_enough", "consult.demo_title", "consult.demo_description"}
    entries = catalogue()
    assert sorted(k for k in keys if k not in entries) == []
    assert all(set(entries[k]) == set(LANGUAGES) for k in keys)
