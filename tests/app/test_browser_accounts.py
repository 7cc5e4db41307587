"""Accounts in the browser: two people at once never see each other's data.

A cooperative opens a campaign; Alice signs up, reads her file on Mon foyer and
shares it under the campaign's terms; Bob, in another browser context at the
same time, sees none of it. Starts its own app server on an empty database
(module-scoped fixtures in conftest.py); screenshots go to .pytest_cache/.
"""

import json
import re
import uuid
import zipfile

import pytest

from tests.app.home_files import TWO_DAYS_DATA_CONNECT
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
SHOTS = ROOT / ".pytest_cache"
TIMEOUT = 60_000


def _settled(page):
    page.wait_for_timeout(800)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT)


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"accounts-{name}.png"), full_page=True)


def _open(browser, app_url, path=""):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.get_by_text("Mon compte").wait_for(timeout=TIMEOUT)
    _settled(page)
    return context, page


def _sign_up(page, login):
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("tab", name="Créer un compte").click()
    panel = sidebar.get_by_role("tabpanel", name="Créer un compte")
    panel.get_by_label("Identifiant ou e-mail").fill(login)
    panel.get_by_label("Mot de passe (8 caractères au moins)").fill("a long password")
    panel.get_by_role("button", name="Créer un compte").click()
    sidebar.get_by_text("Connecté·e").wait_for(timeout=TIMEOUT)
    _settled(page)


def _go(page, title):
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    _settled(page)


def _campaign_code(browser, app_url):
    context, page = _open(browser, app_url)
    page.get_by_role("button", name="Démo : coopérative").click()
    _settled(page)
    _go(page, "Campagnes")
    page.get_by_text("Nouvelle campagne").wait_for(timeout=TIMEOUT)
    page.get_by_role("textbox", name="Nom de la campagne").fill("Toits du Breil")
    page.get_by_role("textbox", name="Finalité").fill(
        "Dimensionner une centrale solaire collective"
    )
    page.get_by_role("textbox", name="Finalité").press("Control+Enter")
    _settled(page)
    page.get_by_role("button", name="Créer la campagne et son code").click()
    message = page.get_by_text("Campagne créée")
    message.wait_for(timeout=TIMEOUT)
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", message.inner_text()).group(0)
    page.get_by_text("il en faut encore 10").first.wait_for(timeout=TIMEOUT)
    _shot(page, "1-campaign")
    context.close()
    return code


def test_two_people_at_once_never_see_each_other(app_url, browser):
    code = _campaign_code(browser, app_url)
    alice = f"alice-{uuid.uuid4().hex[:6]}@example.org"
    bob = f"bob-{uuid.uuid4().hex[:6]}@example.org"
    a_context, a = _open(browser, app_url)
    b_context, b = _open(browser, app_url)
    _sign_up(a, alice)
    _sign_up(b, bob)

    # Alice reads her file on Mon foyer (kept in her session only), then shares it.
    _go(a, "Mon foyer")
    a.locator("[data-testid='stMain'] input[type='file']").set_input_files(
        str(TWO_DAYS_DATA_CONNECT)
    )
    a.get_by_text("Mesuré par votre fichier", exact=False).first.wait_for(timeout=TIMEOUT)
    _settled(a)
    _go(a, "Mes données")
    a.get_by_label("Code d'invitation").fill(code)
    a.get_by_role("button", name="Voir les conditions").click()
    a.get_by_text("Conditions de partage").first.wait_for(timeout=TIMEOUT)
    _settled(a)
    _shot(a, "2-terms")
    form = a.locator("[data-testid='stForm']")
    form.locator("[data-testid='stSelectbox']").first.click()
    a.get_by_role("option", name=re.compile("Toits du Breil")).click()
    form.get_by_text("La coopérative du projet reçoit ma courbe sous pseudonyme").click()
    form.get_by_text("les totaux journaliers seulement").click()
    form.get_by_text("J'ai lu la finalité et les conditions").click()
    form.get_by_role("button", name="Partager avec le projet").click()
    a.get_by_text("C'est partagé avec").wait_for(timeout=TIMEOUT)
    _settled(a)
    _shot(a, "3-shared")

    # Bob, at the same time: his own account, nothing of Alice's.
    _go(b, "Mes données")
    b.get_by_text("Vous ne partagez rien").wait_for(timeout=TIMEOUT)
    _shot(b, "4-other-person")
    b_text = b.locator("body").inner_text()
    assert alice.split("@")[0] not in b_text
    assert bob.split("@")[0] in b_text
    assert "Toits du Breil" not in b_text and "totaux journaliers seulement ;" not in b_text

    # Alice, after Bob's runs and a change of page: still hers, and in English too.
    _go(a, "Carte des toits")
    _go(a, "Mes données")
    sidebar = a.locator("[data-testid='stSidebar']")
    sidebar.get_by_text(alice.split("@")[0]).wait_for(timeout=TIMEOUT)
    a_text = a.locator("body").inner_text()
    assert bob.split("@")[0] not in a_text
    sidebar.locator("[data-testid='stSelectbox']").first.click()
    a.get_by_role("option", name="English").click()
    _settled(a)
    a.get_by_text("My shares").wait_for(timeout=TIMEOUT)
    a.get_by_text("daily totals only", exact=False).first.wait_for(timeout=TIMEOUT)
    _shot(a, "5-english")
    # Everything the project holds about her, in one click: hers only.
    with a.expect_download(timeout=TIMEOUT) as download:
        a.get_by_role("button", name="Download all my data (CSV and JSON)").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert {"quartier-solaire.json", "curves.csv", "consents.csv"} <= set(archive.namelist())
        export = json.loads(archive.read("quartier-solaire.json"))
    assert export["account"]["login"] == alice
    assert len(export["consents"]) == 1 and export["consents"][0]["step"] == "daily"
    assert len(export["curves"][0]["energy_kwh"]) == 2  # two days, as daily totals
    a_context.close()
    b_context.close()
