"""The consultation pages, driven through the app (AppTest) on the embedded database.

Creating (organiser), voting and changing a vote (one row), closing, reporting
and moderating, the XSS corpus rendered as text, and the demo consultation.
"""

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from app_pages import _state
from planner.consultation import (
    ConsultationConfig,
    close_consultation,
    create_consultation,
    escape_for_markdown,
    list_consultations,
    my_opinion,
    results,
    submit_opinion,
)
from planner.store import create_account, demo_accounts, prepare_store, read
from planner.store.consultation_models import Opinion
from planner.store.models import utcnow
from quartier_solaire.i18n import t
from tests.conftest import ROOT
from tests.planner.consultation.conftest import candidate

APP = str(ROOT / "app.py")
PAGE = "app_pages/consultation.py"
ADMIN = "app_pages/consultation_admin.py"
TIMEOUT = 240
PAYLOADS = json.loads((ROOT / "tests/data/xss/payloads.json").read_text(encoding="utf-8"))


@pytest.fixture
def store():
    opened = prepare_store()  # the app's embedded database, in the tests' data folder
    yield opened
    opened.engine.dispose()


def _residents(store, count):
    return [
        create_account(store, f"r-{uuid.uuid4().hex[:10]}@example.org", "resident")
        for _ in range(count)
    ]


def _consultation(store, *, sites=2, days=30):
    coop = demo_accounts(store)["cooperative"]
    now = utcnow()
    return create_consultation(
        store,
        coop.id,
        f"Toits {uuid.uuid4().hex[:6]}",
        "Deux toits candidats.",
        now - timedelta(days=1),
        now + timedelta(days=days),
        [candidate(n) for n in range(1, sites + 1)],
    )


def _app(account, page, consultation=None):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = "fr"
    at.session_state[_state.ACCOUNT] = account
    if consultation is not None:
        at.session_state[_state.CONSULT_CHOICE] = consultation.id
        at.session_state[_state.CONSULT_ADMIN_CHOICE] = consultation.id
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at):
    return [m.value for m in at.markdown] + [e.value for e in at.error]


def _rows(store, site_id):
    with read(store) as session:
        return session.scalar(
            select(func.count()).select_from(Opinion).where(Opinion.site_id == site_id)
        )


