"""Consultations: candidate sites, opinions, secret ballots and their register, reports, throttle.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STANCE = "stance IN ('support', 'neutral', 'oppose')"
_MODERATION = "moderation IN ('visible', 'hidden', 'restored', 'removed')"


def _comment_columns() -> list[sa.Column]:
    return [
        sa.Column("stance", sa.String(length=8), nullable=False),
        sa.Column("tags", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("moderation", sa.String(length=8), nullable=False),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_consultations_period")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["accounts.id"],
            name=op.f("fk_consultations_created_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    op.create_table(
        "consultation_sites",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consultation_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("building_id", sa.String(length=200), nullable=True),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("kwp", sa.Float(), nullable=False),
        sa.Column("mwh_per_year", sa.Float(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("shading_loss_pct", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "shading_loss_pct >= 0 AND shading_loss_pct <= 100",
            name=op.f("ck_consultation_sites_shading"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_sites_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_sites")),
    )
    op.create_index(
        op.f("ix_consultation_sites_consultation_id"), "consultation_sites", ["consultation_id"]
    )
    op.create_table(
        "opinions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        *_comment_columns(),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_STANCE, name=op.f("ck_opinions_stance")),
        sa.CheckConstraint(_MODERATION, name=op.f("ck_opinions_moderation")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_opinions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["consultation_sites.id"],
            name=op.f("fk_opinions_site_id_consultation_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinions")),
        sa.UniqueConstraint("account_id", "site_id", name="uq_opinions_account_site"),
    )
    op.create_index(op.f("ix_opinions_site_id"), "opinions", ["site_id"])
    op.create_table(
        "ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("voter_token", sa.String(length=64), nullable=False),
        *_comment_columns(),
        sa.CheckConstraint(_STANCE, name=op.f("ck_ballots_stance")),
        sa.CheckConstraint(_MODERATION, name=op.f("ck_ballots_moderation")),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["consultation_sites.id"],
            name=op.f("fk_ballots_site_id_consultation_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("voter_token", "site_id", name="uq_ballots_voter_token_site"),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_ballots_site_id"), "ballots", ["site_id"])
    op.create_table(
        "participants",
        sa.Column("consultation_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_participants_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_participants_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consultation_id", "account_id", name=op.f("pk_participants")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_participants_account_id"), "participants", ["account_id"])
    op.create_table(
        "comment_reports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("opinion_id", sa.String(length=32), nullable=True),
        sa.Column("ballot_id", sa.String(length=32), nullable=True),
        sa.Column("reporter_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "(opinion_id IS NULL) <> (ballot_id IS NULL)",
            name=op.f("ck_comment_reports_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_comment_reports_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opinion_id"],
            ["opinions.id"],
            name=op.f("fk_comment_reports_opinion_id_opinions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["accounts.id"],
            name=op.f("fk_comment_reports_reporter_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_reports")),
        sa.UniqueConstraint("ballot_id", "reporter_id", name="uq_comment_reports_ballot_reporter"),
        sa.UniqueConstraint(
            "opinion_id", "reporter_id", name="uq_comment_reports_opinion_reporter"
        ),
    )
    op.create_index(op.f("ix_comment_reports_ballot_id"), "comment_reports", ["ballot_id"])
    op.create_index(op.f("ix_comment_reports_opinion_id"), "comment_reports", ["opinion_id"])
    op.create_index(op.f("ix_comment_reports_reporter_id"), "comment_reports", ["reporter_id"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_index("ix_submissions_key_at", "submissions", ["key", "at"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_submissions_key_at", table_name="submissions")
    op.drop_table("submissions")
    for index in ("reporter_id", "opinion_id", "ballot_id"):
        op.drop_index(op.f(f"ix_comment_reports_{index}"), table_name="comment_reports")
    op.drop_table("comment_reports")
    op.drop_index(op.f("ix_participants_account_id"), table_name="participants")
    op.drop_table("participants")
    op.drop_index(op.f("ix_ballots_site_id"), table_name="ballots")
    op.drop_table("ballots")
    op.drop_index(op.f("ix_opinions_site_id"), table_name="opinions")
    op.drop_table("opinions")
    op.drop_index(op.f("ix_consultation_sites_consultation_id"), table_name="consultation_sites")
    op.drop_table("consultation_sites")
    op.drop_table("consultations")
