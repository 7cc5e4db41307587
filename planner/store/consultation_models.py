"""The tables of consultations: sites, open opinions, secret ballots, register, reports.

They share the store's metadata (so the migrations and the schema test see
them); the service functions live in :mod:`planner.consultation`.

Secret ballots (see :mod:`planner.consultation.secrecy`) are built so that no
column joins a ballot to a person: ``ballots`` holds a voter token (an HMAC of
the account and site under a key kept outside the database), no account id, no
time, and a random id; ``participants`` (the register) holds who took part and
nothing about how. On SQLite both are ``WITHOUT ROWID`` tables, so that no
hidden sequential rowid records the order of insertion either.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from planner.store.models import Base, UTCDateTime, new_id, utcnow

STANCES: tuple[str, ...] = ("support", "neutral", "oppose")
# visible: shown; hidden: reported often enough, waiting for a moderator;
# restored: a moderator kept it; removed: a moderator took the text away.
MODERATION: tuple[str, ...] = ("visible", "hidden", "restored", "removed")
_ID = String(32)
_TAGS = String(120)


class Consultation(Base):
    """A consultation on candidate sites, run by a city or a cooperative."""

    __tablename__ = "consultations"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="period"),)

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    secret: Mapped[bool] = mapped_column(Boolean)
    organisation: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Site(Base):
    """A candidate site and the simulated figures shown beside it."""

    __tablename__ = "consultation_sites"
    __table_args__ = (
        CheckConstraint("shading_loss_pct >= 0 AND shading_loss_pct <= 100", name="shading"),
    )

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    consultation_id: Mapped[str] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    building_id: Mapped[str | None] = mapped_column(String(200))
    # GeoJSON geometry, EPSG:4326 (longitude, latitude).
    geometry: Mapped[str] = mapped_column(Text)
    kwp: Mapped[float] = mapped_column(Float)
    mwh_per_year: Mapped[float] = mapped_column(Float)
    households: Mapped[int] = mapped_column(Integer)
    shading_loss_pct: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(Integer)


class Opinion(Base):
    """An opinion in an open (not secret) consultation: one per account and site."""

    __tablename__ = "opinions"
    __table_args__ = (
        UniqueConstraint("account_id", "site_id", name="uq_opinions_account_site"),
        CheckConstraint(f"stance IN {STANCES!r}", name="stance"),
        CheckConstraint(f"moderation IN {MODERATION!r}", name="moderation"),
    )

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(
        ForeignKey("consultation_sites.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    stance: Mapped[str] = mapped_column(String(8))
    tags: Mapped[str] = mapped_column(_TAGS, default="")
    comment: Mapped[str | None] = mapped_column(Text)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    moderation: Mapped[str] = mapped_column(String(8), default="visible")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ballot(Base):
    """An opinion in a secret consultation: no account, no time, a random id."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("voter_token", "site_id", name="uq_ballots_voter_token_site"),
        CheckConstraint(f"stance IN {STANCES!r}", name="stance"),
        CheckConstraint(f"moderation IN {MODERATION!r}", name="moderation"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(
        ForeignKey("consultation_sites.id", ondelete="CASCADE"), index=True
    )
    # HMAC-SHA256 of (account, site) under the consultation's ballot key, hex.
    voter_token: Mapped[str] = mapped_column(String(64))
    stance: Mapped[str] = mapped_column(String(8))
    tags: Mapped[str] = mapped_column(_TAGS, default="")
    comment: Mapped[str | None] = mapped_column(Text)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    moderation: Mapped[str] = mapped_column(String(8), default="visible")


class Participant(Base):
    """The register of a secret consultation: who took part, never how."""

    __tablename__ = "participants"
    __table_args__ = ({"sqlite_with_rowid": False},)

    consultation_id: Mapped[str] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CommentReport(Base):
    """One resident's report of one comment (of an opinion or of a ballot), once each."""

    __tablename__ = "comment_reports"
    __table_args__ = (
        UniqueConstraint("opinion_id", "reporter_id", name="uq_comment_reports_opinion_reporter"),
        UniqueConstraint("ballot_id", "reporter_id", name="uq_comment_reports_ballot_reporter"),
        CheckConstraint("(opinion_id IS NULL) <> (ballot_id IS NULL)", name="one_target"),
    )

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    opinion_id: Mapped[str | None] = mapped_column(
        ForeignKey("opinions.id", ondelete="CASCADE"), index=True
    )
    ballot_id: Mapped[str | None] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )


class Submission(Base):
    """One submission, counted for throttling; ``key`` is a hash, never an account id."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_key_at", "key", "at"),)

    id: Mapped[str] = mapped_column(_ID, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
