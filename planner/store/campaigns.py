"""Sharing campaigns: a cooperative or a city opens a project to an area by an invitation code.

A campaign is a project (the thing residents consent to) with an area, the
terms shown before anyone joins, and a code residents type to join. The code is
random and short enough to read out at a meeting; it stops working when it
expires. What the organiser learns back is a set of anonymous contributions
(how many households, each one's coverage and annual kWh, unordered and
unnamed): the page publishes counts and shares of them only when the
statistical-secrecy rules allow.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from planner.store.engine import Store, read, write
from planner.store.errors import StoreError
from planner.store.models import Account, Campaign, Consent, Curve, Project, utcnow

_log = logging.getLogger(__name__)
# No 0/O, 1/I/L: a code read aloud or copied by hand is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_CODE_DAYS = 365
WORDING_VERSION = "1"


@dataclass(frozen=True)
class CampaignRecord:
    """A campaign as the pages see it.

    ``bbox`` is (west, south, east, north) [degrees, EPSG:4326]; ``area_kwh``
    [kWh/yr] the organiser's estimate of the area's consumption.
    """

    id: str
    project_id: str
    name: str
    organisation: str
    purpose: str
    terms: str
    wording_version: str
    code: str
    bbox: tuple[float, float, float, float]
    area_households: int
    area_kwh: float
    code_expires_at: datetime


@dataclass(frozen=True)
class Contributions:
    """What the households who joined a campaign contribute, anonymous and unordered.

    ``coverage`` [0-1] and ``annual_kwh`` [kWh/yr] hold one value per household
    with a stored curve, sorted by value (never by who or when).
    """

    households: int
    coverage: tuple[float, ...]
    annual_kwh: tuple[float, ...]
    area_households: int
    area_kwh: float


def _record(campaign: Campaign) -> CampaignRecord:
    project = campaign.project
    return CampaignRecord(
        id=campaign.id,
        project_id=project.id,
        name=project.name,
        organisation=project.organisation,
        purpose=project.purpose,
        terms=campaign.terms,
        wording_version=project.consent_wording_version,
        code=campaign.code,
        bbox=(campaign.west, campaign.south, campaign.east, campaign.north),
        area_households=campaign.area_households,
        area_kwh=campaign.area_kwh,
        code_expires_at=campaign.code_expires_at,
    )


def new_code() -> str:
    """Return a fresh invitation code, ``XXXX-XXXX`` from an unambiguous alphabet."""
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{letters[:4]}-{letters[4:]}"


def normal_code(code: str) -> str:
    """Return ``code`` as stored: upper case, without spaces, dash in the middle."""
    letters = "".join(c for c in str(code).upper() if c.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == CODE_LENGTH else letters


def _organiser(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None or account.role == "resident" or not account.organisation:
        raise StoreError("store_not_allowed", "This account may not do that.")
    return account


def _check_campaign(name, purpose, terms, bbox, area_households, code_days) -> None:
    if not (name.strip() and purpose.strip() and terms.strip()):
        raise StoreError(
            "store_campaign_incomplete", "A campaign has a name, a purpose and consent terms."
        )
    west, south, east, north = bbox
    inside = -180 <= west < east <= 180 and -90 <= south < north <= 90
    if not inside or area_households < 1:
        raise StoreError(
            "store_bad_area", "The area must be a box on the map with at least one household."
        )
    if not 1 <= code_days <= MAX_CODE_DAYS:
        raise StoreError(
            "store_bad_code_days",
            "An invitation code lasts between one day and one year.",
            {"days": MAX_CODE_DAYS},
        )


def create_campaign(
    store: Store,
    account_id: str,
    *,
    name: str,
    purpose: str,
    terms: str,
    bbox: tuple[float, float, float, float],
    area_households: int,
    area_kwh: float,
    code_days: int = 90,
    now: datetime | None = None,
) -> CampaignRecord:
    """Create a campaign run by a cooperative's or city's organisation, with a fresh code.

    Parameters
    ----------
    bbox : (float, float, float, float)
        The area (west, south, east, north) [degrees, EPSG:4326].
    area_households : int
        Estimated number of households in the area.
    area_kwh : float
        Estimated annual consumption of the area [kWh/yr].
    code_days : int
        Days the invitation code works [d], at most a year.

    Raises
    ------
    StoreError
        ``store_not_allowed`` (a resident), ``store_campaign_incomplete``,
        ``store_bad_area``, ``store_bad_code_days``.
    """
    now = now or utcnow()
    _check_campaign(name, purpose, terms, bbox, area_households, code_days)
    west, south, east, north = (float(v) for v in bbox)
    for _attempt in range(5):
        try:
            with write(store) as session:
                account = _organiser(session, account_id)
                project = Project(
                    name=name.strip(),
                    organisation=account.organisation,
                    purpose=purpose.strip(),
                    consent_wording_version=WORDING_VERSION,
                    created_by=account.id,
                )
                campaign = Campaign(
                    project=project,
                    code=new_code(),
                    terms=terms.strip(),
                    west=west,
                    south=south,
                    east=east,
                    north=north,
                    area_households=int(area_households),
                    area_kwh=float(area_kwh),
                    code_expires_at=now + timedelta(days=code_days),
                    created_at=now,
                )
                session.add_all([project, campaign])
                session.flush()
                record = _record(campaign)
            _log.info("campaign created")
            return record
        except IntegrityError:  # a code drawn twice (one chance in 10^11): draw again
            continue
    raise StoreError("store_busy", "The database is busy; try again in a moment.")


def campaign_by_code(store: Store, code: str, *, now: datetime | None = None) -> CampaignRecord:
    """Return the campaign an invitation code opens, with its terms.

    Raises
    ------
    StoreError
        ``store_unknown_code`` or ``store_code_expired``.
    """
    now = now or utcnow()
    with read(store) as session:
        campaign = session.scalars(
            select(Campaign).where(Campaign.code == normal_code(code))
        ).first()
        if campaign is None:
            raise StoreError("store_unknown_code", "No campaign has this invitation code.")
        if campaign.code_expires_at <= now:
            raise StoreError("store_code_expired", "This invitation code has expired.")
        return _record(campaign)


def campaign_of_project(store: Store, project_id: str) -> CampaignRecord | None:
    """Return the campaign of a project, or None for a project that is not a campaign."""
    with read(store) as session:
        campaign = session.scalars(
            select(Campaign).where(Campaign.project_id == project_id)
        ).first()
        return _record(campaign) if campaign else None


def campaigns_of(store: Store, account_id: str) -> list[CampaignRecord]:
    """Return the campaigns of the account's organisation, newest first.

    Raises
    ------
    StoreError
        ``store_not_allowed`` for a resident account.
    """
    with read(store) as session:
        account = _organiser(session, account_id)
        campaigns = session.scalars(
            select(Campaign)
            .join(Project)
            .where(Project.organisation == account.organisation)
            .order_by(Campaign.created_at.desc(), Campaign.id)
        ).all()
        return [_record(c) for c in campaigns]


def contributions(
    store: Store, account_id: str, campaign_id: str, *, now: datetime | None = None
) -> Contributions:
    """Return what the households who joined a campaign contribute, anonymously.

    Only unexpired consents count. The caller publishes them only as
    aggregates that pass the statistical-secrecy rules.

    Raises
    ------
    StoreError
        ``store_not_allowed`` unless the account belongs to the campaign's organisation.
    """
    now = now or utcnow()
    with read(store) as session:
        account = _organiser(session, account_id)
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.project.organisation != account.organisation:
            raise StoreError("store_not_allowed", "This account may not do that.")
        joined = session.scalars(
            select(Consent.id).where(
                Consent.project_id == campaign.project_id, Consent.expires_at > now
            )
        ).all()
        curves = session.execute(
            select(Curve.coverage, Curve.annual_kwh)
            .join(Consent, Curve.consent_id == Consent.id)
            .where(Consent.project_id == campaign.project_id, Consent.expires_at > now)
        ).all()
        return Contributions(
            households=len(joined),
            coverage=tuple(sorted(float(c) for c, _ in curves)),
            annual_kwh=tuple(sorted(float(k) for _, k in curves if k is not None)),
            area_households=campaign.area_households,
            area_kwh=campaign.area_kwh,
        )
