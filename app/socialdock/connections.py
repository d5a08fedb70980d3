"""Connecting a live account through the platform itself (issue 14): OAuth 2 for the platforms that have it, a bot
token and a one-time code for Telegram. Pages (app/socialdock/connect_pages.py) call these; every function leaves
the commit to its caller, except the OAuth callback, which commits a state's use before it exchanges the code.

OAuth: opening the connect URL stores the SHA-256 digest of a fresh `state` (and the PKCE verifier, encrypted) on the
connect token and sends the person to the platform's consent page; the callback finds the connect token by the state
digest (unknown, expired or used states are refused), clears it (a state works once), exchanges the code and lists
the identities. One identity: the account is connected. Several: they wait on the connect token (encrypted, with the
tokens) until the person picks one with the one-time `pick` value the page carries.

Reconnecting the same platform account (same team, mode, platform and platform account id) updates that account and
keeps its stored refresh token when the new grant brings none.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import select

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockAccount, DockConnectToken
from app.platforms import config as platform_config
from app.platforms.base import AppCredentials, Identity, PlatformAdapter, PlatformError, TokenSet
from app.platforms.oauth import pkce_pair
from app.platforms.registry import adapter_for
from app.scoping import team_select
from app.socialdock import vault
from app.socialdock.errors import bad_request

TELEGRAM = "telegram"


class ConnectRefused(Exception):
    """What the person sees on the page (and what to do), with the HTTP status of that page."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def missing_settings(platform: str) -> list[str]:
    names = [f"SOCIALDOCK_{platform.upper()}_CLIENT_ID", f"SOCIALDOCK_{platform.upper()}_CLIENT_SECRET"]
    return [] if platform in platform_config.NEEDS_NO_APP else [
        name for name in names if not current_app.config.get(name)]


def configured(platform: str) -> tuple[PlatformAdapter, AppCredentials]:
    """The adapter and our app at the platform, or 400 saying what is missing."""
    adapter = adapter_for(platform)
    if adapter is None:
        raise bad_request(f"platform: {platform} cannot be connected with a live key on this server yet (no adapter "
                          "for its API; every platform works in the sandbox with an sd_test_ key)")
    missing = missing_settings(platform)
    app = platform_config.app_credentials(adapter)
    if missing or app is None:
        raise bad_request(f"platform: {platform} is not configured on this server; set "
                          f"{' and '.join(missing or [f'SOCIALDOCK_{platform.upper()}_CLIENT_ID'])}")
    return adapter, app


def oauth_available(platform: str) -> bool:
    adapter = adapter_for(platform)
    return adapter is not None and platform not in platform_config.NEEDS_NO_APP and not missing_settings(platform)


def _open(row: DockConnectToken) -> None:
    if row.used_at is not None:
        raise ConnectRefused("This connect link was used already. Start connecting again from the application.")
    if row.expires_at <= clock_now():
        raise ConnectRefused("This connect link has expired. Start connecting again from the application.")


# --- OAuth ------------------------------------------------------------------------------------------------------
def begin_oauth(row: DockConnectToken, redirect_uri: str) -> str:
    """The platform's consent URL for this connect token, with a new state (the previous one stops working)."""
    _open(row)
    adapter, app = configured(row.platform)
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair() if adapter.uses_pkce else (None, None)
    row.state_digest = _digest("state:" + state)
    row.pkce_ciphertext = vault.seal({"verifier": verifier}) if verifier else None
    row.updated_at = clock_now()
    db.session.flush()
    return adapter.authorize_url(app, redirect_uri, state, challenge)


def _by_state(platform: str, value: str, kind: str) -> DockConnectToken:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ConnectRefused("This sign-in came back without a valid state. Start connecting again from the "
                             "application.")
    row = db.session.scalar(select(DockConnectToken).where(DockConnectToken.state_digest == _digest(f"{kind}:{value}"))
                            .with_for_update())
    if row is None or row.platform != platform or row.mode != "live":
        raise ConnectRefused("This sign-in link is unknown, was used already or belongs to another connection. "
                             "Start connecting again from the application.")
    _open(row)
    return row


