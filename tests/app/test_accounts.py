"""Accounts, consent, campaigns and the cooperative's view, driven through the app (AppTest).

Every test runs against the embedded database in the session's temporary data
folder (tests/app/conftest.py), with its own accounts.
"""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from streamlit.testing.v1 import AppTest

from app_pages import _state
from planner.consumption_io import read_consumption
from planner.store import (
    ConsentTerms,
    authenticate,
    campaigns_of,
    create_account,
    create_campaign,
    demo_accounts,
    give_consent,
    list_consents,
    open_store,
    prepare_store,
    read,
)
from planner.store.models import Consent, Curve, Household, utcnow
from tests.app.home_files import TWO_DAYS_DATA_CONNECT
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120
BBOX = (-1.60, 47.20, -1.55, 47.23)


@pytest.fixture
def store():
    opened = prepare_store()  # the app's embedded database, in the tests' data folder
    yield opened
    opened.engine.dispose()


def _login(prefix="r"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


def _resident(store):
    return create_account(store, _login(), "resident", password="a long password")


def _coop(store, organisation=None):
    return create_account(
        store,
        _login("coop"),
        "cooperative",
        password="a long password",
        organisation=organisation or f"Coop {uuid.uuid4().hex[:6]}",
    )


def _campaign(store, account, **changes):
    base = dict(
        name="Toits du Breil",
        purpose="Dimensionner une centrale collective",
        terms="Vos données servent à ce projet seulement.",
        bbox=BBOX,
        area_households=40,
        area_kwh=40 * 4400.0,
    )
    return create_campaign(store, account.id, **{**base, **changes})


def _curve():
    series, _meta = read_consumption(TWO_DAYS_DATA_CONNECT)
    return series


def _app(account=None, lang="fr", page=None, profile=None):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    if account is not None:
        at.session_state[_state.ACCOUNT] = account
    if profile is not None:
        at.session_state[_state.HOME_PROFILE] = {"measured": profile}
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _text(at):
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success]
    parts += [x.value for x in at.text] + [str(m.value) for m in at.metric]
    return " ".join(parts)


def _counts(store):
    with read(store) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m)) for m in (Household, Consent, Curve)
        )


def _open_code(at, code):
    at.text_input(key=_state.JOIN_CODE).set_value(code)
    at.button(key=_state.JOIN_OPEN).click().run()
    assert not at.exception, [e.value for e in at.exception]


def _fill_share_form(at, project_id, *, coop=True, city=False, step="30min", read_terms=True):
    at.selectbox(key=_state.SHARE_PROJECT).set_value(project_id)
    at.checkbox(key=_state.SHARE_COOP).set_value(coop)
    at.checkbox(key=_state.SHARE_CITY).set_value(city)
    if step is not None:
        at.radio(key=_state.SHARE_STEP).set_value(step)
    at.checkbox(key=_state.SHARE_TERMS).set_value(read_terms)
    at.button(key=_state.SHARE_SUBMIT).click().run()
    assert not at.exception, [e.value for e in at.exception]


# --- point 1: the app opens its database at start ---------------------------------------


def test_the_app_migrates_and_purges_its_embedded_database_at_start(tmp_path, monkeypatch):
    from planner.store import upgrade
    from planner.store.engine import MIGRATIONS

    monkeypatch.setenv("QUARTIER_SOLAIRE_DATA_DIR", str(tmp_path))
    # A database left with an expired consent (migrated, never purged).
    before = open_store()
    upgrade(before)
    campaign = _campaign(before, _coop(before), now=utcnow() - timedelta(days=800))
    resident = _resident(before)
    then = utcnow() - timedelta(days=400)
    give_consent(
        before,
        resident.id,
        ConsentTerms(
            project_id=campaign.project_id,
            step="daily",
            purpose=campaign.purpose,
            wording_version=campaign.wording_version,
            city_aggregates=True,
        ),
        _curve(),
        now=then,
    )
    assert _counts(before) == (1, 1, 1)
    at = _app()
    assert not at.exception
    assert (tmp_path / "quartier-solaire.sqlite3").exists()
    assert _counts(before) == (0, 0, 0)  # purged when the app opened it
    heads = sorted(p.name[:4] for p in (MIGRATIONS / "versions").glob("0*.py"))
    with before.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == heads[-1]
    before.engine.dispose()


