"""Reading a household's data: by its owner freely, by others only as consented, and logged.

Every read by someone other than the household writes an access-log row in the
same transaction as the read (who: account, role, organisation; when; for what
purpose); the resident sees these rows. A cooperative reads a curve only under
an unexpired consent that names its organisation's project and the cooperative
as recipient; a city never reads one household's curve (aggregates only).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.store.consents import shared_curve
from planner.store.crypto import decrypt, unpack_curve
from planner.store.engine import Store, read, write
from planner.store.errors import StoreError
from planner.store.models import AccessLog, Account, Consent, Curve, Household, Project, utcnow
from planner.store.records import AccessRecord

_log = logging.getLogger(__name__)


def _not_allowed() -> StoreError:
    return StoreError("store_not_allowed", "This account may not do that.")


def _curve_values(store: Store, curve: Curve) -> pd.Series:
    if store.key is None:
        raise StoreError("store_no_key", "No data key is configured: curves cannot be read.")
    return unpack_curve(decrypt(store.key, curve.payload, curve.id))


def _latest_curve(session: Session, consent_id: str) -> Curve | None:
    return session.scalars(
        select(Curve).where(Curve.consent_id == consent_id).order_by(Curve.created_at.desc())
    ).first()


def read_curve_as(
    store: Store,
    reader_id: str,
    pseudonym: str,
    purpose: str,
    *,
    now: datetime | None = None,
) -> pd.Series:
    """Return the household's curve [kWh per interval] if ``reader_id`` may read it.

    The household itself reads its latest curve with no log. A cooperative
    reads the curve shared with its organisation's project, at the consented
    time step, and the read is logged with ``purpose``.

    Raises
    ------
    StoreError
        ``store_not_allowed`` (no consent names this reader, or a city account),
        ``store_consent_expired``, ``store_purpose_required``.
    """
    now = now or utcnow()
    with write(store) as session:
        reader = session.get(Account, reader_id)
        household = session.scalars(
            select(Household).where(Household.pseudonym == pseudonym)
        ).first()
        if reader is None or household is None:
            raise _not_allowed()
        if household.owner_id == reader.id:
            return _own_curve(session, store, household)
        consent = _consent_for(session, reader, household, now)
        if not purpose.strip():
            raise StoreError("store_purpose_required", "Say why you read this household's data.")
        curve = _latest_curve(session, consent.id)
        if curve is None:
            raise _not_allowed()
        values = _curve_values(store, curve)
        session.add(
            AccessLog(
                household_id=household.id,
                consent_id=consent.id,
                reader_id=reader.id,
                reader_role=reader.role,
                reader_organisation=reader.organisation,
                purpose=purpose,
                read_at=now,
            )
        )
    _log.info("curve read by a %s account, logged", reader.role)
    return values


def _own_curve(session: Session, store: Store, household: Household) -> pd.Series:
    curve = session.scalars(
        select(Curve).where(Curve.household_id == household.id).order_by(Curve.created_at.desc())
    ).first()
    if curve is None:
        raise _not_allowed()
    return _curve_values(store, curve)


def _consent_for(session: Session, reader: Account, household: Household, now: datetime):
    if reader.role != "cooperative" or not reader.organisation:
        raise _not_allowed()
    consents = session.scalars(
        select(Consent)
        .join(Project)
        .where(
            Consent.household_id == household.id,
            Consent.cooperative_curve.is_(True),
            Project.organisation == reader.organisation,
        )
        .order_by(Consent.expires_at.desc())
    ).all()
    if not consents:
        raise _not_allowed()
    if consents[0].expires_at <= now:
        raise StoreError(
            "store_consent_expired", "This household's consent has expired: its data is not shared."
        )
    return consents[0]


def access_log(store: Store, account_id: str) -> list[AccessRecord]:
    """Return every logged read of the resident's data by others, newest first."""
    with read(store) as session:
        rows = session.execute(
            select(AccessLog, Project.name)
            .join(Consent, AccessLog.consent_id == Consent.id)
            .join(Project, Consent.project_id == Project.id)
            .join(Household, AccessLog.household_id == Household.id)
            .where(Household.owner_id == account_id)
            .order_by(AccessLog.read_at.desc())
        ).all()
        return [
            AccessRecord(a.reader_role, a.reader_organisation, a.purpose, a.read_at, name)
            for a, name in rows
        ]


