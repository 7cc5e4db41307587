"""Every st.session_state key of the app, declared once, and the page list."""

from __future__ import annotations

import streamlit as st

from quartier_solaire.i18n import DEFAULT_LANGUAGE, t

# Keys of st.session_state. Widgets use them as key= so tests can drive them.
LANG = "lang"
SELECTED_BUILDING = "selected_building"
WEATHER_SOURCE = "weather_source"
WEATHER_UPLOAD = "weather_upload"
BASEMAP = "basemap"
MODULE_DENSITY = "module_density_kwp_m2"
EDGE_SETBACK = "edge_setback_m"
LOSSES = "losses_percent"
DC_AC_RATIO = "dc_ac_ratio"
SUITABLE_SHARE = "suitable_share_percent"
SHADING = "shading"
SHADING_RADIUS = "shading_radius_m"
MAP = "rooftop_map"
# The same map while OpenStreetMap is the source: it also returns its view's
# bounds, and a new key mounts it afresh so that it starts returning them.
MAP_OSM = "rooftop_map_osm"
# What the shared sidebar collected in this run (app_pages._sidebar.Sidebar).
SIDEBAR = "sidebar"
BUILDINGS_SOURCE = "buildings_source"
BUILDINGS_UPLOAD = "buildings_upload"
OSM_DATASET = "osm_dataset"
OSM_FETCH = "osm_fetch"
DATASET_KEY = "dataset_key"
# The last building dataset that could be read, and the last upload that could not.
BUILDINGS_HELP = "buildings_help"
KEEP_MAIN_GROUP = "keep_main_group"

# Mon foyer. Everything under these keys is the resident's own data: it lives in
# this browser session only, never in a cache shared between sessions.
HOME_BUILDING = "home_building"
HOME_MAP = "home_map"
HOME_MODE = "home_mode"
HOME_UPLOAD = "home_upload"
# A widget forgets its value only under a new key: the browser sends a widget's
# last value back at the next interaction even after its key is popped. So every
# personal widget's key carries this generation, and "forget" moves it on.
HOME_GENERATION = "home_generation"
HOME_UNIT = "home_unit"
HOME_CONVENTION = "home_convention"
HOME_PROFILE = "home_profile"
HOME_FORGET = "home_forget"
HOME_OFFPEAK = "home_offpeak"
HOME_ASSUMPTIONS = "home_estimate_assumptions"
HOME_HOUSEHOLDS = "home_households"  # households sharing the home's roof, per building
HOUSEHOLD_FIELDS = (
    "annual_kwh",
    "dwelling",
    "floor_area_m2",
    "occupants",
    "heating",
    "water_heater",
    "ev_km_per_year",
    "cooking",
)
HOUSEHOLD = {name: f"household_{name}" for name in HOUSEHOLD_FIELDS}
# Widgets holding the resident's data (their key= goes through personal_key).
PERSONAL_WIDGETS = (
    HOME_MAP,
    HOME_UPLOAD,
    HOME_UNIT,
    HOME_CONVENTION,
    HOME_OFFPEAK,
    HOME_ASSUMPTIONS,
    *HOUSEHOLD.values(),
)
# Values derived from them, kept under fixed keys.
PERSONAL_KEYS = (HOME_PROFILE, HOME_BUILDING)

