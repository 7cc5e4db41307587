"""Who is signed in, and the sign-in panel of the shared sidebar.

The signed-in account is an :class:`~planner.store.AccountRecord` kept in this
session's st.session_state only (never in a cache or a module global, which
every session of the server shares). Three ways in: OpenID Connect through
``st.login`` where an ``[auth]`` section is configured in secrets; local
accounts (password checked and throttled by the store); and, on the embedded
demo database only, one demo account per role. Every page that shows data
calls :func:`require` first: the check runs on the server, at every run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from app_pages import _cache, _state
from planner.store import (
    ROLES,
    AccountRecord,
    Store,
    StoreError,
    account_for_identity,
    authenticate,
    create_account,
    database_url,
    demo_accounts,
    get_account,
)
from planner.store.settings import DATABASE_URL_ENV
from quartier_solaire.i18n import describe, literal, t


def secrets() -> Mapping[str, Any] | None:
    """Return Streamlit's secrets if a secrets file exists, else None."""
    try:
        return st.secrets if st.secrets.load_if_toml_exists() else None
    except Exception:  # a malformed secrets.toml: run as if there were none, and say so
        st.sidebar.warning(t("auth.bad_secrets", _state.lang()))
        return None


def _database_configured(settings: Mapping[str, Any] | None) -> bool:
    if os.environ.get(DATABASE_URL_ENV):
        return True
    if settings is None:
        return False
    database = settings.get("database")
    return bool(settings.get(DATABASE_URL_ENV)) or (
        isinstance(database, Mapping) and bool(database.get("url"))
    )


def store(lang: str) -> Store | None:
    """Return the process's store, or None (with a message) if it cannot be opened."""
    settings = secrets()
    try:
        return _cache.store(database_url(settings), settings)
    except StoreError as error:
        st.sidebar.error(describe(error, lang))
    except SQLAlchemyError:  # the migrations at start talk to the database directly
        st.sidebar.error(t("problem.store_unreachable", lang))
    return None


def current() -> AccountRecord | None:
    """Return the account signed in in this session, if any."""
    return st.session_state.get(_state.ACCOUNT)


def require(lang: str, *roles: str) -> tuple[Store, AccountRecord]:
    """Return the store and the signed-in account if its role is one of ``roles``; else stop.

    The account is read again from the database at every run: one deleted in
    another tab, or by an operator, is signed out here too.
    """
    opened = store(lang)
    account = current()
    if opened is None:
        st.stop()
    if account is None:
        st.info(t("auth.sign_in_first", lang))
        st.stop()
    try:
        account = get_account(opened, account.id)
    except StoreError:
        _state.forget_account()
        st.warning(t("auth.account_gone", lang))
        st.stop()
    if account.role not in roles:
        st.error(t("auth.not_for_role", lang, role=t(f"role.{account.role}", lang)))
        st.stop()
    return opened, account


def flash(key: str, kind: str = "success", **params: Any) -> None:
    """Keep a message to show at the top of the next run (after a callback or a rerun)."""
    st.session_state[_state.FLASH] = (key, kind, params)


def show_flash(lang: str) -> None:
    """Show, once, the message kept by :func:`flash`."""
    kept = st.session_state.pop(_state.FLASH, None)
    if kept is not None:
        key, kind, params = kept
        getattr(st, kind)(t(key, lang, **params))


def _signed_in(account: AccountRecord) -> None:
    st.session_state[_state.ACCOUNT] = account


def _oidc(settings: Mapping[str, Any] | None) -> list[str | None] | None:
    """Return the OpenID Connect providers configured in ``[auth]`` (None: no OIDC)."""
    auth = settings.get("auth") if settings is not None else None
    if not isinstance(auth, Mapping):
        return None
    named = [name for name, value in auth.items() if isinstance(value, Mapping)]
    return named or [None]


def oidc_account(opened: Store, user: Mapping[str, Any]) -> AccountRecord | None:
    """Return the account of the identity in ``user`` (st.user), created at first sign-in."""
    if not user.get("is_logged_in") or not user.get("iss") or not user.get("sub"):
        return None
    return account_for_identity(opened, str(user["iss"]), str(user["sub"]), email=user.get("email"))


