"""Reports and moderation: a comment reported by enough residents waits for a moderator.

Any resident may report a comment, once (a unique constraint on comment and
reporter). At ``reports_to_hide`` reports (3, as Decidim) the comment is hidden
until a moderator of the organisation running the consultation restores or
removes it. A removed comment loses its text; the opinion itself still counts.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from planner.consultation import _db
from planner.consultation.config import ConsultationConfig
from planner.consultation.records import CommentRecord
from planner.store import Store, StoreError, read, write
from planner.store.consultation_models import (
    Ballot,
    CommentReport,
    Consultation,
    Opinion,
    Site,
)
from planner.store.models import new_id

DECISIONS = {"restore": "restored", "remove": "removed"}


def _comment_not_found() -> StoreError:
    return StoreError("consult_comment_not_found", "This comment does not exist (any more).")


def _find(session: Session, comment_id: str) -> tuple[type, Opinion | Ballot]:
    for model in (Opinion, Ballot):
        row = session.get(model, comment_id)
        if row is not None and row.comment is not None:
            return model, row
    raise _comment_not_found()


def report_comment(
    store: Store, account_id: str, comment_id: str, *, config: ConsultationConfig | None = None
) -> bool:
    """Report a comment; return True if counted, False if this account had reported it.

    Raises
    ------
    StoreError
        ``store_not_allowed`` (not a resident), ``consult_comment_not_found``
        (no such comment, or already removed).
    """
    config = config or ConsultationConfig()
    with write(store) as session:
        if _db.account(session, account_id).role != "resident":
            raise _db.not_allowed()
        model, row = _find(session, comment_id)
        if row.moderation == "removed":
            raise _comment_not_found()
        target = "opinion_id" if model is Opinion else "ballot_id"
        added = (
            session.execute(
                _db.upsert(session, CommentReport)
                .values(id=new_id(), reporter_id=account_id, **{target: comment_id})
                .on_conflict_do_nothing()
                .returning(CommentReport.id)
            ).first()
            is not None
        )
        if added:
            # Counted in the database, so concurrent reports are all counted.
            session.execute(
                update(model).where(model.id == comment_id).values(reports=model.reports + 1)
            )
            session.execute(
                update(model)
                .where(
                    model.id == comment_id,
                    model.reports >= config.reports_to_hide,
                    model.moderation == "visible",
                )
                .values(moderation="hidden")
            )
    return bool(added)


def moderation_queue(
    store: Store, account_id: str, consultation_id: str
) -> tuple[CommentRecord, ...]:
    """Return the hidden comments of a consultation, most reported first, for its organiser.

    Raises
    ------
    StoreError
        ``store_not_allowed`` (not of the organisation running it), ``consult_not_found``.
    """
    with read(store) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise _db.not_found()
        _db.organiser_of(session, account_id, consultation)
        model = Ballot if consultation.secret else Opinion
        rows = session.execute(
            select(model)
            .join(Site, Site.id == model.site_id)
            .where(Site.consultation_id == consultation_id, model.moderation == "hidden")
            .order_by(model.reports.desc(), model.id)
        ).scalars()
        return tuple(comment_record(row) for row in rows)


def comment_record(row: Opinion | Ballot) -> CommentRecord:
    """Return a comment without its author."""
    return CommentRecord(row.id, row.site_id, row.comment or "", row.reports, row.moderation)


def moderate(store: Store, account_id: str, comment_id: str, decision: str) -> CommentRecord:
    """Restore or remove a comment, as a moderator of the consultation's organisation.

    Parameters
    ----------
    decision : str
        ``"restore"`` (shown again, and no longer hidden by reports) or
        ``"remove"`` (its text is deleted; the opinion still counts).

    Raises
    ------
    StoreError
        ``consult_bad_decision``, ``consult_comment_not_found``, ``store_not_allowed``.
    """
    if decision not in DECISIONS:
        raise StoreError("consult_bad_decision", "The decision must be restore or remove.")
    with write(store) as session:
        _, row = _find(session, comment_id)
        site = session.get(Site, row.site_id)
        _db.organiser_of(session, account_id, session.get(Consultation, site.consultation_id))
        row.moderation = DECISIONS[decision]
        if decision == "remove":
            row.comment = None
        session.flush()
        return comment_record(row)
