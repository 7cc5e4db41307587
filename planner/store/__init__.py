"""Storage, consent and safety: accounts, households' curves under consent, access log.

Plain Python over SQLAlchemy 2 and Alembic, no Streamlit: the pages only call
these functions. Open the store once per process with :func:`open_store`, apply
the migrations with :func:`upgrade`, then call the service functions with it.
Every refusal is a :class:`StoreError` whose ``code`` the catalogue translates
(``problem.<code>``).
"""

# Imported for its tables: the migrations and the schema test see the whole metadata.
from planner.store import consultation_models as _consultation_models  # noqa: F401
from planner.store.accounts import (
    account_for_identity,
    authenticate,
    create_account,
    create_project,
    delete_account,
    demo_accounts,
    get_account,
)
from planner.store.campaigns import (
    CampaignRecord,
    Contributions,
    campaign_by_code,
    campaign_of_project,
    campaigns_of,
    contributions,
    create_campaign,
    normal_code,
)
from planner.store.consents import (
    ConsentTerms,
    add_years,
    change_consent,
    give_consent,
    list_consents,
    purge_expired,
    shared_curve,
    withdraw_consent,
)
from planner.store.crypto import new_key
from planner.store.engine import (
    Store,
    downgrade,
    make_engine,
    open_store,
    read,
    upgrade,
    write,
)
from planner.store.errors import StoreError
from planner.store.models import ROLES, STEPS, Base
from planner.store.neighbourhood import (
    NeighbourhoodView,
    compare_with_neighbourhood,
    neighbourhood_curves,
)
from planner.store.reads import (
    HouseholdExport,
    SharedHousehold,
    access_log,
    export_household,
    read_curve_as,
    read_curves_as,
    shared_households,
)
from planner.store.records import AccessRecord, AccountRecord, ConsentRecord, ProjectRecord
from planner.store.settings import StoreConfig, data_dir, database_url
from planner.store.startup import prepare_store

__all__ = [
    "ROLES",
    "STEPS",
    "AccessRecord",
    "AccountRecord",
    "CampaignRecord",
    "Base",
    "ConsentRecord",
    "ConsentTerms",
    "Contributions",
    "HouseholdExport",
    "NeighbourhoodView",
    "ProjectRecord",
    "SharedHousehold",
    "Store",
    "StoreConfig",
    "StoreError",
    "access_log",
    "account_for_identity",
    "add_years",
    "authenticate",
    "campaign_by_code",
    "campaign_of_project",
    "campaigns_of",
    "change_consent",
    "compare_with_neighbourhood",
    "contributions",
    "create_account",
    "create_campaign",
    "create_project",
    "data_dir",
    "database_url",
    "delete_account",
    "demo_accounts",
    "downgrade",
    "export_household",
    "get_account",
    "give_consent",
    "list_consents",
    "make_engine",
    "neighbourhood_curves",
    "new_key",
    "normal_code",
    "open_store",
    "prepare_store",
    "purge_expired",
    "read",
    "read_curve_as",
    "read_curves_as",
    "shared_curve",
    "shared_households",
    "upgrade",
    "withdraw_consent",
    "write",
]