# Accounts (app_pages/_auth.py). The signed-in account lives here, in this
# session only: never in a cache or a module global.
ACCOUNT = "account"
# Moves on at each sign-out: every widget under account_key() is then a new one,
# so nothing typed by one account shows for the next in the same browser.
ACCOUNT_GENERATION = "account_generation"
AUTH_LOGIN = "auth_login"
AUTH_PASSWORD = "auth_password"
AUTH_SIGN_IN = "auth_sign_in"
AUTH_NEW_LOGIN = "auth_new_login"
AUTH_NEW_PASSWORD = "auth_new_password"
AUTH_NEW_ROLE = "auth_new_role"
AUTH_NEW_ORGANISATION = "auth_new_organisation"
AUTH_SIGN_UP = "auth_sign_up"
AUTH_SIGN_IN_SUBMIT = "auth_sign_in_submit"
AUTH_SIGN_UP_SUBMIT = "auth_sign_up_submit"
AUTH_DEMO = "auth_demo"  # + "_<role>"
AUTH_OIDC = "auth_oidc"
AUTH_SIGN_OUT = "auth_sign_out"
# A message to show once after a rerun (key, params, kind), set by callbacks.
FLASH = "flash"
# Mes données (resident).
JOIN_CODE = "join_code"
JOIN_OPEN = "join_open"
JOINED = "joined_campaigns"  # campaigns opened with a code in this session, by project id
SHARE_PROJECT = "share_project"
SHARE_COOP = "share_cooperative_curve"
SHARE_CITY = "share_city_aggregates"
SHARE_STEP = "share_step"
SHARE_YEARS = "share_years"
SHARE_TERMS = "share_terms_read"
SHARE_SUBMIT = "share_submit"
WITHDRAW = "withdraw"  # + "_<consent id>"
CHANGE = "change"  # + "_<field>_<consent id>"
DELETE_CONFIRM = "delete_confirm"
DELETE_ACCOUNT = "delete_account"
EXPORT = "export"
# Campagnes (cooperative, city).
CAMPAIGN_NAME = "campaign_name"
CAMPAIGN_PURPOSE = "campaign_purpose"
CAMPAIGN_TERMS = "campaign_terms"
CAMPAIGN_AREA = "campaign_area"
CAMPAIGN_BBOX = {side: f"campaign_{side}" for side in ("west", "south", "east", "north")}
CAMPAIGN_HOUSEHOLDS = "campaign_households"
CAMPAIGN_CODE_DAYS = "campaign_code_days"
CAMPAIGN_CREATE = "campaign_create"
CAMPAIGN_GENERATION = "campaign_generation"  # moves on after each creation
# Foyers partagés (cooperative).
COOP_CAMPAIGN = "coop_campaign"
COOP_LIST = "coop_list"
COOP_LISTED = "coop_listed"  # what the last (logged) listing returned
COOP_STEP = "coop_step"
COOP_PREPARE = "coop_prepare"
COOP_CSV = "coop_csv"  # the last prepared CSV, for the download button
# Consultations (every role) and their organisers' page (cooperative, city).
# Per-site and per-comment widgets add "_<id>" to these, under account_key().
CONSULT_CHOICE = "consult_choice"
CONSULT_SESSION = "consult_session"  # this browser session's random key (throttling)
CONSULT_FORM = "consult_form"
CONSULT_STANCE = "consult_stance"
CONSULT_TAGS = "consult_tags"
CONSULT_COMMENT = "consult_comment"
CONSULT_SUBMIT = "consult_submit"
CONSULT_REPORT = "consult_report"
CONSULT_MAP = "consult_map"
CONSULT_ON_MAP = "consult_on_map"  # prefix of the vote form of the site clicked on the map
CONSULT_ADMIN_CHOICE = "consult_admin_choice"
CONSULT_NEW_TITLE = "consult_new_title"
CONSULT_NEW_DESCRIPTION = "consult_new_description"
CONSULT_NEW_OPENS = "consult_new_opens"
CONSULT_NEW_CLOSES = "consult_new_closes"
CONSULT_NEW_SECRET = "consult_new_secret"
CONSULT_NEW_SITES = "consult_new_sites"
CONSULT_CREATE = "consult_create"
CONSULT_CLOSE = "consult_close"
CONSULT_MODERATE = "consult_moderate"  # + "_<decision>_<comment id>"
CONSULT_EXPORT_CSV = "consult_export_csv"
CONSULT_EXPORT_GEOJSON = "consult_export_geojson"
ACCOUNT_WIDGETS = (
    JOIN_CODE,
    SHARE_PROJECT,
    SHARE_COOP,
    SHARE_CITY,
    SHARE_STEP,
    SHARE_YEARS,
    SHARE_TERMS,
    DELETE_CONFIRM,
    CAMPAIGN_NAME,
    CAMPAIGN_PURPOSE,
    CAMPAIGN_TERMS,
    CAMPAIGN_AREA,
    *CAMPAIGN_BBOX.values(),
    CAMPAIGN_HOUSEHOLDS,
    CAMPAIGN_CODE_DAYS,
    COOP_CAMPAIGN,
    COOP_STEP,
    CONSULT_NEW_TITLE,
    CONSULT_NEW_DESCRIPTION,
    CONSULT_NEW_OPENS,
    CONSULT_NEW_CLOSES,
    CONSULT_NEW_SECRET,
    CONSULT_NEW_SITES,
)
# The neighbourhood comparisons computed in this session, by consent id: each one
# reads (and logs a read of) every other sharing household, so it runs on the
# first visit and on demand, not at every rerun.
COMPARISONS = "neighbourhood_comparisons"
ACCOUNT_VALUES = (ACCOUNT, JOINED, COOP_LISTED, COOP_CSV, COMPARISONS)