def test_a_database_out_of_reach_is_said_and_the_map_still_works(monkeypatch):
    monkeypatch.setenv(
        "QUARTIER_SOLAIRE_DATABASE_URL", "postgresql://nobody:nothing@127.0.0.1:9/none"
    )
    at = _app()
    assert "injoignable" in " ".join(e.value for e in at.sidebar.error)
    assert at.title[0].value == "Le potentiel solaire de chaque toit"
    assert not [b for b in at.sidebar.button if "Démo" in b.label]


# --- point 2: accounts and roles -------------------------------------------------------


def test_demo_sign_in_offers_one_account_per_role_and_their_pages():
    at = _app()
    for role, title in (
        ("resident", "Mes données"),
        ("cooperative", "Campagnes de partage"),
        ("city", "Campagnes de partage"),
    ):
        at.button(key=f"{_state.AUTH_DEMO}_{role}").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state[_state.ACCOUNT].role == role
        assert (
            "démo" in " ".join(m.value for m in at.sidebar.markdown).lower() or role == "resident"
        )
        page = "app_pages/my_data.py" if role == "resident" else "app_pages/campaigns.py"
        at.switch_page(page)
        at.run()
        assert at.title[0].value == title
        at.button(key=_state.AUTH_SIGN_OUT).click().run()
        assert _state.ACCOUNT not in at.session_state


def test_pages_check_the_role_on_the_server(store):
    # A resident's navigation has no campaign page at all.
    at = _app(account=_resident(store))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/campaigns.py")
    # A cooperative demoted by the operator meanwhile: the page reads the role
    # from the database at every run, not from the session.
    coop = _coop(store)
    at = _app(account=coop, page="app_pages/campaigns.py")
    assert at.title[0].value == "Campagnes de partage"
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE accounts SET role = 'resident' WHERE id = :id"), {"id": coop.id}
        )
    at.run()
    assert not at.exception
    assert not at.title or at.title[0].value != "Campagnes de partage"
    assert at.session_state[_state.ACCOUNT].role == "resident"
    # Signed out, Mes données is not offered.
    at = _app()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/my_data.py")


def _guarded_script():
    import streamlit as st

    from app_pages import _auth

    _auth.require("fr", "city")
    st.write("the city's data")


def test_require_checks_the_role_on_the_server_whatever_the_session_says(store):
    for account, shown in ((_resident(store), False), (demo_accounts(store)["city"], True)):
        at = AppTest.from_function(_guarded_script, default_timeout=TIMEOUT)
        at.session_state[_state.ACCOUNT] = account
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert ("the city's data" in _text(at)) is shown
    # A session claiming a role its account does not have is not believed.
    resident = _resident(store)
    forged = type(resident)(resident.id, resident.login, "city", "Ville")
    at = AppTest.from_function(_guarded_script, default_timeout=TIMEOUT)
    at.session_state[_state.ACCOUNT] = forged
    at.run()
    assert "the city's data" not in _text(at)
    assert "pas ouverte à un compte habitant·e" in " ".join(e.value for e in at.error)


def test_an_account_deleted_elsewhere_is_signed_out_at_the_next_run(store):
    from planner.store import delete_account

    resident = _resident(store)
    at = _app(account=resident, page="app_pages/my_data.py")
    assert at.title[0].value == "Mes données"
    delete_account(store, resident.id)
    at.run()
    assert "Ce compte n'existe plus" in _text(at)
    assert _state.ACCOUNT not in at.session_state


