"""Consent and the curve it covers: given together, withdrawn together, purged when expired.

A household's curve is stored only in the same transaction as the consent that
covers it: with no valid consent nothing is written, not even the file's
content. Withdrawal and expiry are hard deletes; the database cascades them to
the curve, what was derived from it (``annual_kwh``) and the access log, and a
household left with no consent is deleted too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from planner.store.crypto import decrypt, encrypt, pack_curve, unpack_curve
from planner.store.engine import Store, read, write
from planner.store.errors import StoreError
from planner.store.models import (
    STEPS,
    Account,
    Consent,
    Curve,
    Household,
    Project,
    new_id,
    utcnow,
)
from planner.store.records import ConsentRecord

_log = logging.getLogger(__name__)
_DAY_MIN = 1440
_MINUTES_PER_YEAR = 365 * _DAY_MIN


@dataclass(frozen=True)
class ConsentTerms:
    """What a resident agrees to, one choice per field, nothing chosen by default.

    Parameters
    ----------
    project_id : str
        The project (campaign) the data is shared with.
    step : str
        ``"30min"`` (the load curve, at 30 min or coarser) or ``"daily"`` (daily totals only).
    purpose : str
        The purpose as shown to the resident.
    wording_version : str
        Version of the consent wording the resident saw; must be the project's current one.
    cooperative_curve : bool
        The project's cooperative may read the pseudonymised curve.
    city_aggregates : bool
        The city may use the curve in aggregates only.
    expires_at : datetime, optional
        End of the consent (aware); one year after it starts by default, at most three.
    """

    project_id: str
    step: str
    purpose: str
    wording_version: str
    cooperative_curve: bool = False
    city_aggregates: bool = False
    expires_at: datetime | None = None


def add_years(when: datetime, years: int) -> datetime:
    """Return the same date ``years`` later (29 February becomes 28 February)."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


def _check_terms(terms: ConsentTerms, project: Project | None, store: Store, now: datetime):
    if project is None:
        raise StoreError("store_unknown_project", "This project does not exist (any more).")
    if not (terms.cooperative_curve or terms.city_aggregates):
        raise StoreError("store_no_recipient", "Choose at least one recipient to share with.")
    if terms.step not in STEPS:
        raise StoreError("store_bad_step", "Choose the 30-minute curve or daily totals.")
    if not terms.purpose.strip():
        raise StoreError("store_purpose_required", "A consent states its purpose.")
    if terms.wording_version != project.consent_wording_version:
        raise StoreError(
            "store_wording_outdated",
            "The consent terms have changed since this form was shown: read them again.",
        )
    config = store.config
    expires = terms.expires_at or add_years(now, config.default_consent_years)
    if expires.tzinfo is None or not now < expires <= add_years(now, config.max_consent_years):
        raise StoreError(
            "store_invalid_duration",
            "A consent lasts more than zero days and at most the longest duration.",
            {"years": config.max_consent_years},
        )
    return expires


def _not_a_curve() -> StoreError:
    return StoreError("store_not_a_curve", "This is not a consumption curve that can be stored.")


def _step_min(index: pd.DatetimeIndex) -> int:
    steps = np.diff(index.as_unit("ns").asi8) / 60e9  # pandas 3 indexes may be in µs
    step = int(round(float(np.median(steps))))
    # Calendar days are 23 or 25 hours long on the days clocks change.
    return _DAY_MIN if abs(step - _DAY_MIN) <= 60 else step


def _checked_curve(energy: object) -> pd.Series:
    if not isinstance(energy, pd.Series) or not isinstance(energy.index, pd.DatetimeIndex):
        raise _not_a_curve()
    if energy.index.tz is None or len(energy) < 2 or not energy.index.is_monotonic_increasing:
        raise _not_a_curve()
    if energy.index.has_duplicates or not pd.api.types.is_numeric_dtype(energy.dtype):
        raise _not_a_curve()
    values = energy.astype(float)
    if values.notna().sum() == 0 or (values < 0).any() or np.isinf(values).any():
        raise _not_a_curve()
    return values


def _binned(energy: pd.Series, rule: str, step_min: int) -> pd.Series:
    # A bin with a gap, or only partly covered (at the edges), is a gap: a partial
    # sum would understate the energy.
    sums = energy.resample(rule).sum(min_count=1)
    present = energy.resample(rule).count()
    starts = sums.index
    ends = starts + (pd.DateOffset(days=1) if rule == "D" else pd.Timedelta(rule))
    expected = (ends - starts) / pd.Timedelta(minutes=step_min)
    return sums.mask(present.to_numpy() < expected.to_numpy())