def panel(lang: str) -> AccountRecord | None:
    """Draw the account panel of the sidebar; return the signed-in account, if any."""
    settings = secrets()
    opened = store(lang)
    if opened is None:
        return None
    providers = _oidc(settings)
    if current() is None and providers is not None and st.user.is_logged_in:
        try:
            account = oidc_account(opened, st.user.to_dict())
        except StoreError as error:
            st.sidebar.error(describe(error, lang))
            account = None
        if account is not None:
            _signed_in(account)
    box = st.sidebar.container(border=True)
    account = _still_there(opened, current(), lang)
    if account is not None:
        _signed_in_box(box, account, lang, oidc=providers is not None and st.user.is_logged_in)
        return account
    box.markdown(f"**{t('auth.title', lang)}**")
    if providers is not None:
        for provider in providers:
            label = t("auth.oidc", lang, provider=provider or t("auth.oidc_default", lang))
            if box.button(label, key=f"{_state.AUTH_OIDC}_{provider or 'default'}"):
                st.login(provider) if provider else st.login()
    if opened.embedded and not _database_configured(settings):
        _demo(box, opened, lang)
    _local(box, opened, lang)
    return None


def _still_there(opened: Store, account: AccountRecord | None, lang: str):
    """Return the account as the database has it now; sign out one deleted meanwhile."""
    if account is None:
        return None
    try:
        fresh = get_account(opened, account.id)
    except StoreError as error:
        if error.code != "store_account_not_found":
            raise
        _state.forget_account()
        st.sidebar.warning(t("auth.account_gone", lang))
        return None
    _signed_in(fresh)
    return fresh


def _signed_in_box(box, account: AccountRecord, lang: str, *, oidc: bool) -> None:
    who = literal(account.login)
    if account.organisation:
        who += f" — {literal(account.organisation)}"
    box.markdown(t("auth.signed_in_as", lang, who=who, role=t(f"role.{account.role}", lang)))
    if box.button(t("auth.sign_out", lang), key=_state.AUTH_SIGN_OUT):
        _state.forget_account()
        if oidc:
            st.logout()
        st.rerun()


def _demo(box, opened: Store, lang: str) -> None:
    box.caption(t("auth.demo_help", lang))
    for role in ROLES:
        if box.button(t(f"auth.demo.{role}", lang), key=f"{_state.AUTH_DEMO}_{role}"):
            try:
                _signed_in(demo_accounts(opened)[role])
            except StoreError as error:
                box.error(describe(error, lang))
                return
            st.rerun()


def _local(box, opened: Store, lang: str) -> None:
    sign_in, sign_up = box.tabs([t("auth.sign_in", lang), t("auth.sign_up", lang)])
    with sign_in.form(_state.AUTH_SIGN_IN, clear_on_submit=True, border=False):
        login = st.text_input(t("auth.login", lang), key=_state.AUTH_LOGIN)
        password = st.text_input(
            t("auth.password", lang), type="password", key=_state.AUTH_PASSWORD
        )
        if st.form_submit_button(t("auth.sign_in", lang), key=_state.AUTH_SIGN_IN_SUBMIT):
            try:
                _signed_in(authenticate(opened, login, password))
            except StoreError as error:
                sign_in.error(describe(error, lang))
            else:
                st.rerun()
    with sign_up.form(_state.AUTH_SIGN_UP, clear_on_submit=True, border=False):
        login = st.text_input(t("auth.login", lang), key=_state.AUTH_NEW_LOGIN)
        password = st.text_input(
            t("auth.password_new", lang), type="password", key=_state.AUTH_NEW_PASSWORD
        )
        role = st.selectbox(
            t("auth.role", lang),
            ROLES,
            key=_state.AUTH_NEW_ROLE,
            format_func=lambda r: t(f"role.{r}", lang),
        )
        organisation = st.text_input(
            t("auth.organisation", lang),
            key=_state.AUTH_NEW_ORGANISATION,
            help=t("auth.organisation_help", lang),
        )
        if st.form_submit_button(t("auth.sign_up", lang), key=_state.AUTH_SIGN_UP_SUBMIT):
            try:
                account = create_account(
                    opened,
                    login,
                    role,
                    password=password,
                    organisation=organisation.strip() or None if role != "resident" else None,
                )
            except StoreError as error:
                sign_up.error(describe(error, lang))
            else:
                _signed_in(account)
                st.rerun()