def test_local_sign_up_sign_in_wrong_password_and_throttling(store):
    login = _login()
    at = _app()
    at.text_input(key=_state.AUTH_NEW_LOGIN).set_value(login)
    at.text_input(key=_state.AUTH_NEW_PASSWORD).set_value("short")
    at.button(key=_state.AUTH_SIGN_UP_SUBMIT).click().run()
    assert "trop court" in " ".join(e.value for e in at.error)
    assert _state.ACCOUNT not in at.session_state
    at.text_input(key=_state.AUTH_NEW_LOGIN).set_value(login)
    at.text_input(key=_state.AUTH_NEW_PASSWORD).set_value("a long password")
    at.button(key=_state.AUTH_SIGN_UP_SUBMIT).click().run()
    assert at.session_state[_state.ACCOUNT].login == login
    at.button(key=_state.AUTH_SIGN_OUT).click().run()
    # The password never stays in the session once the form is sent.
    assert not at.text_input(key=_state.AUTH_NEW_PASSWORD).value
    for _ in range(5):
        at.text_input(key=_state.AUTH_LOGIN).set_value(login)
        at.text_input(key=_state.AUTH_PASSWORD).set_value("wrong password")
        at.button(key=_state.AUTH_SIGN_IN_SUBMIT).click().run()
        assert _state.ACCOUNT not in at.session_state
    errors = " ".join(e.value for e in at.error)
    assert "Identifiant ou mot de passe incorrect" in errors or "Trop" in errors
    # Locked now: even the right password waits.
    at.text_input(key=_state.AUTH_LOGIN).set_value(login)
    at.text_input(key=_state.AUTH_PASSWORD).set_value("a long password")
    at.button(key=_state.AUTH_SIGN_IN_SUBMIT).click().run()
    assert _state.ACCOUNT not in at.session_state
    assert "réessayez dans 15 min" in " ".join(e.value for e in at.error)
    assert not at.exception


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not a real secret",
    "keycloak": {
        "client_id": "quartier-solaire",
        "client_secret": "not a real secret",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
    },
}


