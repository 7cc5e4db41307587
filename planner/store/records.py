"""What the store hands back: frozen records, safe to keep after the session closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AccountRecord:
    """An account as the pages see it (never its password hash)."""

    id: str
    login: str
    role: str
    organisation: str | None


@dataclass(frozen=True)
class ProjectRecord:
    """A project or campaign that households can share their data with."""

    id: str
    name: str
    organisation: str
    purpose: str
    consent_wording_version: str


@dataclass(frozen=True)
class ConsentRecord:
    """One consent of a household, with the project's name and the curve it covers.

    Times are aware UTC datetimes; ``step_min`` [min] and ``annual_kwh`` [kWh]
    describe the stored curve (None when there is none).
    """

    id: str
    project_id: str
    project_name: str
    organisation: str
    pseudonym: str
    cooperative_curve: bool
    city_aggregates: bool
    step: str
    purpose: str
    starts_at: datetime
    expires_at: datetime
    wording_version: str
    created_at: datetime
    step_min: int | None = None
    annual_kwh: float | None = None


@dataclass(frozen=True)
class AccessRecord:
    """One read of a household's data by someone else: who, when, for what purpose."""

    reader_role: str
    reader_organisation: str | None
    purpose: str
    read_at: datetime
    project_name: str
