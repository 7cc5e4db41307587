"""Secret ballots: one opinion per person and site, with no way back from ballot to person.

Design. The register (``participants``) records who took part in a
consultation; ballots record how, under a *voter token*:
``HMAC-SHA256(ballot key, account id ‖ site id)``. The ballot key of a
consultation is derived from the store's data key (``QUARTIER_SOLAIRE_DATA_KEY``,
kept outside the database): ``HMAC-SHA256(data key, "ballot-key" ‖ consultation id)``.
The token lets the same person find and change their own ballot (a unique
constraint on (token, site) keeps it to one), and differs from site to site, so
that even one person's ballots on two sites cannot be told to be theirs.

Ballots carry no account id, no time, and a random id; on SQLite they have no
rowid (``WITHOUT ROWID``), so no column records the order in which they were
cast. The register, the throttle log and a ballot are written in separate
transactions, so that no two of them share a transaction id.

Threat model, honestly:

- someone who reads every table (a dump, a backup, an export, a SQL reader)
  but not the data key cannot link a ballot to a person: no column joins them,
  and tokens cannot be recomputed without the key;
- someone who holds both the database and the data key (the operator of the
  server) CAN link: they recompute the token of every registered account. The
  secret ballot protects against leaks and against the organiser reading the
  tables, not against the server's operator;
- the order of writes is not a column but can be read: on PostgreSQL every
  row's system columns (``xmin``: the transaction that wrote it; ``ctid``: its
  place) are readable by anyone who may read the table, and with few voters
  the n-th ballot written and the n-th person registered could be paired while
  the consultation is open. :func:`seal_ballots`, once it has closed, rewrites
  both in one transaction and reorders them by key, which erases that order
  from the tables; the write-ahead log and backups taken before keep it, so
  they deserve the protection of the key. SQLite tables here have no rowid and
  are stored in key order;
- a comment may itself identify its author: that is the author's choice.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import delete, select, text, update

from planner.consultation import _db
from planner.store import Store, StoreError, write
from planner.store.consultation_models import Ballot, Consultation, Participant, Site
from planner.store.models import utcnow

__all__ = ["ballot_key", "seal_ballots", "voter_token", "withdraw_ballots"]


def ballot_key(store: Store, consultation_id: str) -> bytes:
    """Return the ballot key of a consultation, derived from the store's data key.

    Raises
    ------
    StoreError
        ``store_no_key`` when the store has no data key (external database with
        no ``QUARTIER_SOLAIRE_DATA_KEY``): a secret ballot cannot be kept secret.
    """
    if store.key is None:
        raise StoreError(
            "store_no_key", "No data key is configured: a secret ballot cannot be stored."
        )
    return hmac.new(
        store.key, b"ballot-key\x00" + consultation_id.encode(), hashlib.sha256
    ).digest()


def voter_token(key: bytes, account_id: str, site_id: str) -> str:
    """Return the voter token of an account on a site under a consultation's ballot key [hex]."""
    message = account_id.encode() + b"\x00" + site_id.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal_ballots(
    store: Store, account_id: str, consultation_id: str, *, now: datetime | None = None
) -> None:
    """Erase the order in which ballots and register entries were written, once closed.

    On PostgreSQL every row keeps the transaction that wrote it (``xmin``) and
    its physical place (``ctid``), both readable by anyone who may read the
    table: with few voters, the n-th ballot written and the n-th person
    registered could be paired. Sealing rewrites every ballot and register entry
    of the consultation in one transaction (one ``xmin`` for all), then
    reorders both tables by key (``CLUSTER``): by random id for ballots, by
    account for the register. On SQLite the tables have no rowid and are
    already stored in key order: nothing to do. The write-ahead log and old
    backups are outside its reach (see the threat model above).

    Raises
    ------
    StoreError
        ``store_not_allowed`` (not the organisation running it),
        ``consult_not_found``, ``consult_still_open``.
    """
    now = now or utcnow()
    with write(store) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise _db.not_found()
        _db.organiser_of(session, account_id, consultation)
        if now < consultation.closes_at:
            raise StoreError(
                "consult_still_open", "Ballots can be sealed only once the consultation has closed."
            )
        if session.get_bind().dialect.name != "postgresql":
            return
        sites = select(Site.id).where(Site.consultation_id == consultation_id)
        session.execute(
            update(Ballot).where(Ballot.site_id.in_(sites)).values(stance=Ballot.stance)
        )
        session.execute(
            update(Participant)
            .where(Participant.consultation_id == consultation_id)
            .values(account_id=Participant.account_id)
        )
        session.execute(text("CLUSTER ballots USING pk_ballots"))
        session.execute(text("CLUSTER participants USING pk_participants"))


def withdraw_ballots(store: Store, account_id: str, *, now: datetime | None = None) -> int:
    """Delete an account's secret ballots in consultations still open; return how many.

    Call it before deleting the account: an open opinion goes with its account
    (the database cascades), and a secret ballot of a consultation still open
    should too, but only the account's tokens can find it. Ballots of closed
    consultations stay in the published results; once the account and its
    register entries are deleted, nothing left in the database or the key
    names its voter.

    Raises
    ------
    StoreError
        ``store_no_key`` when there is a ballot to find and no data key.
    """
    now = now or utcnow()
    with write(store) as session:
        open_ones = session.scalars(
            select(Consultation)
            .join(Participant, Participant.consultation_id == Consultation.id)
            .where(Participant.account_id == account_id, Consultation.closes_at > now)
        ).all()
        deleted = 0
        for consultation in open_ones:
            key = ballot_key(store, consultation.id)
            sites = session.scalars(select(Site.id).where(Site.consultation_id == consultation.id))
            for site_id in sites.all():
                token = voter_token(key, account_id, site_id)
                gone = session.execute(
                    delete(Ballot)
                    .where(Ballot.voter_token == token, Ballot.site_id == site_id)
                    .returning(Ballot.id)
                ).all()
                deleted += len(gone)
            session.execute(
                delete(Participant).where(
                    Participant.consultation_id == consultation.id,
                    Participant.account_id == account_id,
                )
            )
    return deleted
