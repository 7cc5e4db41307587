"""The demo consultation: one open consultation on the demo neighbourhood's sites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from planner.consultation import _db
from planner.consultation.records import CandidateSite, ConsultationRecord
from planner.consultation.service import insert_consultation
from planner.store import Store, demo_accounts, write
from planner.store.consultation_models import Consultation, Site
from planner.store.models import utcnow
from quartier_solaire.i18n import t

DEMO_OPEN_DAYS = 90


def seed_demo_consultation(
    store: Store, sites: Sequence[CandidateSite], *, now: datetime | None = None
) -> ConsultationRecord:
    """Return the demo consultation, created (open, run by the demo city) the first time.

    Parameters
    ----------
    sites : sequence of CandidateSite
        The demo neighbourhood's candidate sites (the page passes the largest
        suitable roofs, simulated by the rooftop chain).

    Raises
    ------
    StoreError
        ``store_demo_off`` on an external database; as :func:`create_consultation`.
    """
    now = now or utcnow()
    city = demo_accounts(store)["city"]
    title = t("consult.demo_title", "fr")
    # One write transaction (SQLite takes its lock at BEGIN): two sessions
    # starting at once seed one consultation.
    with write(store) as session:
        found = session.scalars(
            select(Consultation).where(
                Consultation.created_by == city.id, Consultation.title == title
            )
        ).first()
        if found is not None:
            rows = session.scalars(select(Site).where(Site.consultation_id == found.id)).all()
            return _db.consultation_record(found, list(rows))
        return insert_consultation(
            session,
            city.id,
            title,
            t("consult.demo_description", "fr"),
            now - timedelta(days=1),
            now + timedelta(days=DEMO_OPEN_DAYS),
            sites,
        )
