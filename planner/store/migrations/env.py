"""Alembic environment: runs on the connection that :func:`planner.store.upgrade` passes in."""

from alembic import context

from planner.store.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, inside its transaction."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run the migrations with planner.store.upgrade(), not alembic's CLI")
    # Batch mode: SQLite alters a table by copying it; the same scripts run on PostgreSQL.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