def finish_oauth(platform: str, state: str, code: str, redirect_uri: str) -> tuple[DockConnectToken, list, str | None]:
    """(row, identities, pick): the account is connected (row.account_id set) when the login acts as one identity;
    with several, the page offers them with the one-time `pick`."""
    row = _by_state(platform, state, "state")
    verifier, unreadable = None, False
    try:
        verifier = vault.unseal(row.pkce_ciphertext)["verifier"] if row.pkce_ciphertext else None
    except vault.VaultError:
        unreadable = True  # the token keys changed since the consent page was opened
    row.state_digest, row.pkce_ciphertext = None, None
    db.session.commit()  # a state works once, whatever happens next (and no row stays locked across the exchange)
    if unreadable:
        raise ConnectRefused("This sign-in cannot be finished: the server's keys changed since it started. Start "
                             "connecting again from the application.")
    adapter, app = configured(platform)
    if not isinstance(code, str) or not code or len(code) > 2000:
        raise ConnectRefused(f"{platform.title()} did not send a sign-in code back. Start connecting again.")
    try:
        tokens = adapter.exchange_code(app, code, redirect_uri, verifier)
        found = adapter.identities(app, tokens)
    except PlatformError as error:
        raise ConnectRefused(f"{error.message}. Start connecting again from the application.") from None
    if not found:
        raise ConnectRefused(f"This {platform.title()} login has nothing we can publish as (no page, channel or "
                             "profile). Check the permissions you granted and start again.")
    if len(found) == 1:
        save_account(row, found[0], tokens)
        return row, found, None
    pick = secrets.token_urlsafe(24)
    row.state_digest = _digest("pick:" + pick)
    row.pending_ciphertext = vault.seal({"tokens": vault.token_dict(tokens),
                                         "identities": [_identity_dict(identity) for identity in found]})
    db.session.flush()
    return row, found, pick


def pending_identities(platform: str, pick: str) -> tuple[DockConnectToken, list[Identity]]:
    row = _by_state(platform, pick, "pick")
    pending = _readable(row.pending_ciphertext)
    if pending is None:
        raise ConnectRefused("This choice cannot be finished: the server's keys changed since the sign-in. Start "
                             "connecting again from the application.")
    return row, [_identity_of(value) for value in pending.get("identities", [])]


def choose(platform: str, pick: str, platform_account_id: str) -> DockConnectToken:
    row, found = pending_identities(platform, pick)
    chosen = next((identity for identity in found if identity.platform_account_id == platform_account_id), None)
    if chosen is None:
        raise ConnectRefused("That choice is not one this login can publish as. Pick one from the list.")
    tokens = vault.token_set(_readable(row.pending_ciphertext)["tokens"])
    row.state_digest, row.pending_ciphertext = None, None
    save_account(row, chosen, tokens)
    return row


def _readable(ciphertext: str | None) -> dict | None:
    """A stored secret, or None when there is none or it cannot be read any more (the token keys changed): it is
    treated as absent, so the person is asked for it again instead of meeting an error page."""
    try:
        return vault.unseal(ciphertext) if ciphertext else None
    except vault.VaultError:
        return None


def _readable_tokens(ciphertext: str | None) -> TokenSet | None:
    try:
        return vault.unseal_tokens(ciphertext) if ciphertext else None
    except vault.VaultError:
        return None  # unreadable old tokens: reconnecting replaces them


def _identity_dict(identity: Identity) -> dict:
    return {"platform_account_id": identity.platform_account_id, "username": identity.username,
            "display_name": identity.display_name, "extra": identity.extra or {},
            "tokens": vault.token_dict(identity.tokens) if identity.tokens else None}


def _identity_of(value: dict) -> Identity:
    tokens = vault.token_set(value["tokens"]) if value.get("tokens") else None
    return Identity(value["platform_account_id"], value.get("username"), value.get("display_name"), tokens,
                    value.get("extra") or {})


