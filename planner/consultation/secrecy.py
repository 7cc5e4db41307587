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
- physical metadata is not columns: PostgreSQL's system columns (``xmin``,
  ``ctid``) and either database's write-ahead log keep an order of writes for
  a while, which, with few voters and the register's order, may narrow who
  cast a ballot. Vacuuming after closing reduces, but does not guarantee, this;
- a comment may itself identify its author: that is the author's choice.
"""

from __future__ import annotations

import hashlib
import hmac

from planner.store import Store, StoreError

__all__ = ["ballot_key", "voter_token"]


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