# Defaults of keys that no widget owns (a widget's default is its own value=).
DEFAULTS: dict[str, object] = {
    LANG: DEFAULT_LANGUAGE,
    SELECTED_BUILDING: None,
    HOME_BUILDING: None,
}

# (file, catalogue key of the title, icon, url path); the first page is the default.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("app_pages/rooftop_map.py", "nav.rooftop_map", ":material/map:", "carte"),
    ("app_pages/my_home.py", "nav.my_home", ":material/home:", "mon-foyer"),
    ("app_pages/collective.py", "nav.collective", ":material/groups:", "projet-collectif"),
    ("app_pages/method.py", "nav.method", ":material/menu_book:", "methode"),
)


# Pages shown only to the roles they serve: (file, title, icon, url path, roles).
ROLE_PAGES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("app_pages/my_data.py", "nav.my_data", ":material/lock_person:", "mes-donnees", ("resident",)),
    (
        "app_pages/campaigns.py",
        "nav.campaigns",
        ":material/campaign:",
        "campagnes",
        ("cooperative", "city"),
    ),
    (
        "app_pages/shared_data.py",
        "nav.shared_data",
        ":material/groups:",
        "foyers-partages",
        ("cooperative",),
    ),
    (
        "app_pages/consultation.py",
        "nav.consultation",
        ":material/how_to_vote:",
        "consultations",
        ("resident", "cooperative", "city"),
    ),
    (
        "app_pages/consultation_admin.py",
        "nav.consultation_admin",
        ":material/edit_note:",
        "organiser-une-consultation",
        ("cooperative", "city"),
    ),
)


def init() -> None:
    """Give every declared key its default, once per session."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def lang() -> str:
    """Return the language chosen in this session."""
    return st.session_state.get(LANG, DEFAULT_LANGUAGE)


def navigation(lang: str, role: str | None = None) -> list[st.Page]:
    """Return the pages open to ``role`` (None: signed out), titled in ``lang``."""
    pages = [
        st.Page(path, title=t(title, lang), icon=icon, url_path=url, default=i == 0)
        for i, (path, title, icon, url) in enumerate(PAGES)
    ]
    pages += [
        st.Page(path, title=t(title, lang), icon=icon, url_path=url)
        for path, title, icon, url, roles in ROLE_PAGES
        if role in roles
    ]
    return pages


def account_key(name: str) -> str:
    """Return the key of an account widget ``name`` for the account signed in now."""
    generation = st.session_state.get(ACCOUNT_GENERATION, 0)
    return name if generation == 0 else f"{name}_{generation}"


def forget_account() -> None:
    """Sign out: forget the account, what it typed and read, and the resident's own data."""
    prefixes = tuple(
        f"{account_key(n)}"
        for n in (WITHDRAW, CHANGE, CONSULT_STANCE, CONSULT_TAGS, CONSULT_COMMENT, CONSULT_ON_MAP)
    )
    for key in [k for k in st.session_state if str(k).startswith(prefixes)]:
        st.session_state.pop(key, None)
    for key in (*ACCOUNT_VALUES, *(account_key(n) for n in ACCOUNT_WIDGETS)):
        st.session_state.pop(key, None)
    st.session_state[ACCOUNT_GENERATION] = st.session_state.get(ACCOUNT_GENERATION, 0) + 1
    forget_personal_data()


def personal_key(name: str) -> str:
    """Return the key of the personal widget ``name`` as it stands in this session.

    A fresh session (generation 0) uses the declared name itself; after each
    "forget", every personal widget is a new widget with its default value.
    """
    generation = st.session_state.get(HOME_GENERATION, 0)
    return name if generation == 0 else f"{name}_{generation}"


def home_upload_key() -> str:
    """Return the key of the consumption uploader as it stands in this session."""
    return personal_key(HOME_UPLOAD)


def households_key(building_id: str) -> str:
    """Return the key of the 'households sharing this roof' input of one building."""
    return f"{personal_key(HOME_HOUSEHOLDS)}:{building_id}"


def forget_personal_data() -> None:
    """Remove every piece of the resident's own data from this session."""
    households = f"{personal_key(HOME_HOUSEHOLDS)}:"
    per_building = [k for k in st.session_state if str(k).startswith(households)]
    for key in (*PERSONAL_KEYS, *(personal_key(n) for n in PERSONAL_WIDGETS), *per_building):
        st.session_state.pop(key, None)
    st.session_state[HOME_GENERATION] = st.session_state.get(HOME_GENERATION, 0) + 1
    st.session_state[HOME_BUILDING] = None