def shared_curve(energy: pd.Series, step: str) -> tuple[pd.Series, int]:
    """Return the curve at the time step consented to, and that step [min].

    ``"daily"`` keeps daily totals only (local calendar days); ``"30min"`` sums
    finer steps into 30-minute intervals and keeps coarser ones as they are.
    """
    values = _checked_curve(energy)
    step_min = _step_min(values.index)
    if step == "daily" and step_min < _DAY_MIN:
        values, step_min = _binned(values, "D", step_min), _DAY_MIN
    elif step == "30min" and step_min < 30:
        values, step_min = _binned(values, "30min", step_min), 30
    values.name = "energy_kwh"
    return values, step_min


def _household(session: Session, account: Account) -> Household:
    household = session.scalars(select(Household).where(Household.owner_id == account.id)).first()
    if household is None:
        household = Household(owner_id=account.id)
        session.add(household)
        session.flush()
    return household


def give_consent(
    store: Store,
    account_id: str,
    terms: ConsentTerms,
    energy: pd.Series,
    *,
    now: datetime | None = None,
) -> ConsentRecord:
    """Record a resident's consent and store their curve under it, in one transaction.

    Parameters
    ----------
    energy : pandas.Series
        Energy per interval [kWh] on a time-zone-aware index (what the
        consumption readers return). Only the consented time step is stored.

    Raises
    ------
    StoreError
        On any invalid term, a curve that is not one, an account that is not a
        resident's, or a consent already given to this project
        (``store_consent_exists``). Nothing is stored then.
    """
    now = now or utcnow()
    if store.key is None:
        raise StoreError("store_no_key", "No data key is configured: curves cannot be stored.")
    values, step_min = shared_curve(energy, terms.step)
    try:
        with write(store) as session:
            record = _give(session, store, account_id, terms, values, step_min, now)
    except IntegrityError:
        # Two submissions of one form racing each other: the unique constraint decides.
        raise _consent_exists() from None
    _log.info("consent given (step %s)", terms.step)
    return record


def _consent_exists() -> StoreError:
    return StoreError(
        "store_consent_exists",
        "You already share your data with this project: change or withdraw that consent.",
    )


def _give(session, store, account_id, terms, values, step_min, now) -> ConsentRecord:
    account = session.get(Account, account_id)
    if account is None or account.role != "resident":
        raise StoreError("store_not_allowed", "This account may not do that.")
    expires = _check_terms(terms, session.get(Project, terms.project_id), store, now)
    household = _household(session, account)
    already = select(Consent.id).where(
        Consent.household_id == household.id, Consent.project_id == terms.project_id
    )
    if session.scalars(already).first() is not None:
        raise _consent_exists()
    consent = Consent(
        household=household,
        project_id=terms.project_id,
        cooperative_curve=terms.cooperative_curve,
        city_aggregates=terms.city_aggregates,
        step=terms.step,
        purpose=terms.purpose,
        starts_at=now,
        expires_at=expires,
        wording_version=terms.wording_version,
        created_at=now,
    )
    session.add(consent)
    session.flush()
    _add_curve(session, store, consent, values, step_min)
    session.flush()
    return _consent_record(consent)


def _add_curve(session, store, consent: Consent, values: pd.Series, step_min: int) -> Curve:
    # The id is known before encryption: the ciphertext is bound to it.
    curve = Curve(id=new_id(), household_id=consent.household_id, consent=consent)
    _fill_curve(curve, store, values, step_min)
    session.add(curve)
    return curve


def _fill_curve(curve: Curve, store: Store, values: pd.Series, step_min: int) -> None:
    known = values.notna()
    curve.step_min = step_min
    curve.coverage = float(known.mean())
    curve.annual_kwh = float(values[known].mean() * _MINUTES_PER_YEAR / step_min)
    curve.period_start = values.index[0].to_pydatetime()
    curve.period_end = (values.index[-1] + pd.Timedelta(minutes=step_min)).to_pydatetime()
    curve.payload = encrypt(store.key, pack_curve(values), curve.id)