@dataclass(frozen=True)
class SharedHousehold:
    """One household as a cooperative sees it: a pseudonym and what it shares.

    ``step_min`` [min], ``coverage`` [0-1] of the stored period, ``annual_kwh``
    [kWh] annualised from the stored curve, ``expires_at`` the consent's end.
    """

    pseudonym: str
    step: str
    step_min: int
    coverage: float
    annual_kwh: float | None
    expires_at: datetime


def _project_for(session: Session, reader_id: str, project_id: str) -> tuple[Account, Project]:
    reader = session.get(Account, reader_id)
    project = session.get(Project, project_id)
    if reader is None or project is None or reader.role != "cooperative":
        raise _not_allowed()
    if not reader.organisation or reader.organisation != project.organisation:
        raise _not_allowed()
    return reader, project


def _shared(session: Session, project: Project, now: datetime) -> list[tuple[Consent, Curve]]:
    rows = session.execute(
        select(Consent, Curve)
        .join(Curve, Curve.consent_id == Consent.id)
        .where(
            Consent.project_id == project.id,
            Consent.cooperative_curve.is_(True),
            Consent.expires_at > now,
        )
    ).all()
    # Ordered by pseudonym: random, so the order says nothing about who joined when.
    return sorted(((c, v) for c, v in rows), key=lambda row: row[0].household.pseudonym)


def _log_reads(session, reader: Account, rows, purpose: str, now: datetime) -> None:
    if not purpose.strip():
        raise StoreError("store_purpose_required", "Say why you read this household's data.")
    for consent, _curve in rows:
        session.add(
            AccessLog(
                household_id=consent.household_id,
                consent_id=consent.id,
                reader_id=reader.id,
                reader_role=reader.role,
                reader_organisation=reader.organisation,
                purpose=purpose,
                read_at=now,
            )
        )


def shared_households(
    store: Store, reader_id: str, project_id: str, purpose: str, *, now: datetime | None = None
) -> list[SharedHousehold]:
    """Return the households that share their curve with the cooperative's project.

    Each household listed gets an access-log row: its annual consumption is its data.

    Raises
    ------
    StoreError
        ``store_not_allowed`` unless the reader is a cooperative account of the
        project's organisation; ``store_purpose_required``.
    """
    now = now or utcnow()
    with write(store) as session:
        reader, project = _project_for(session, reader_id, project_id)
        rows = _shared(session, project, now)
        _log_reads(session, reader, rows, purpose, now)
        return [
            SharedHousehold(
                c.household.pseudonym, c.step, v.step_min, v.coverage, v.annual_kwh, c.expires_at
            )
            for c, v in rows
        ]


def read_curves_as(
    store: Store,
    reader_id: str,
    project_id: str,
    purpose: str,
    *,
    step: str = "30min",
    now: datetime | None = None,
) -> pd.DataFrame:
    """Return the pseudonymised curves shared with the project: time x pseudonym [kWh].

    ``step="30min"`` holds the households that share their 30-minute curve;
    ``step="daily"`` holds every household, finer curves summed into daily
    totals. Every household read gets an access-log row.

    Raises
    ------
    StoreError
        As :func:`shared_households`.
    """
    now = now or utcnow()
    with write(store) as session:
        reader, project = _project_for(session, reader_id, project_id)
        rows = [
            (c, v) for c, v in _shared(session, project, now) if step == "daily" or v.step_min == 30
        ]
        _log_reads(session, reader, rows, purpose, now)
        columns = {}
        for consent, curve in rows:
            values = _curve_values(store, curve)
            if step == "daily" and curve.step_min < 1440:
                values = shared_curve(values, "daily")[0]
            columns[consent.household.pseudonym] = values
    frame = pd.DataFrame(columns)
    frame.index.name = "time"
    return frame