def save_account(row: DockConnectToken, identity: Identity, login_tokens: TokenSet) -> DockAccount:
    """Create or update the live account for this identity (reconnecting keeps a refresh token the new grant lacks)."""
    now = clock_now()
    account = db.session.scalar(team_select(DockAccount, row.team_id).where(
        DockAccount.mode == "live", DockAccount.platform == row.platform,
        DockAccount.platform_account_id == identity.platform_account_id).with_for_update())
    if account is None:
        account = DockAccount(team_id=row.team_id, mode="live", platform=row.platform, metrics={},
                              platform_account_id=identity.platform_account_id, connected_at=now)
        db.session.add(account)
    tokens = identity.tokens or login_tokens
    old = _readable_tokens(account.token_ciphertext)
    tokens = vault.merged(old, tokens)
    account.token_ciphertext, account.token_expires_at = vault.seal_tokens(tokens), tokens.expires_at
    account.username = (identity.username or identity.display_name or identity.platform_account_id)[:200]
    account.display_name = (identity.display_name or identity.username or "")[:200] or None
    extra = dict(identity.extra or {})
    if extra.get("last_post_id") is None and (account.identity_extra or {}).get("last_post_id") is not None:
        extra["last_post_id"] = account.identity_extra["last_post_id"]  # the newest message id we know stays
    account.identity_extra = extra
    account.status, account.status_reason, account.connected_at, account.disconnected_at = "active", None, now, None
    account.updated_at = now
    db.session.flush()
    row.account_id, row.used_at, row.updated_at = account.id, now, now
    return account


# --- Telegram: a bot token, then a code posted in the chat ------------------------------------------------------
def telegram_pending(row: DockConnectToken) -> dict | None:
    return _readable(row.pending_ciphertext)


def telegram_bot(row: DockConnectToken, bot_token: str) -> dict:
    """Check the bot token (getMe) and hand out the one-time code to post in the chat: {bot, code}."""
    _open(row)
    adapter, app = configured(TELEGRAM)
    bot_token = (bot_token or "").strip()
    if not bot_token or len(bot_token) > 200 or any(ch.isspace() or ch == "/" for ch in bot_token):
        raise ConnectRefused("Paste the bot token @BotFather gave you (it looks like 123456:ABC-...).")
    try:
        bot = adapter.bot(app, bot_token)
    except PlatformError as error:
        raise ConnectRefused(error.message) from None
    pending = {"bot_token": bot_token, "code": f"{secrets.randbelow(900000) + 100000}",
               "bot_username": bot.get("username"), "bot_id": bot.get("id")}
    row.pending_ciphertext = vault.seal(pending)
    db.session.flush()
    return pending


def telegram_find_chat(row: DockConnectToken) -> DockAccount | None:
    """The account for the chat where the code was posted (None: not seen yet)."""
    _open(row)
    pending = telegram_pending(row)
    if not pending:
        raise ConnectRefused("Paste the bot token first.")
    adapter, app = configured(TELEGRAM)
    try:
        chat = adapter.chat_with_code(app, pending["bot_token"], pending["code"])
    except PlatformError as error:
        raise ConnectRefused(error.message) from None
    if chat is None:
        return None
    chat.extra = dict(chat.extra) | {"bot_username": pending.get("bot_username"), "bot_id": pending.get("bot_id")}
    row.pending_ciphertext = None
    return save_account(row, chat, TokenSet(access_token=pending["bot_token"]))


def forget_expired(now=None) -> int:
    """Drop the secrets of connections nobody finished (a pasted bot token, PKCE verifiers, tokens waiting for a
    choice) once their connect token has expired; commits. How many connect tokens were cleared."""
    moment = now or clock_now()
    rows = db.session.scalars(select(DockConnectToken).where(
        DockConnectToken.expires_at <= moment,
        (DockConnectToken.pending_ciphertext.is_not(None)) | (DockConnectToken.pkce_ciphertext.is_not(None))
        | (DockConnectToken.state_digest.is_not(None)))).all()
    for row in rows:
        row.pending_ciphertext, row.pkce_ciphertext, row.state_digest, row.updated_at = None, None, None, moment
    db.session.commit()
    return len(rows)
