"""The tables of the store, as SQLAlchemy 2 typed declarative models.

The schema itself is created by the Alembic migrations in ``migrations/``; a test
checks that these models and the migrations agree. Every link that hangs off a
household (consents, curves, access log) is ``ON DELETE CASCADE`` in the database
and ``cascade="all, delete-orphan"`` in the ORM: withdrawing or deleting removes
everything derived at once, whichever path the delete takes.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES: tuple[str, ...] = ("resident", "cooperative", "city")
STEPS: tuple[str, ...] = ("30min", "daily")

# Named constraints, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """Return a fresh random row id (32 hex digits, never derived from a person)."""
    return uuid.uuid4().hex


def new_pseudonym() -> str:
    """Return a fresh random pseudonym: stable once given, unrelated to any meter or account."""
    return "F-" + secrets.token_urlsafe(9)


def utcnow() -> datetime:
    """Return the current time, time-zone aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An instant stored as naive UTC (SQLite has no time zones) and read back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):  # noqa: D102
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base of every model; its metadata is what the migrations must match."""

    metadata = MetaData(naming_convention=NAMING)


_ID = String(32)


class Account(Base):
    """A person or organisation that signs in: resident, cooperative or city."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        # An index, not a constraint: SQLite adds it without copying the table.
        Index("ix_accounts_oidc_identity", "oidc_issuer", "oidc_subject", unique=True),
    )

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    login: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(200))
    # None for accounts that sign in through OpenID Connect.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The OpenID Connect identity (issuer, subject) of accounts that sign in that way.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household | None] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )


class Project(Base):
    """A project or sharing campaign that households share their data with."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    consent_wording_version: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    campaign: Mapped[Campaign | None] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )


class Campaign(Base):
    """A sharing campaign: a project opened to an area's residents by an invitation code.

    The terms and the purpose are shown to a resident before they join. The
    area is a bounding box [degrees, EPSG:4326]; ``area_households`` and
    ``area_kwh`` [kWh/yr] are the organiser's estimate of the area's households
    and their consumption, against which the measured share is counted.
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("west < east AND south < north", name="bbox"),
        CheckConstraint("area_households > 0", name="households"),
    )

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    terms: Mapped[str] = mapped_column(Text)
    west: Mapped[float] = mapped_column(Float)
    south: Mapped[float] = mapped_column(Float)
    east: Mapped[float] = mapped_column(Float)
    north: Mapped[float] = mapped_column(Float)
    area_households: Mapped[int] = mapped_column(Integer)
    area_kwh: Mapped[float] = mapped_column(Float)
    code_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="campaign")


class Household(Base):
    """A resident's household, known to others only by its pseudonym.

    It exists only while it has a consent: the last withdrawal deletes it.
    """

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True, default=new_pseudonym)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[Account] = relationship(back_populates="household")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="household", cascade="all, delete-orphan", passive_deletes=True
    )


class Consent(Base):
    """What a household agreed to share, with whom, how finely, why and until when."""

    __tablename__ = "consents"
    __table_args__ = (
        UniqueConstraint("household_id", "project_id", name="uq_consents_household_project"),
        CheckConstraint(f"step IN {STEPS!r}", name="step"),
        CheckConstraint("expires_at > starts_at", name="period"),
    )

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    cooperative_curve: Mapped[bool] = mapped_column(Boolean)
    city_aggregates: Mapped[bool] = mapped_column(Boolean)
    step: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    wording_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship(back_populates="consents")
    project: Mapped[Project] = relationship(back_populates="consents")
    curves: Mapped[list[Curve]] = relationship(
        back_populates="consent", cascade="all, delete-orphan", passive_deletes=True
    )
    accesses: Mapped[list[AccessLog]] = relationship(
        back_populates="consent", cascade="all, delete-orphan", passive_deletes=True
    )


class Curve(Base):
    """A household's consumption curve, encrypted, stored under one consent.

    ``annual_kwh`` is derived from the curve and lives and dies with it.
    """

    __tablename__ = "curves"

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    step_min: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    coverage: Mapped[float] = mapped_column(Float)
    annual_kwh: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consent: Mapped[Consent] = relationship(back_populates="curves")


class AccessLog(Base):
    """One read of a household's data by someone other than that household.

    Who (account, role and organisation, copied so the record survives the
    reader's account), when, and for what purpose. It hangs off the consent the
    read was made under, so withdrawal removes it with the data.
    """

    __tablename__ = "access_log"

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    household_id: Mapped[str] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    reader_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    reader_role: Mapped[str] = mapped_column(String(16))
    reader_organisation: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consent: Mapped[Consent] = relationship(back_populates="accesses")


class ReleaseRecord(Base):
    """A project's published neighbourhood snapshots (differencing control).

    ``log`` is the :class:`planner.privacy.ReleaseLog` as JSON (salted digests,
    no pseudonym, no value); ``publication`` the last accepted
    :class:`planner.privacy.Publication` as JSON (quartiles only), shown while a
    newer snapshot is refused as too close to an earlier one.
    """

    __tablename__ = "release_logs"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    log: Mapped[str] = mapped_column(Text)
    publication: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