@dataclass(frozen=True)
class HouseholdExport:
    """Everything the project holds about one account, for download.

    ``data`` is one JSON-ready dict; ``tables`` holds the same content as CSV
    texts, one per kind of record (``account.csv``, ``consents.csv``,
    ``curves.csv``, ``access_log.csv``).
    """

    data: dict[str, Any]
    tables: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return ``data`` as indented JSON text."""
        return json.dumps(self.data, ensure_ascii=False, indent=2)

    def to_zip(self) -> bytes:
        """Return one ZIP archive holding the JSON file and every CSV table."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("quartier-solaire.json", self.to_json())
            for name, text in self.tables.items():
                archive.writestr(name, text)
        return buffer.getvalue()


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def export_household(store: Store, account_id: str) -> HouseholdExport:
    """Return everything the project holds about the account, curves decrypted.

    The password is held only as an argon2 hash; the export says so rather
    than handing out the hash.

    Raises
    ------
    StoreError
        ``store_account_not_found``.
    """
    with read(store) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise StoreError("store_account_not_found", "This account does not exist (any more).")
        household = account.household
        data: dict[str, Any] = {
            "account": {
                "id": account.id,
                "login": account.login,
                "role": account.role,
                "organisation": account.organisation,
                "password": "argon2 hash" if account.password_hash else None,
                "oidc_issuer": account.oidc_issuer,
                "oidc_subject": account.oidc_subject,
                "failed_attempts": account.failed_attempts,
                "locked_until": _iso(account.locked_until),
                "created_at": _iso(account.created_at),
            },
            "household": None,
            "consents": [],
            "curves": [],
            "access_log": [],
        }
        if household is not None:
            _export_household(store, household, data)
    return HouseholdExport(data, _tables(data))


def _export_household(store: Store, household: Household, data: dict[str, Any]) -> None:
    data["household"] = {
        "id": household.id,
        "pseudonym": household.pseudonym,
        "created_at": _iso(household.created_at),
    }
    for consent in household.consents:
        data["consents"].append(
            {
                "id": consent.id,
                "project": consent.project.name,
                "organisation": consent.project.organisation,
                "cooperative_curve": consent.cooperative_curve,
                "city_aggregates": consent.city_aggregates,
                "step": consent.step,
                "purpose": consent.purpose,
                "starts_at": _iso(consent.starts_at),
                "expires_at": _iso(consent.expires_at),
                "wording_version": consent.wording_version,
                "created_at": _iso(consent.created_at),
            }
        )
        for curve in consent.curves:
            values = _curve_values(store, curve)
            data["curves"].append(
                {
                    "id": curve.id,
                    "consent_id": consent.id,
                    "step_min": curve.step_min,
                    "period_start": _iso(curve.period_start),
                    "period_end": _iso(curve.period_end),
                    "coverage": curve.coverage,
                    "annual_kwh": curve.annual_kwh,
                    "energy_kwh": [
                        [t.isoformat(), None if pd.isna(v) else float(v)] for t, v in values.items()
                    ],
                }
            )
        for access in consent.accesses:
            data["access_log"].append(
                {
                    "reader_role": access.reader_role,
                    "reader_organisation": access.reader_organisation,
                    "purpose": access.purpose,
                    "read_at": _iso(access.read_at),
                    "project": consent.project.name,
                }
            )


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _tables(data: dict[str, Any]) -> dict[str, str]:
    account = dict(data["account"])
    if data["household"]:
        account["pseudonym"] = data["household"]["pseudonym"]
    points = [
        {"curve_id": c["id"], "consent_id": c["consent_id"], "time": t, "energy_kwh": v}
        for c in data["curves"]
        for t, v in c["energy_kwh"]
    ]
    consent_columns = list(data["consents"][0]) if data["consents"] else ["id"]
    access_columns = ["reader_role", "reader_organisation", "purpose", "read_at", "project"]
    return {
        "account.csv": _csv([account], list(account)),
        "consents.csv": _csv(data["consents"], consent_columns),
        "curves.csv": _csv(points, ["curve_id", "consent_id", "time", "energy_kwh"]),
        "access_log.csv": _csv(data["access_log"], access_columns),
    }
