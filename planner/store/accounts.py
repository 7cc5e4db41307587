"""Local accounts: creation, sign-in with argon2 and throttling, deletion.

Passwords are hashed with argon2id (argon2-cffi). After ``max_failures`` wrong
passwords within ``failure_window`` an account refuses every sign-in, the right
password included, for ``lockout`` (see :class:`StoreConfig`). A login that
does not exist costs the same hashing time as one that does, and gets the same
answer, so that sign-in does not reveal who has an account.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from planner.store.engine import Store, read, write
from planner.store.errors import StoreError
from planner.store.models import ROLES, Account, Project, utcnow
from planner.store.records import AccountRecord, ProjectRecord
from planner.store.settings import StoreConfig

_log = logging.getLogger(__name__)
MIN_PASSWORD_LENGTH = 8


@cache
def _hasher(config: StoreConfig) -> PasswordHasher:
    return PasswordHasher(
        time_cost=config.hash_time_cost,
        memory_cost=config.hash_memory_kib,
        parallelism=config.hash_parallelism,
    )


@cache
def _decoy_hash(config: StoreConfig) -> str:
    # A hash of nothing anyone knows: verifying against it costs what a real check costs.
    return _hasher(config).hash(secrets.token_urlsafe(16))


def _normal_login(login: str) -> str:
    return login.strip().casefold()


def _record(account: Account) -> AccountRecord:
    return AccountRecord(account.id, account.login, account.role, account.organisation)


def create_account(
    store: Store,
    login: str,
    role: str,
    *,
    password: str | None = None,
    organisation: str | None = None,
    identity: tuple[str, str] | None = None,
) -> AccountRecord:
    """Create an account and return it.

    Parameters
    ----------
    login : str
        E-mail or user name, unique (compared without case).
    role : str
        ``"resident"``, ``"cooperative"`` or ``"city"``.
    password : str, optional
        Stored only as an argon2 hash. None for accounts that sign in through
        OpenID Connect.
    organisation : str, optional
        Required for cooperative and city accounts: it is what a resident's
        access log shows.
    identity : (str, str), optional
        OpenID Connect ``(issuer, subject)`` of an account that signs in that way.

    Raises
    ------
    StoreError
        ``store_bad_role``, ``store_login_required``, ``store_password_too_short``,
        ``store_organisation_required`` or ``store_login_taken``.
    """
    login = _normal_login(login)
    if role not in ROLES:
        raise StoreError("store_bad_role", "The role must be resident, cooperative or city.")
    if not login:
        raise StoreError("store_login_required", "An account needs a login.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(
            "store_password_too_short",
            "The password is too short.",
            {"min": MIN_PASSWORD_LENGTH},
        )
    if role != "resident" and not (organisation or "").strip():
        raise StoreError(
            "store_organisation_required", "Cooperative and city accounts name their organisation."
        )
    hashed = _hasher(store.config).hash(password) if password is not None else None
    issuer, subject = identity or (None, None)
    account = Account(
        login=login,
        role=role,
        organisation=organisation,
        password_hash=hashed,
        failed_attempts=0,
        oidc_issuer=issuer,
        oidc_subject=subject,
    )
    try:
        with write(store) as session:
            session.add(account)
            session.flush()
            record = _record(account)
    except IntegrityError:
        raise StoreError("store_login_taken", "This login is already taken.") from None
    _log.info("account created (role %s)", role)
    return record


def authenticate(
    store: Store, login: str, password: str, *, now: datetime | None = None
) -> AccountRecord:
    """Return the account if ``password`` is right, counting failures to throttle guessing.

    Raises
    ------
    StoreError
        ``store_wrong_credentials`` (unknown login or wrong password: the same
        answer for both) or ``store_throttled`` with ``minutes`` to wait.
    """
    now = now or utcnow()
    config = store.config
    outcome, record, wait = "wrong", None, 0
    with write(store) as session:
        account = session.scalars(
            select(Account).where(Account.login == _normal_login(login)).with_for_update()
        ).first()
        if account is None or account.password_hash is None:
            _verify(config, _decoy_hash(config), password)
        elif account.locked_until is not None and account.locked_until > now:
            outcome = "throttled"
            wait = math.ceil((account.locked_until - now).total_seconds() / 60)
        elif _verify(config, account.password_hash, password):
            outcome, record = "ok", _record(account)
            account.failed_attempts, account.first_failed_at, account.locked_until = 0, None, None
            if _hasher(config).check_needs_rehash(account.password_hash):
                account.password_hash = _hasher(config).hash(password)
        else:
            _count_failure(account, now, config)
    # Raised after the commit: the failure count must be kept.
    if outcome == "throttled":
        _log.info("sign-in refused: too many recent failures")
        raise StoreError(
            "store_throttled",
            "Too many wrong passwords: wait before trying again.",
            {"minutes": wait},
        )
    if record is None:
        _log.info("sign-in refused: wrong credentials")
        raise StoreError("store_wrong_credentials", "Wrong login or password.")
    return record


def account_for_identity(
    store: Store,
    issuer: str,
    subject: str,
    *,
    email: str | None = None,
    role: str = "resident",
    organisation: str | None = None,
) -> AccountRecord:
    """Return the account of an OpenID Connect identity, created at its first sign-in.

    The identity is the provider's ``(issuer, subject)`` pair (``st.user.iss``
    and ``st.user.sub`` after ``st.login``), never the e-mail: an address is
    no proof of owning a local account, so an identity is never joined to an
    existing account by e-mail. The e-mail becomes the login when it is free.

    Raises
    ------
    StoreError
        As :func:`create_account` for ``role`` and ``organisation``.
    """
    found = _by_identity(store, issuer, subject)
    if found is not None:
        return found
    free = email and _by_login(store, email) is None
    login = email if free else f"oidc-{secrets.token_hex(8)}"
    try:
        return create_account(
            store, login, role, organisation=organisation, identity=(issuer, subject)
        )
    except StoreError as error:
        # Signed in twice at once: the first sign-in created it.
        if error.code == "store_login_taken" and (again := _by_identity(store, issuer, subject)):
            return again
        raise


def _by_identity(store: Store, issuer: str, subject: str) -> AccountRecord | None:
    with read(store) as session:
        account = session.scalars(
            select(Account).where(Account.oidc_issuer == issuer, Account.oidc_subject == subject)
        ).first()
        return _record(account) if account else None


def _by_login(store: Store, login: str) -> AccountRecord | None:
    with read(store) as session:
        account = session.scalars(
            select(Account).where(Account.login == _normal_login(login))
        ).first()
        return _record(account) if account else None


def _verify(config: StoreConfig, hashed: str, password: str) -> bool:
    try:
        return _hasher(config).verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(account: Account, now: datetime, config: StoreConfig) -> None:
    window_open = (
        account.first_failed_at is not None
        and now - account.first_failed_at < config.failure_window
    )
    if window_open:
        account.failed_attempts += 1
    else:
        account.failed_attempts, account.first_failed_at = 1, now
    if account.failed_attempts >= config.max_failures:
        account.locked_until = now + config.lockout
        account.failed_attempts, account.first_failed_at = 0, None


# One account per role for the embedded demo; they have no password: the demo
# sign-in picks one, and is off as soon as a database URL is configured.
DEMO_LOGINS: dict[str, str] = {
    "resident": "demo-habitant",
    "cooperative": "demo-cooperative",
    "city": "demo-ville",
}
DEMO_ORGANISATIONS: dict[str, str | None] = {
    "resident": None,
    "cooperative": "Coopérative solaire (démo)",
    "city": "Ville (démo)",
}


def demo_accounts(store: Store) -> dict[str, AccountRecord]:
    """Return the demo account of each role, created the first time.

    Raises
    ------
    StoreError
        ``store_demo_off`` on an external database: demo accounts exist only
        on the embedded one.
    """
    if not store.embedded:
        raise StoreError("store_demo_off", "The demo sign-in is off on this database.")
    accounts = {}
    for role, login in DEMO_LOGINS.items():
        accounts[role] = _by_login(store, login)
        if accounts[role] is None:
            try:
                accounts[role] = create_account(
                    store, login, role, organisation=DEMO_ORGANISATIONS[role]
                )
            except StoreError as error:
                if error.code != "store_login_taken":
                    raise
                return demo_accounts(store)  # another process created it first
    return accounts


def get_account(store: Store, account_id: str) -> AccountRecord:
    """Return the account ``account_id``.

    Raises
    ------
    StoreError
        ``store_account_not_found`` if it does not exist (any more).
    """
    with read(store) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise _account_not_found()
        return _record(account)


def delete_account(store: Store, account_id: str) -> None:
    """Delete an account and everything the project holds about it, at once.

    Its household, consents, curves and access log go with it (hard delete,
    cascading in the database). Where the account read others' data, their
    access logs keep the role and organisation, not the account.

    Raises
    ------
    StoreError
        ``store_account_not_found`` if it was already deleted.
    """
    with write(store) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise _account_not_found()
        session.delete(account)
    _log.info("account deleted")


def _account_not_found() -> StoreError:
    return StoreError("store_account_not_found", "This account does not exist (any more).")


def create_project(
    store: Store, account_id: str, name: str, purpose: str, wording_version: str
) -> ProjectRecord:
    """Create a project run by a cooperative or city account's organisation.

    Raises
    ------
    StoreError
        ``store_not_allowed`` for a resident account, ``store_account_not_found``.
    """
    with write(store) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise _account_not_found()
        if account.role == "resident":
            raise StoreError("store_not_allowed", "This account may not do that.")
        project = Project(
            name=name,
            organisation=account.organisation or "",
            purpose=purpose,
            consent_wording_version=wording_version,
            created_by=account.id,
        )
        session.add(project)
        session.flush()
        return ProjectRecord(
            project.id, project.name, project.organisation, project.purpose, wording_version
        )
