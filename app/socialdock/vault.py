"""Platform tokens at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`), several keys at once
(MultiFernet) so a key can be rotated.

`SOCIALDOCK_TOKEN_KEYS` is a comma-separated list of Fernet keys (`Fernet.generate_key()`): the first encrypts,
every one decrypts. To rotate: put a new key first, keep the old ones after it, run
`socialscalr dock rotate-token-keys` (every stored credential re-encrypted with the first key), then drop the old.
Without the setting (embedded / development), one key is derived from SECRET_KEY with HKDF-SHA256: changing
SECRET_KEY then makes every stored connection unreadable (connect again). Set SOCIALDOCK_TOKEN_KEYS in production.

What is stored here is never logged, never answered by an endpoint and never put in an event.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import DockAccount, DockConnectToken
from app.platforms.base import TokenSet

_HKDF_INFO = b"socialscalr socialdock token vault v1"


class VaultError(Exception):
    """A stored secret cannot be read with the configured keys (SECRET_KEY or SOCIALDOCK_TOKEN_KEYS changed)."""


def derived_key(secret_key: str) -> bytes:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(material)


def configured_keys() -> list[bytes]:
    setting = current_app.config.get("SOCIALDOCK_TOKEN_KEYS") or ""
    if isinstance(setting, (list, tuple)):
        keys = [str(key).strip() for key in setting]
    else:
        keys = [key.strip() for key in str(setting).split(",")]
    keys = [key.encode() for key in keys if key]
    return keys or [derived_key(str(current_app.config["SECRET_KEY"]))]


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in configured_keys()])
    except ValueError as error:
        raise VaultError("SOCIALDOCK_TOKEN_KEYS: each key must be a urlsafe base64 Fernet key "
                         "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
                         ) from error


def seal(value: dict) -> str:
    return _fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def unseal(ciphertext: str) -> dict:
    try:
        return json.loads(_fernet().decrypt(ciphertext.encode()))
    except InvalidToken as error:
        raise VaultError("a stored credential cannot be decrypted with the configured keys") from error


def reseal(ciphertext: str) -> str:
    """The same secret encrypted with the first key (key rotation)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise VaultError("a stored credential cannot be decrypted with the configured keys") from error


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def token_dict(tokens: TokenSet) -> dict:
    return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
            "expires_at": _when(tokens.expires_at), "refresh_expires_at": _when(tokens.refresh_expires_at),
            "scope": tokens.scope, "extra": tokens.extra or {}}


def token_set(value: dict) -> TokenSet:
    return TokenSet(access_token=value["access_token"], refresh_token=value.get("refresh_token"),
                    expires_at=_parse(value.get("expires_at")),
                    refresh_expires_at=_parse(value.get("refresh_expires_at")), scope=value.get("scope"),
                    extra=value.get("extra") or {})


def seal_tokens(tokens: TokenSet) -> str:
    return seal(token_dict(tokens))


def unseal_tokens(ciphertext: str) -> TokenSet:
    return token_set(unseal(ciphertext))


def merged(old: TokenSet | None, new: TokenSet) -> TokenSet:
    """New tokens that keep what the platform did not send again: a refresh (or a reconnect) without a new refresh
    token keeps the old one, and its expiry."""
    if old is not None and not new.refresh_token and old.refresh_token:
        new.refresh_token, new.refresh_expires_at = old.refresh_token, old.refresh_expires_at
    return new


def rotate_stored() -> int:
    """Re-encrypt every stored credential (accounts' tokens, connect tokens' verifiers and pending choices) with the
    first key; commits. How many values were re-encrypted."""
    count = 0
    for model, columns in ((DockAccount, ("token_ciphertext",)),
                           (DockConnectToken, ("pkce_ciphertext", "pending_ciphertext"))):
        for row in db.session.scalars(select(model).with_for_update()).all():
            for column in columns:
                value = getattr(row, column)
                if value:
                    setattr(row, column, reseal(value))
                    count += 1
    db.session.commit()
    return count