def _consent_record(consent: Consent) -> ConsentRecord:
    curve = consent.curves[-1] if consent.curves else None
    return ConsentRecord(
        id=consent.id,
        project_id=consent.project_id,
        project_name=consent.project.name,
        organisation=consent.project.organisation,
        pseudonym=consent.household.pseudonym,
        cooperative_curve=consent.cooperative_curve,
        city_aggregates=consent.city_aggregates,
        step=consent.step,
        purpose=consent.purpose,
        starts_at=consent.starts_at,
        expires_at=consent.expires_at,
        wording_version=consent.wording_version,
        created_at=consent.created_at,
        step_min=curve.step_min if curve else None,
        annual_kwh=curve.annual_kwh if curve else None,
    )


def list_consents(store: Store, account_id: str) -> list[ConsentRecord]:
    """Return the resident's consents, oldest first (expired ones until they are purged)."""
    with read(store) as session:
        consents = session.scalars(
            select(Consent)
            .join(Household)
            .where(Household.owner_id == account_id)
            .order_by(Consent.created_at, Consent.id)
        ).all()
        return [_consent_record(c) for c in consents]


def _own_consent(session: Session, account_id: str, consent_id: str) -> Consent:
    consent = session.scalars(
        select(Consent)
        .join(Household)
        .where(Consent.id == consent_id, Household.owner_id == account_id)
    ).first()
    if consent is None:
        raise StoreError(
            "store_consent_not_found",
            "This consent no longer exists: it was already withdrawn, or it expired.",
        )
    return consent


def withdraw_consent(store: Store, account_id: str, consent_id: str) -> None:
    """Withdraw a consent: delete it, its curve and all derived from it, at once.

    Raises
    ------
    StoreError
        ``store_consent_not_found`` if this account has no such consent: it was
        already withdrawn (a second click), or it expired and was purged.
    """
    with write(store) as session:
        session.delete(_own_consent(session, account_id, consent_id))
        session.flush()
        _drop_empty_households(session)
    _log.info("consent withdrawn")


def change_consent(
    store: Store,
    account_id: str,
    consent_id: str,
    terms: ConsentTerms,
    *,
    now: datetime | None = None,
) -> ConsentRecord:
    """Change a consent's terms: a new agreement, starting now, for the same project.

    Choosing daily totals replaces the stored curve by its daily totals at once.
    A finer step than the one stored cannot be made up: the resident withdraws
    and shares the curve again.

    Raises
    ------
    StoreError
        ``store_consent_not_found``, ``store_step_finer``, or any invalid term
        (see :func:`give_consent`). Nothing is changed then.
    """
    now = now or utcnow()
    with write(store) as session:
        consent = _own_consent(session, account_id, consent_id)
        if terms.project_id != consent.project_id:
            raise StoreError("store_unknown_project", "This project does not exist (any more).")
        consent.expires_at = _check_terms(terms, consent.project, store, now)
        for curve in consent.curves:
            _restep(curve, store, terms.step)
        consent.cooperative_curve = terms.cooperative_curve
        consent.city_aggregates = terms.city_aggregates
        consent.step, consent.purpose = terms.step, terms.purpose
        consent.starts_at, consent.wording_version = now, terms.wording_version
        session.flush()
        record = _consent_record(consent)
    _log.info("consent changed (step %s)", terms.step)
    return record


def _restep(curve: Curve, store: Store, step: str) -> None:
    if step == "30min" and curve.step_min == _DAY_MIN:
        raise StoreError(
            "store_step_finer",
            "Daily totals cannot become a 30-minute curve: withdraw, then share the curve again.",
        )
    if step == "daily" and curve.step_min < _DAY_MIN:
        if store.key is None:
            raise StoreError("store_no_key", "No data key is configured: curves cannot be read.")
        values = unpack_curve(decrypt(store.key, curve.payload, curve.id))
        _fill_curve(curve, store, *shared_curve(values, "daily"))


def _drop_empty_households(session: Session) -> None:
    has_consent = exists().where(Consent.household_id == Household.id)
    session.execute(
        delete(Household).where(~has_consent), execution_options={"synchronize_session": False}
    )


def purge_expired(store: Store, now: datetime | None = None) -> int:
    """Delete every consent expired at ``now``, with its curve; return how many.

    Run by ``quartier-solaire db purge-expired`` and when the app starts.
    """
    now = now or utcnow()
    with write(store) as session:
        expired = select(Consent.id).where(Consent.expires_at <= now)
        count = len(session.scalars(expired).all())
        if count:
            session.execute(
                delete(Consent).where(Consent.expires_at <= now),
                execution_options={"synchronize_session": False},
            )
            _drop_empty_households(session)
    _log.info("purged %d expired consents", count)
    return count