def _vote(at, site_id, stance, comment=None):
    at.radio(key=f"{_state.CONSULT_STANCE}_{site_id}").set_value(stance)
    if comment is not None:
        at.text_area(key=f"{_state.CONSULT_COMMENT}_{site_id}").set_value(comment)
    at.button(key=f"{_state.CONSULT_SUBMIT}_{site_id}").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_an_organiser_creates_a_consultation_on_the_largest_suitable_roofs(store):
    city = demo_accounts(store)["city"]
    at = _app(city, ADMIN)
    title = f"Toits de l'école {uuid.uuid4().hex[:6]}"
    at.text_input(key=_state.CONSULT_NEW_TITLE).set_value(title)
    chosen = at.multiselect(key=_state.CONSULT_NEW_SITES)
    assert len(chosen.value) == 5
    at.button(key=_state.CONSULT_CREATE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (made,) = [c for c in list_consultations(store) if c.title == title]
    assert [s.building_id for s in made.sites] == chosen.value
    kwp = [s.kwp for s in made.sites]
    assert kwp == sorted(kwp, reverse=True) and kwp[0] > 0
    assert all(s.households >= 1 and s.mwh_per_year > 0 for s in made.sites)
    assert made.is_open(utcnow() + timedelta(hours=1))
    assert at.selectbox(key=_state.CONSULT_ADMIN_CHOICE).value == made.id


def test_a_resident_votes_then_changes_the_vote_and_one_row_remains(store):
    consultation = _consultation(store)
    (resident,) = _residents(store, 1)
    site = consultation.sites[0].id
    at = _app(resident, PAGE, consultation)
    _vote(at, site, "support", "Bonne idée")
    assert _rows(store, site) == 1
    assert at.success[0].value.startswith("Votre avis")
    # Pre-filled with the opinion given, and the button now changes it.
    assert at.radio(key=f"{_state.CONSULT_STANCE}_{site}").value == "support"
    assert at.button(key=f"{_state.CONSULT_SUBMIT}_{site}").label == t("consultpage.change", "fr")
    _vote(at, site, "oppose", "Finalement non")
    assert _rows(store, site) == 1
    mine = my_opinion(store, resident.id, site)
    assert (mine.stance, mine.comment) == ("oppose", "Finalement non")


def test_no_stance_chosen_is_said_and_nothing_is_stored(store):
    consultation = _consultation(store)
    (resident,) = _residents(store, 1)
    site = consultation.sites[1].id
    at = _app(resident, PAGE, consultation)
    at.button(key=f"{_state.CONSULT_SUBMIT}_{site}").click().run()
    assert t("consultpage.choose_stance", "fr") in _texts(at)
    assert _rows(store, site) == 0


def test_the_organiser_closes_and_votes_are_refused_with_the_domain_message(store):
    consultation = _consultation(store)
    (resident,) = _residents(store, 1)
    coop = demo_accounts(store)["cooperative"]
    admin = _app(coop, ADMIN, consultation)
    admin.button(key=_state.CONSULT_CLOSE).click().run()
    assert not admin.exception
    assert results(store, consultation.id).closed
    assert not [b for b in admin.button if b.key == _state.CONSULT_CLOSE]
    at = _app(resident, PAGE, consultation)
    site = consultation.sites[0].id
    _vote(at, site, "support")
    closed = t("problem.consult_closed", "fr", date=utcnow().date().isoformat())
    assert closed in _texts(at)
    assert _rows(store, site) == 0
    # Closed: every site published, small counts shown as "not enough", never 0.
    assert t("consult.not_enough", "fr") in [m.value for m in at.metric]


def test_three_reports_hide_a_comment_and_a_moderator_restores_it(store):
    consultation = _consultation(store, sites=1)
    site = consultation.sites[0].id
    voters = _residents(store, 10)
    for n, voter in enumerate(voters):
        submit_opinion(store, voter.id, site, "support", comment=f"Avis numéro {n}")
    target = "Avis numéro 0"
    reporters = _residents(store, 3)
    for reporter in reporters:
        at = _app(reporter, PAGE, consultation)
        assert escape_for_markdown(target) in _texts(at)
        (button,) = [
            b
            for b in at.button
            if b.key.startswith(_state.CONSULT_REPORT)
            and b.key.endswith(_comment_id(store, consultation, target))
        ]
        button.click().run()
        assert not at.exception
    at = _app(reporters[0], PAGE, consultation)
    assert escape_for_markdown(target) not in _texts(at)
    coop = demo_accounts(store)["cooperative"]
    admin = _app(coop, ADMIN, consultation)
    assert escape_for_markdown(target) in _texts(admin)
    comment_id = _hidden_id(store, consultation, target)
    admin.button(key=f"{_state.CONSULT_MODERATE}_restore_{comment_id}").click().run()
    assert not admin.exception
    assert t("consultpage.queue_empty", "fr") in [c.value for c in admin.caption]
    at = _app(reporters[1], PAGE, consultation)
    assert escape_for_markdown(target) in _texts(at)


def _comment_id(store, consultation, text):
    (tally,) = results(store, consultation.id).sites
    return next(c.id for c in tally.comments if c.text == text)


def _hidden_id(store, consultation, text):
    with read(store) as session:
        return session.scalar(select(Opinion.id).where(Opinion.comment == text))


def test_the_xss_corpus_is_shown_as_escaped_text_everywhere(store):
    consultation = _consultation(store, sites=1)
    site = consultation.sites[0].id
    payloads = [p["payload"] for p in PAYLOADS]
    voters = _residents(store, len(payloads))
    # The first one through the form, the others through the domain.
    at = _app(voters[0], PAGE, consultation)
    _vote(at, site, "support", payloads[0])
    for voter, payload in zip(voters[1:], payloads[1:], strict=True):
        submit_opinion(store, voter.id, site, "neutral", comment=payload)
    close_consultation(store, demo_accounts(store)["cooperative"].id, consultation.id)
    at = _app(voters[1], PAGE, consultation)
    shown = _texts(at)
    for payload in payloads:
        kept = payload.strip()
        if kept:
            assert escape_for_markdown(kept) in shown, payload
    # Nothing rendered lets raw HTML through.
    assert not at.get("html")
    assert all(not getattr(m, "allow_html", False) for m in at.markdown)


def test_the_demo_consultation_is_open_for_the_demo_resident(store):
    resident = demo_accounts(store)["resident"]
    at = _app(resident, PAGE)
    demo = [c for c in list_consultations(store) if c.title == t("consult.demo_title", "fr")]
    assert len(demo) == 1
    (record,) = demo
    assert record.is_open(utcnow()) and len(record.sites) == 5
    assert at.selectbox(key=_state.CONSULT_CHOICE).value in {
        c.id for c in list_consultations(store)
    }
    at.selectbox(key=_state.CONSULT_CHOICE).set_value(record.id).run()
    _vote(at, record.sites[0].id, "support")
    assert my_opinion(store, resident.id, record.sites[0].id).stance == "support"
    # A second run seeds nothing more.
    _app(resident, PAGE)
    assert len([c for c in list_consultations(store) if c.title == record.title]) == 1


def test_the_map_passes_names_to_leaflet_as_escaped_json_strings_only():
    # Every corpus payload as a site name: never raw in the map's HTML, never
    # in a JavaScript template literal, never evaluated as a Jinja template
    # (branca renders the script twice), and no jQuery call (not loaded offline).
    from jinja2.utils import htmlsafe_json_dumps

    from app_pages import _consult
    from planner.consultation import ConsultationResults, SiteTally, escape_for_html
    from planner.consultation.records import ConsultationRecord, SiteRecord

    sites = []
    for n, entry in enumerate(PAYLOADS):
        c = candidate(n, name=entry["payload"] or "x")
        sites.append(SiteRecord(f"s{n}", c.name, c.geometry, 1.0, 1.0, 1, 0.0, c.computed_at))
    now = utcnow()
    record = ConsultationRecord("c", "t", "d", now, now + timedelta(days=1), False, "o", ())
    tallies = tuple(SiteTally(s, False, None, {}, None, {}, ()) for s in sites)
    rendered = _consult.site_map(ConsultationResults(record, False, tallies), "fr")
    html = rendered.get_root().render()
    assert "$(`<div" not in html and "bindTooltip(`" not in html
    for site in sites:
        text = str(htmlsafe_json_dumps(escape_for_html(site.name)))
        assert text.replace("{", "\\u007b").replace("}", "\\u007d") in html
        if "<" in site.name:
            assert site.name not in html


def test_too_many_submissions_are_refused_with_the_throttling_message(store):
    consultation = _consultation(store, sites=1)
    site = consultation.sites[0].id
    (resident,) = _residents(store, 1)
    limit = ConsultationConfig().per_account
    for _ in range(limit):
        submit_opinion(store, resident.id, site, "neutral")
    at = _app(resident, PAGE, consultation)
    _vote(at, site, "support")
    assert any(
        text.startswith(t("problem.consult_throttled", "fr", minutes=10)[:20])
        for text in _texts(at)
    )
    assert my_opinion(store, resident.id, site).stance == "neutral"


def test_published_results_show_counts_share_and_concerns(store):
    consultation = _consultation(store, sites=2)
    first, second = (s.id for s in consultation.sites)
    voters = _residents(store, 20)
    for n, voter in enumerate(voters):
        stance = "support" if n < 14 else "oppose"
        submit_opinion(store, voter.id, first, stance, tags=["cost"] if n < 12 else [])
    submit_opinion(store, voters[0].id, second, "support")
    at = _app(voters[0], PAGE, consultation)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("consultpage.opinions", "fr")] == "20"
    assert metrics[t("consult.stance.support", "fr")] == "14"
    # Six "oppose", below the threshold of publication: "not enough", never 6 or 0.
    assert metrics[t("consult.stance.oppose", "fr")] == t("consult.not_enough", "fr")
    assert metrics[t("consult.stance.neutral", "fr")] == t("consult.not_enough", "fr")
    assert t("consultpage.support_share", "fr", share="70\u202f%") in _texts(at)
    (chart,) = at.get("plotly_chart")
    (bars,) = json.loads(chart.proto.spec)["data"]
    assert (bars["y"], bars["x"]) == (["Coût"], [12])  # other concerns: "not enough"
    # The second site has one opinion while open: nothing published about it.
    assert t("consultpage.not_published", "fr") in _texts(at)
