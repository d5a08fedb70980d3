"""What the live publisher hands an adapter: our app at the platform, the account's tokens (decrypted, refreshed
ahead of expiry and after a 401, rotated ones stored), the account as an Identity, the post as a PublishRequest
with its media from our media store. app/socialdock/live.py drives it."""

from __future__ import annotations

import functools
import os
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockAccount, DockMedia
from app.platforms.base import (
    AppCredentials,
    ErrorKind,
    Identity,
    MediaItem,
    PlatformAdapter,
    PlatformError,
    PublishRequest,
    TokenSet,
)
from app.socialdock import vault
from app.socialdock.errors import bad_request
from app.socialdock.ids import parse_id
from app.socialdock.media import media_dir
from app.socialdock.platforms import media_kind

REFRESH_AHEAD = timedelta(minutes=10)


def public_media_url(row: DockMedia, stored_url: str | None) -> str:
    """The URL platforms fetch the file from: SOCIALDOCK_PUBLIC_BASE_URL + the media path when set (the host
    platforms can reach), else the URL the post was created with (the API's own host)."""
    base = (current_app.config.get("SOCIALDOCK_PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return f"{base}{current_app.config['SOCIALDOCK_PREFIX']}/media/{row.storage_name}"
    return stored_url or f"{current_app.config['SOCIALDOCK_PREFIX']}/media/{row.storage_name}"


def media_items(team_id, media: list[dict], where: str = "media_urls") -> tuple[MediaItem, ...]:
    """The post's media as items of our media store (400 naming `where` for a URL that is not ours)."""
    items = []
    for entry in media:
        key = parse_id("media", entry.get("id")) if entry.get("id") else None
        row = db.session.scalar(select(DockMedia).where(DockMedia.team_id == team_id, DockMedia.id == key)) \
            if key else None
        if row is None:
            raise bad_request(f"{where}: live posts take media from this server's media store; upload "
                              f"{str(entry.get('url'))[:100]} with POST /media first and use the url it answers")
        path = os.path.join(media_dir(), row.storage_name)
        items.append(MediaItem(url=public_media_url(row, entry.get("url")), mime_type=row.mime_type,
                               size_bytes=row.size_bytes, kind=media_kind(row.mime_type) or "image",
                               file_name=row.file_name or row.storage_name, open=functools.partial(open, path, "rb")))
    return tuple(items)


def publish_request(text: str, title: str | None, media: tuple[MediaItem, ...], metadata: dict,
                    target_ref: str) -> PublishRequest:
    return PublishRequest(text=text, title=title, media=media, metadata=dict(metadata or {}), target_ref=target_ref)


def identity(account: DockAccount) -> Identity:
    return Identity(platform_account_id=account.platform_account_id or "", username=account.username,
                    display_name=account.display_name, extra=dict(account.identity_extra or {}))


def tokens_of(account: DockAccount) -> TokenSet:
    if not account.token_ciphertext:
        raise PlatformError(ErrorKind.DISCONNECT, f"{account.platform}: no credentials are stored for this account; "
                            "connect it again")
    try:
        return vault.unseal_tokens(account.token_ciphertext)
    except vault.VaultError as error:
        raise PlatformError(ErrorKind.DISCONNECT, "the stored credentials cannot be read with this server's token "
                            "keys (SOCIALDOCK_TOKEN_KEYS or SECRET_KEY changed); connect the account again") from error


def needs_refresh(tokens: TokenSet, ahead: timedelta = REFRESH_AHEAD) -> bool:
    """The access token expires within `ahead` (with a refresh token, or one that renews itself, as Meta's do)."""
    return bool(tokens.expires_at and tokens.expires_at - ahead <= clock_now())


def refresh_ahead(adapter: PlatformAdapter, app: AppCredentials, account_id, held: TokenSet) -> TokenSet:
    """Refresh before the token expires; if the platform cannot now (busy, refused), go on with the tokens held:
    a 401 later refreshes again. Only a revoked connection (DISCONNECT) is raised."""
    try:
        return refresh(adapter, app, account_id, held)
    except PlatformError as error:
        if error.kind is ErrorKind.DISCONNECT:
            raise
        return held


def refresh(adapter: PlatformAdapter, app: AppCredentials, account_id, held: TokenSet) -> TokenSet:
    """New tokens for the account, stored at once (commits). Under the account's row lock, so two workers never
    spend one rotating refresh token: one that finds tokens newer than the ones it holds uses those instead."""
    account = db.session.scalar(select(DockAccount).where(DockAccount.id == account_id).with_for_update())
    stored = tokens_of(account)
    if stored.access_token != held.access_token and not needs_refresh(stored):
        db.session.commit()
        return stored
    try:
        fresh = adapter.refresh(app, stored)
    except PlatformError as error:
        db.session.rollback()
        if error.kind is ErrorKind.REFRESH_TOKEN:
            raise PlatformError(ErrorKind.DISCONNECT, f"{adapter.platform} refused to refresh the connection; "
                                "connect the account again", status=error.status, detail=error.detail) from None
        raise
    fresh = vault.merged(stored, fresh)
    account.token_ciphertext, account.token_expires_at = vault.seal_tokens(fresh), fresh.expires_at
    account.updated_at = clock_now()
    db.session.commit()
    return fresh