def test_with_oidc_configured_the_sidebar_signs_in_through_the_provider(store):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Se connecter avec keycloak" in [b.label for b in at.sidebar.button]
    assert _state.ACCOUNT not in at.session_state
    # Back from the provider: st.user carries the identity; it becomes the session's account.
    subject = uuid.uuid4().hex
    email = _login("oidc")
    at.user = {
        "is_logged_in": True,
        "iss": "https://id.example.org",
        "sub": subject,
        "email": email,
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    account = at.session_state[_state.ACCOUNT]
    assert account.login == email and account.role == "resident"
    at.switch_page("app_pages/my_data.py")
    at.run()
    assert at.title[0].value == "Mes données"


def test_oidc_identity_becomes_an_account_once(store):
    from app_pages._auth import oidc_account

    user = {"is_logged_in": True, "iss": "https://id.example.org", "sub": uuid.uuid4().hex}
    first = oidc_account(store, {**user, "email": _login("oidc")})
    assert first.role == "resident"
    assert oidc_account(store, user) == first
    assert oidc_account(store, {"is_logged_in": False}) is None


# --- points 3, 4, 5, 11: consent, shares, withdrawal, export, log, bad input ------------


def test_consent_form_stores_nothing_until_every_choice_is_made(store):
    coop = _coop(store)
    campaign = _campaign(store, coop)
    resident = _resident(store)
    at = _app(account=resident, page="app_pages/my_data.py", profile=_curve())
    assert "Entrez le code" in _text(at)  # no form before the terms are read
    _open_code(at, campaign.code.lower().replace("-", " "))
    text = _text(at)
    assert campaign.purpose in text and campaign.terms in text and "version 1" in text
    # Every choice starts unticked.
    assert at.selectbox(key=_state.SHARE_PROJECT).value is None
    assert at.checkbox(key=_state.SHARE_COOP).value is False
    assert at.checkbox(key=_state.SHARE_CITY).value is False
    assert at.radio(key=_state.SHARE_STEP).value is None
    assert at.checkbox(key=_state.SHARE_TERMS).value is False
    assert at.selectbox(key=_state.SHARE_YEARS).value == 1
    before = _counts(store)
    _fill_share_form(at, campaign.project_id, coop=False, step=None, read_terms=False)
    error = " ".join(e.value for e in at.error)
    assert (
        "Rien n'a été enregistré" in error and "destinataire" in error and "pas de temps" in error
    )
    assert _counts(store) == before
    _fill_share_form(at, campaign.project_id, step="daily")
    assert "C'est partagé" in _text(at)
    consents = list_consents(store, resident.id)
    assert len(consents) == 1
    assert consents[0].step == "daily" and consents[0].cooperative_curve
    assert not consents[0].city_aggregates
    assert consents[0].wording_version == campaign.wording_version
    # The same form sent again: a clear message, still one consent.
    _open_code(at, campaign.code)
    _fill_share_form(at, campaign.project_id)
    assert "Vous partagez déjà" in " ".join(e.value for e in at.error)
    assert len(list_consents(store, resident.id)) == 1


def test_mon_foyer_offers_to_share_a_measured_curve_to_a_signed_in_resident(store):
    at = _app(account=_resident(store), page="app_pages/my_home.py")
    at.file_uploader(key=_state.home_upload_key()).upload(
        "two_days.json", TWO_DAYS_DATA_CONNECT.read_bytes()
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    links = [link.proto.page for link in at.get("page_link")]
    assert "mes-donnees" in links
    # Signed out: no such offer (and no Mes données page to go to).
    at = _app(page="app_pages/my_home.py")
    at.file_uploader(key=_state.home_upload_key()).upload(
        "two_days.json", TWO_DAYS_DATA_CONNECT.read_bytes()
    ).run()
    assert not at.get("page_link")


def test_unknown_and_expired_codes_get_a_clear_message(store):
    coop = _coop(store)
    old = _campaign(store, coop, code_days=1, now=utcnow() - timedelta(days=2))
    at = _app(account=_resident(store), page="app_pages/my_data.py", profile=_curve())
    _open_code(at, "ZZZZ-ZZZZ")
    assert "Aucune campagne n'a ce code" in " ".join(e.value for e in at.error)
    _open_code(at, old.code)
    assert "a expiré" in " ".join(e.value for e in at.error)
    assert not at.session_state[_state.JOINED]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_file_that_is_not_a_curve_is_refused_and_nothing_can_be_shared(store, lang):
    campaign = _campaign(store, _coop(store))
    resident = _resident(store)
    before = _counts(store)
    at = _app(account=resident, lang=lang, page="app_pages/my_home.py")
    at.file_uploader(key=_state.home_upload_key()).upload(
        "factures.csv", b"Nom;Montant\nJanvier;54,20\n"
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "the file is refused with a message"
    assert _state.HOME_PROFILE not in at.session_state
    at.switch_page("app_pages/my_data.py")
    at.run()
    _open_code(at, campaign.code)
    assert ("Aucune courbe" if lang == "fr" else "No load curve") in _text(at)
    assert not [b for b in at.button if b.key == _state.SHARE_SUBMIT]  # no form to send
    assert _counts(store) == before
    assert list_consents(store, resident.id) == []


def test_shares_are_changed_withdrawn_once_and_logged_reads_are_shown(store):
    coop = _coop(store)
    campaign = _campaign(store, coop)
    resident = _resident(store)
    terms = ConsentTerms(
        project_id=campaign.project_id,
        step="30min",
        purpose=campaign.purpose,
        wording_version=campaign.wording_version,
        cooperative_curve=True,
    )
    consent = give_consent(store, resident.id, terms, _curve())
    # The cooperative lists the households (a logged read) on its page.
    coop_at = _app(account=coop, page="app_pages/shared_data.py")
    coop_at.button(key=_state.COOP_LIST).click().run()
    assert not coop_at.exception
    table = coop_at.dataframe[0].value
    assert list(table.iloc[:, 0]) == [consent.pseudonym]
    assert resident.login not in _text(coop_at)
    coop_at.button(key=_state.COOP_PREPARE).click().run()
    assert "1 foyers" in _text(coop_at)
    csv = coop_at.session_state[_state.COOP_CSV][3].decode()
    assert csv.splitlines()[0] == f"time,{consent.pseudonym}"
    # The resident sees both reads: who, when, what for.
    tab1 = _app(account=resident, page="app_pages/my_data.py")
    log = tab1.dataframe[0].value
    assert len(log) == 2
    assert set(log.iloc[:, 0]) == {f"coopérative — {coop.organisation}"}
    assert set(log.iloc[:, 2]) == {campaign.purpose}
    # Changed to daily totals, for the city too.
    change = f"{_state.CHANGE}_{{}}_{consent.id}"
    tab1.radio(key=change.format("step")).set_value("daily")
    tab1.checkbox(key=change.format("city")).set_value(True)
    tab1.button(key=change.format("submit")).click().run()
    assert "Partage modifié" in _text(tab1)
    changed = list_consents(store, resident.id)[0]
    assert changed.step == "daily" and changed.city_aggregates and changed.step_min == 1440
    # Withdrawn in one tab, then the same button clicked in another tab.
    tab2 = _app(account=resident, page="app_pages/my_data.py")
    tab1.button(key=f"{_state.WITHDRAW}_{consent.id}").click().run()
    assert "Partage retiré" in _text(tab1)
    assert list_consents(store, resident.id) == []
    tab2.button(key=f"{_state.WITHDRAW}_{consent.id}").click().run()
    assert "n'existe plus" in _text(tab2)
    assert not tab2.exception
    with read(store) as session:
        owned = session.scalars(select(Household).where(Household.owner_id == resident.id)).all()
    assert owned == []


def test_delete_my_account_needs_a_confirmation_and_erases_everything(store):
    campaign = _campaign(store, _coop(store))
    resident = _resident(store)
    give_consent(
        store,
        resident.id,
        ConsentTerms(
            project_id=campaign.project_id,
            step="daily",
            purpose=campaign.purpose,
            wording_version=campaign.wording_version,
            city_aggregates=True,
        ),
        _curve(),
    )
    at = _app(account=resident, page="app_pages/my_data.py")
    assert at.button(key=_state.DELETE_ACCOUNT).disabled
    at.checkbox(key=_state.DELETE_CONFIRM).check().run()
    at.button(key=_state.DELETE_ACCOUNT).click().run()
    assert not at.exception
    assert "ont été effacés" in _text(at)
    assert _state.ACCOUNT not in at.session_state
    with pytest.raises(Exception, match="incorrect|Wrong"):
        authenticate(store, resident.login, "a long password")


# --- point 8: campaigns, counts only ---------------------------------------------------


def test_a_cooperative_creates_a_campaign_from_the_page(store):
    coop = _coop(store)
    at = _app(account=coop, page="app_pages/campaigns.py")
    at.button(key=_state.CAMPAIGN_CREATE).click().run()
    assert "un nom, une finalité" in " ".join(e.value for e in at.error)
    assert campaigns_of(store, coop.id) == []
    at.text_input(key=_state.CAMPAIGN_NAME).set_value("Toits de Malakoff")
    at.text_area(key=_state.CAMPAIGN_PURPOSE).set_value("Dimensionner une centrale collective")
    at.button(key=_state.CAMPAIGN_CREATE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    (campaign,) = campaigns_of(store, coop.id)
    assert campaign.code in _text(at)
    assert campaign.area_households >= 1
    assert campaign.area_kwh == campaign.area_households * 4400.0
    assert "il en faut encore 10" in _text(at)
    # The form is empty again: the same click twice does not open two campaigns.
    at.button(key=_state.CAMPAIGN_CREATE).click().run()
    assert len(campaigns_of(store, coop.id)) == 1


@pytest.mark.parametrize(("joined", "shown"), [(9, False), (10, True)])
def test_campaign_figures_appear_only_from_ten_households(store, joined, shown):
    coop = _coop(store)
    campaign = _campaign(store, coop)
    residents = [_resident(store) for _ in range(joined)]
    for n, resident in enumerate(residents):
        series = _curve() * (1 + n / 10)
        terms = ConsentTerms(
            project_id=campaign.project_id,
            step="30min",
            purpose=campaign.purpose,
            wording_version=campaign.wording_version,
            cooperative_curve=True,
        )
        give_consent(store, resident.id, terms, series)
    at = _app(account=coop, page="app_pages/campaigns.py")
    text = _text(at)
    labels = {m.label: m.value for m in at.metric}
    if shown:
        assert labels["Foyers ayant rejoint"] == "10"
        assert "%" in labels["Part de la consommation de la zone désormais mesurée"]
    else:
        assert "il en faut encore 1 " in text
        assert "Foyers ayant rejoint" not in labels
    for resident in residents:
        assert resident.login not in text


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("resident", "app_pages/my_data.py"),
        ("cooperative", "app_pages/campaigns.py"),
        ("city", "app_pages/campaigns.py"),
        ("cooperative", "app_pages/shared_data.py"),
    ],
)
def test_every_role_page_renders_in_both_languages(store, role, page, lang):
    account = demo_accounts(store)[role]
    at = _app(account=account, lang=lang, page=page)
    assert at.title, "every page has a title"
    assert not at.error, [e.value for e in at.error]


# --- point 10: isolation -----------------------------------------------------------------


def test_two_sessions_with_different_accounts_never_see_each_other(store):
    campaign = _campaign(store, _coop(store))
    alice, bob = _resident(store), _resident(store)
    give_consent(
        store,
        alice.id,
        ConsentTerms(
            project_id=campaign.project_id,
            step="30min",
            purpose=campaign.purpose,
            wording_version=campaign.wording_version,
            cooperative_curve=True,
        ),
        _curve(),
    )
    pseudonym = list_consents(store, alice.id)[0].pseudonym
    a = _app(account=alice, page="app_pages/my_data.py", profile=_curve())
    b = _app(account=bob, page="app_pages/my_data.py")
    for session in (a, b):
        _open_code(session, campaign.code)
    for _ in range(2):  # interleaved runs
        a.run()
        b.run()
    a_text = _text(a) + " ".join(m.value for m in a.sidebar.markdown)
    b_text = _text(b) + " ".join(m.value for m in b.sidebar.markdown)
    # Logins are shown escaped; their random part identifies each account.
    alice_id, bob_id = alice.login[2:10], bob.login[2:10]
    assert alice_id in a_text and bob_id not in a_text
    assert "destinataires :" in a_text  # Alice's consent, in her shares
    assert bob_id in b_text
    assert alice_id not in b_text and "destinataires :" not in b_text
    assert "Vous ne partagez rien" in b_text and "Aucune courbe" in b_text
    assert "Courbe lue sur « Mon foyer »" in a_text and "Courbe lue" not in b_text
    assert pseudonym not in b_text
    assert b.session_state[_state.ACCOUNT] == bob and a.session_state[_state.ACCOUNT] == alice
    _nothing_personal_cached_or_global([alice.login, bob.login, pseudonym])


def test_signing_out_forgets_the_account_and_what_it_typed_in_this_browser(store):
    campaign = _campaign(store, _coop(store))
    alice, bob = _resident(store), _resident(store)
    at = _app(account=alice, page="app_pages/my_data.py", profile=_curve())
    _open_code(at, campaign.code)
    at.checkbox(key=_state.SHARE_COOP).set_value(True)
    at.button(key=_state.AUTH_SIGN_OUT).click().run()
    assert _state.ACCOUNT not in at.session_state
    assert _state.JOINED not in at.session_state
    assert _state.HOME_PROFILE not in at.session_state
    # The next person at the same browser starts from nothing.
    at.session_state[_state.ACCOUNT] = bob
    at.run()
    at.switch_page("app_pages/my_data.py")
    at.run()
    assert not at.exception
    text = _text(at)
    assert campaign.terms not in text and "Entrez le code" in text
    assert at.text_input(key=f"{_state.JOIN_CODE}_1").value == ""


def _cached_values():
    from streamlit.runtime.caching import cache_data_api, cache_resource_api

    for caches in (
        cache_resource_api._resource_caches._function_caches,
        cache_data_api._data_caches._function_caches,
    ):
        for by_function in caches.values():
            for cache in by_function.values():
                # Resources are kept as objects; data as pickled bytes in its storage.
                memory = getattr(cache, "_mem_cache", None)
                if memory is None:
                    memory = cache.storage._mem_cache
                for entry in list(memory.values()):
                    yield getattr(entry, "value", entry)


def _nothing_personal_cached_or_global(needles):
    import sys

    from planner.store import AccountRecord, Store

    values = list(_cached_values())
    assert any(isinstance(v, Store) for v in values), "the walk reaches the caches"
    for value in values:
        assert not isinstance(value, AccountRecord)
        raw = (
            bytes(value)
            if isinstance(value, bytes | bytearray | memoryview)
            else repr(value).encode()
        )
        for needle in needles:
            assert needle.encode() not in raw
    for name, module in list(sys.modules.items()):
        if not name.startswith("app_pages") or module is None:
            continue
        for attribute, value in vars(module).items():
            assert not isinstance(value, AccountRecord), (name, attribute)
            if isinstance(value, str | bytes | list | dict | tuple):
                for needle in needles:
                    assert needle not in repr(value), (name, attribute)


def test_caches_live_only_in_cache_py_and_take_nothing_per_user():
    import ast

    folder = ROOT / "app_pages"
    for path in folder.glob("*.py"):
        source = path.read_text()
        if path.name != "_cache.py":
            assert "cache_data" not in source and "cache_resource" not in source, path.name
            continue
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef):
                continue
            decorated = any("cache" in ast.unparse(d) for d in node.decorator_list)
            if not decorated:
                continue
            names = [a.arg for a in node.args.args]
            personal = {"account", "login", "password", "user", "consent", "energy", "profile"}
            assert not personal & {n.lstrip("_") for n in names}, (node.name, names)
    demo = demo_accounts(prepare_store())
    assert set(demo) == {"resident", "cooperative", "city"}
