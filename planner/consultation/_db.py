"""Small helpers shared by the consultation modules (private)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from planner.consultation.records import ConsultationRecord, SiteRecord
from planner.store import StoreError
from planner.store.consultation_models import Consultation, Site
from planner.store.models import Account


def upsert(session: Session, model: Any) -> Any:
    """Return the dialect's INSERT for ``model``: it has ``on_conflict_do_update/nothing``."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def not_found() -> StoreError:
    return StoreError("consult_not_found", "This consultation or site does not exist (any more).")


def not_allowed() -> StoreError:
    return StoreError("store_not_allowed", "This account may not do that.")


def account(session: Session, account_id: str) -> Account:
    found = session.get(Account, account_id)
    if found is None:
        raise StoreError("store_account_not_found", "This account does not exist (any more).")
    return found


def organiser_of(session: Session, account_id: str, consultation: Consultation) -> Account:
    """Return the account if it moderates ``consultation``: its organisation runs it."""
    found = account(session, account_id)
    if found.role == "resident" or found.organisation != consultation.organisation:
        raise not_allowed()
    return found


def site_record(site: Site) -> SiteRecord:
    return SiteRecord(
        id=site.id,
        name=site.name,
        geometry=json.loads(site.geometry),
        kwp=site.kwp,
        mwh_per_year=site.mwh_per_year,
        households=site.households,
        shading_loss_pct=site.shading_loss_pct,
        computed_at=site.computed_at,
        building_id=site.building_id,
    )


def consultation_record(consultation: Consultation, sites: list[Site]) -> ConsultationRecord:
    return ConsultationRecord(
        id=consultation.id,
        title=consultation.title,
        description=consultation.description,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        secret=consultation.secret,
        organisation=consultation.organisation,
        sites=tuple(site_record(s) for s in sorted(sites, key=lambda s: s.position)),
    )
