"""Accounts, projects, households, consents, curves and the access log.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-30

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("login", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('resident', 'cooperative', 'city')", name=op.f("ck_accounts_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("login", name=op.f("uq_accounts_login")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["accounts.id"],
            name=op.f("fk_households_owner_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("owner_id", name=op.f("uq_households_owner_id")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_households_pseudonym")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("consent_wording_version", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["accounts.id"],
            name=op.f("fk_projects_created_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("cooperative_curve", sa.Boolean(), nullable=False),
        sa.Column("city_aggregates", sa.Boolean(), nullable=False),
        sa.Column("step", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("wording_version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("step IN ('30min', 'daily')", name=op.f("ck_consents_step")),
        sa.CheckConstraint("expires_at > starts_at", name=op.f("ck_consents_period")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_consents_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_consents_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("household_id", "project_id", name="uq_consents_household_project"),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consents_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consents_project_id"), ["project_id"], unique=False)

    op.create_table(
        "access_log",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("reader_id", sa.String(length=32), nullable=True),
        sa.Column("reader_role", sa.String(length=16), nullable=False),
        sa.Column("reader_organisation", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_access_log_consent_id_consents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_access_log_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["accounts.id"],
            name=op.f("fk_access_log_reader_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_log_consent_id"), ["consent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_access_log_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "curves",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("step_min", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("annual_kwh", sa.Float(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_curves_consent_id_consents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_curves_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_curves")),
    )
    with op.batch_alter_table("curves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_curves_consent_id"), ["consent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_curves_household_id"), ["household_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("curves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_curves_household_id"))
        batch_op.drop_index(batch_op.f("ix_curves_consent_id"))

    op.drop_table("curves")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_log_household_id"))
        batch_op.drop_index(batch_op.f("ix_access_log_consent_id"))

    op.drop_table("access_log")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_project_id"))
        batch_op.drop_index(batch_op.f("ix_consents_household_id"))
        batch_op.drop_index(batch_op.f("ix_consents_expires_at"))

    op.drop_table("consents")
    op.drop_table("projects")
    op.drop_table("households")
    op.drop_table("accounts")
