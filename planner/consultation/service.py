"""Creating consultations and taking residents' opinions: one per person and site.

The database enforces "one opinion per resident per site" with a unique
constraint, and a submission is an upsert (``INSERT ... ON CONFLICT DO
UPDATE``): a resident who changes their mind, or whose browser sends the form
twice at once, ends with one opinion, the last one.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import shapely.geometry
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from planner.consultation import _db
from planner.consultation.config import STANCES, TAGS, ConsultationConfig
from planner.consultation.records import CandidateSite, ConsultationRecord, OpinionRecord
from planner.consultation.secrecy import ballot_key, voter_token
from planner.store import Store, StoreError, read, write
from planner.store.consultation_models import (
    Ballot,
    Consultation,
    Opinion,
    Participant,
    Site,
    Submission,
)
from planner.store.models import new_id, utcnow

MAX_TITLE_CHARS = 200


def create_consultation(
    store: Store,
    account_id: str,
    title: str,
    description: str,
    opens_at: datetime,
    closes_at: datetime,
    sites: Sequence[CandidateSite],
    *,
    secret: bool = False,
) -> ConsultationRecord:
    """Create a consultation on candidate sites, run by a city or cooperative account.

    Parameters
    ----------
    opens_at, closes_at : datetime
        Opinions are taken from ``opens_at`` (included) to ``closes_at`` (excluded), aware.
    sites : sequence of CandidateSite
        The candidate sites, in the order they are shown.
    secret : bool
        Secret ballot: opinions are stored apart from identity (see
        :mod:`planner.consultation.secrecy`); needs the store's data key.

    Raises
    ------
    StoreError
        ``store_not_allowed`` (a resident), ``store_account_not_found``,
        ``consult_title_required``, ``consult_bad_period``, ``consult_no_sites``,
        ``consult_bad_geometry``, ``consult_bad_figures``, ``store_no_key``.
    """
    if secret:
        ballot_key(store, "")  # refuses now, not at the first ballot, when there is no key
    with write(store) as session:
        return insert_consultation(
            session, account_id, title, description, opens_at, closes_at, sites, secret=secret
        )


def insert_consultation(
    session: Session,
    account_id: str,
    title: str,
    description: str,
    opens_at: datetime,
    closes_at: datetime,
    sites: Sequence[CandidateSite],
    *,
    secret: bool = False,
) -> ConsultationRecord:
    """Insert a consultation in an open write transaction (see :func:`create_consultation`)."""
    organiser = _db.account(session, account_id)
    if organiser.role == "resident":
        raise _db.not_allowed()
    title = title.strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise StoreError(
            "consult_title_required",
            "A consultation needs a title of at most 200 characters.",
            {"max": MAX_TITLE_CHARS},
        )
    if opens_at.tzinfo is None or closes_at.tzinfo is None or closes_at <= opens_at:
        raise StoreError("consult_bad_period", "The consultation must close after it opens.")
    if not sites:
        raise StoreError("consult_no_sites", "A consultation needs at least one candidate site.")
    consultation = Consultation(
        title=title,
        description=description.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        secret=secret,
        organisation=organiser.organisation or "",
        created_by=organiser.id,
    )
    session.add(consultation)
    session.flush()
    rows = [_site_row(consultation.id, n, site) for n, site in enumerate(sites, start=1)]
    session.add_all(rows)
    session.flush()
    return _db.consultation_record(consultation, rows)


def _site_row(consultation_id: str, position: int, site: CandidateSite) -> Site:
    figures = (site.kwp, site.mwh_per_year, site.households, site.shading_loss_pct)
    sound = all(isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in figures)
    if not site.name.strip() or not sound or site.shading_loss_pct > 100:
        raise StoreError(
            "consult_bad_figures",
            "A candidate site needs a name and finite, non-negative figures (shading 0-100 %).",
            {"site": position},
        )
    if site.computed_at.tzinfo is None:
        raise StoreError(
            "consult_bad_figures", "The computation date must be aware.", {"site": position}
        )
    return Site(
        consultation_id=consultation_id,
        name=site.name.strip(),
        building_id=site.building_id,
        geometry=_geometry_text(site.geometry, position),
        kwp=float(site.kwp),
        mwh_per_year=float(site.mwh_per_year),
        households=int(site.households),
        shading_loss_pct=float(site.shading_loss_pct),
        computed_at=site.computed_at,
        position=position,
    )


def _geometry_text(geometry: Mapping[str, Any], position: int) -> str:
    # A polygon in longitude/latitude (EPSG:4326), valid, or a clear refusal.
    try:
        shape = shapely.geometry.shape(geometry)
        lon_min, lat_min, lon_max, lat_max = shape.bounds
        sound = (
            shape.geom_type in ("Polygon", "MultiPolygon")
            and shape.is_valid
            and not shape.is_empty
            and -180 <= lon_min <= lon_max <= 180
            and -90 <= lat_min <= lat_max <= 90
        )
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
        sound = False
    if not sound:
        raise StoreError(
            "consult_bad_geometry",
            "A candidate site's outline must be a valid GeoJSON polygon in longitude/latitude.",
            {"site": position},
        )
    return json.dumps(shapely.geometry.mapping(shape))


def get_consultation(store: Store, consultation_id: str) -> ConsultationRecord:
    """Return a consultation and its sites.

    Raises
    ------
    StoreError
        ``consult_not_found``.
    """
    with read(store) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise _db.not_found()
        sites = session.scalars(select(Site).where(Site.consultation_id == consultation.id)).all()
        return _db.consultation_record(consultation, list(sites))


def list_consultations(store: Store) -> tuple[ConsultationRecord, ...]:
    """Return every consultation with its sites, the latest to open first."""
    with read(store) as session:
        found = session.scalars(select(Consultation).order_by(Consultation.opens_at.desc())).all()
        sites = session.scalars(select(Site)).all()
        return tuple(
            _db.consultation_record(c, [s for s in sites if s.consultation_id == c.id])
            for c in found
        )


def submit_opinion(
    store: Store,
    account_id: str,
    site_id: str,
    stance: str,
    *,
    tags: Iterable[str] = (),
    comment: str | None = None,
    session_key: str | None = None,
    now: datetime | None = None,
    config: ConsultationConfig | None = None,
) -> OpinionRecord:
    """Give or change a resident's opinion on a site while its consultation is open.

    Parameters
    ----------
    stance : str
        ``"support"``, ``"neutral"`` or ``"oppose"``.
    tags : iterable of str
        Concerns among :data:`TAGS`.
    comment : str, optional
        At most ``config.max_comment_chars`` characters, stored as text.
    session_key : str, optional
        The browser session's random key: submissions are throttled per
        account and per session.

    Raises
    ------
    StoreError
        ``consult_bad_stance``, ``consult_bad_tag``, ``consult_comment_too_long``,
        ``consult_comment_control_char``, ``consult_not_found``, ``store_not_allowed``
        (not a resident), ``consult_not_open``, ``consult_closed``, ``consult_throttled``.
    """
    config = config or ConsultationConfig()
    now = now or utcnow()
    opinion = _checked(site_id, stance, tags, comment, config)
    with read(store) as session:
        consultation = _consultation_of_site(session, site_id)
        if _db.account(session, account_id).role != "resident":
            raise _db.not_allowed()
    _check_period(consultation, now)
    # Separate transactions: the throttle log, the register and a secret ballot
    # never share one (a shared transaction id would link them).
    _throttle(store, account_id, session_key, now, config)
    if consultation.secret:
        _cast_ballot(store, consultation.id, account_id, opinion)
    else:
        _give_opinion(store, account_id, opinion, now)
    return opinion


def _checked(
    site_id: str, stance: str, tags: Iterable[str], comment: str | None, config: ConsultationConfig
) -> OpinionRecord:
    if stance not in STANCES:
        raise StoreError("consult_bad_stance", "The opinion must be support, neutral or oppose.")
    tags = tuple(sorted(set(tags)))
    if any(tag not in TAGS for tag in tags):
        raise StoreError("consult_bad_tag", "A concern is not one of those offered.")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > config.max_comment_chars:
        raise StoreError(
            "consult_comment_too_long",
            f"The comment is {len(comment)} characters long; the limit is "
            f"{config.max_comment_chars}.",
            {"length": len(comment), "max": config.max_comment_chars},
        )
    if comment is not None and "\x00" in comment:
        raise StoreError(
            "consult_comment_control_char", "The comment holds a character that is not text."
        )
    return OpinionRecord(site_id, stance, tags, comment)


def _consultation_of_site(session: Session, site_id: str) -> Consultation:
    site = session.get(Site, site_id)
    if site is None:
        raise _db.not_found()
    return session.get(Consultation, site.consultation_id)


def _check_period(consultation: Consultation, now: datetime) -> None:
    if now < consultation.opens_at:
        raise StoreError(
            "consult_not_open",
            "This consultation has not opened yet.",
            {"date": consultation.opens_at.date().isoformat()},
        )
    if now >= consultation.closes_at:
        raise StoreError(
            "consult_closed",
            "This consultation has closed: opinions can no longer be given or changed.",
            {"date": consultation.closes_at.date().isoformat()},
        )


def _throttle_key(kind: str, value: str) -> str:
    # A hash, so the throttle log holds no account id.
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def _throttle(
    store: Store,
    account_id: str,
    session_key: str | None,
    now: datetime,
    config: ConsultationConfig,
) -> None:
    # A sliding window counted in the database, so every process shares it. On
    # PostgreSQL, requests arriving at the same instant may all take the last
    # slot: it slows abuse down, it is not an exact quota.
    limits = {_throttle_key("account", account_id): config.per_account}
    if session_key:
        limits[_throttle_key("session", session_key)] = config.per_session
    since = now - config.window
    with write(store) as session:
        session.execute(
            delete(Submission).where(Submission.key.in_(limits), Submission.at <= since)
        )
        for key, limit in limits.items():
            count, oldest = session.execute(
                select(func.count(), func.min(Submission.at)).where(
                    Submission.key == key, Submission.at > since
                )
            ).one()
            if count >= limit:
                wait = (oldest + config.window - now).total_seconds()
                raise StoreError(
                    "consult_throttled",
                    "Too many submissions in a short time: wait a moment.",
                    {"minutes": max(1, math.ceil(wait / 60))},
                )
        session.add_all(Submission(key=key, at=now) for key in limits)


def _give_opinion(store: Store, account_id: str, opinion: OpinionRecord, now: datetime) -> None:
    values = dict(stance=opinion.stance, tags=",".join(opinion.tags), comment=opinion.comment)
    with write(store) as session:
        insert = _db.upsert(session, Opinion).values(
            id=new_id(),
            site_id=opinion.site_id,
            account_id=account_id,
            reports=0,
            moderation="visible",
            updated_at=now,
            **values,
        )
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["account_id", "site_id"], set_={**values, "updated_at": now}
            )
        )


def _cast_ballot(
    store: Store, consultation_id: str, account_id: str, opinion: OpinionRecord
) -> None:
    token = voter_token(ballot_key(store, consultation_id), account_id, opinion.site_id)
    with write(store) as session:
        session.execute(
            _db.upsert(session, Participant)
            .values(consultation_id=consultation_id, account_id=account_id)
            .on_conflict_do_nothing()
        )
    values = dict(stance=opinion.stance, tags=",".join(opinion.tags), comment=opinion.comment)
    with write(store) as session:
        insert = _db.upsert(session, Ballot).values(
            id=new_id(),
            site_id=opinion.site_id,
            voter_token=token,
            reports=0,
            moderation="visible",
            **values,
        )
        session.execute(
            insert.on_conflict_do_update(index_elements=["voter_token", "site_id"], set_=values)
        )


def my_opinion(store: Store, account_id: str, site_id: str) -> OpinionRecord | None:
    """Return the account's own opinion on a site, or None if it gave none.

    On a secret ballot the account's token finds it; nobody else's can.

    Raises
    ------
    StoreError
        ``consult_not_found``; ``store_no_key`` on a secret ballot without the key.
    """
    with read(store) as session:
        consultation = _consultation_of_site(session, site_id)
        if consultation.secret:
            token = voter_token(ballot_key(store, consultation.id), account_id, site_id)
            row = session.scalars(
                select(Ballot).where(Ballot.voter_token == token, Ballot.site_id == site_id)
            ).first()
        else:
            row = session.scalars(
                select(Opinion).where(Opinion.account_id == account_id, Opinion.site_id == site_id)
            ).first()
        if row is None:
            return None
        tags = tuple(t for t in row.tags.split(",") if t)
        return OpinionRecord(site_id, row.stance, tags, row.comment)


def close_consultation(
    store: Store, account_id: str, consultation_id: str, *, now: datetime | None = None
) -> ConsultationRecord:
    """Close a consultation now, as an organiser of the organisation running it.

    Opinions are refused from then on and every site's results are published
    (with small counts suppressed). Closing one already closed changes
    nothing. The database requires closing after opening: one closed before it
    opened closes one second after its opening date, so it never takes opinions.

    Raises
    ------
    StoreError
        ``consult_not_found``, ``store_not_allowed`` (not of its organisation).
    """
    now = now or utcnow()
    with write(store) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise _db.not_found()
        _db.organiser_of(session, account_id, consultation)
        if now < consultation.closes_at:
            consultation.closes_at = max(now, consultation.opens_at + timedelta(seconds=1))
            session.flush()
        sites = session.scalars(select(Site).where(Site.consultation_id == consultation.id)).all()
        return _db.consultation_record(consultation, list(sites))
