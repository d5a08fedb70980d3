"""Signing webhook bodies, and the check a consumer runs on what it receives.

Two signatures go with every request:
- ours: `X-SocialScalr-Signature: sha256=<hex(hmac_sha256(secret, raw_body))>` over the
  exact bytes sent. The body carries `sentAt`, so the signature also covers the time of
  sending and a consumer can refuse replays of old deliveries.
- Standard Webhooks (https://www.standardwebhooks.com): `webhook-signature: v1,<base64>`
  of HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<raw body>`, one entry per secret
  in force (space-separated: the old secret still signs for a day after a rotation).

The Standard Webhooks key of a secret (`standard_key`): a secret in that specification's
format, `whsec_` + padded standard base64 (every secret generated since 2026-11), is the
decoded bytes, as every Standard Webhooks library reads it. Any other secret (the URL-safe,
unpadded ones generated before, or a customer's own) is its UTF-8 bytes, the same key as
our own header; its Standard Webhooks form is `whsec_` + base64(secret) (`standard_form`).
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, datetime

SIGNATURE_HEADER = "X-SocialScalr-Signature"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300
STANDARD_SECRET_PREFIX = "whsec_"


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def signature_for(secret: str | bytes, raw_body: bytes) -> str:
    """The header value for this body: `sha256=<hex>`."""
    return SIGNATURE_PREFIX + hmac.new(_as_bytes(secret), _as_bytes(raw_body), hashlib.sha256).hexdigest()


def dock_signature_for(secret: str | bytes, raw_body: bytes) -> str:
    """SocialDock's `X-SocialDock-Signature`: the bare hex HMAC-SHA256 of the raw body."""
    return hmac.new(_as_bytes(secret), _as_bytes(raw_body), hashlib.sha256).hexdigest()


def standard_key(secret: str) -> bytes:
    """The HMAC key that signs `webhook-signature` for this secret (see the module's docstring)."""
    encoded = secret.removeprefix(STANDARD_SECRET_PREFIX)
    if encoded != secret and encoded and len(encoded) % 4 == 0:
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            pass
    return _as_bytes(secret)


def standard_form(secret: str) -> str:
    """The secret to give a Standard Webhooks library so that it verifies what we sign with `secret`."""
    return STANDARD_SECRET_PREFIX + base64.b64encode(standard_key(secret)).decode("ascii")


def standard_signatures(secrets: Iterable[str], message_id: str, timestamp: int, raw_body: bytes) -> str:
    """The `webhook-signature` value: `v1,<base64>` per secret, space-separated."""
    signed = f"{message_id}.{timestamp}.".encode() + raw_body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(standard_key(secret), signed, hashlib.sha256).digest()).decode("ascii")
        for secret in secrets
    )


def _parse_time(value: str | datetime) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _sent_at_of(raw_body: bytes) -> str | None:
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        return None
    return body.get("sentAt") if isinstance(body, dict) else None


def verify_signature(
    secret: str | bytes,
    raw_body: bytes,
    signature_header: str | None,
    sent_at: str | datetime | None = None,
    tolerance_seconds: int | None = DEFAULT_TOLERANCE_SECONDS,
    now: datetime | None = None,
) -> bool:
    """True when the signature matches the raw body (constant-time) and the delivery is fresh.

    `sent_at` defaults to the body's own `sentAt` (it is covered by the signature); a delivery
    sent more than `tolerance_seconds` ago, or that far in the future, is refused. Pass
    `tolerance_seconds=None` to check the signature alone.
    """
    if not signature_header or not isinstance(signature_header, str):
        return False
    expected = signature_for(secret, raw_body)
    if not hmac.compare_digest(expected.encode("ascii"), signature_header.strip().encode("utf-8", "replace")):
        return False
    if tolerance_seconds is None:
        return True
    moment = _parse_time(sent_at if sent_at is not None else _sent_at_of(_as_bytes(raw_body)) or "")
    if moment is None:
        return False
    age = ((now or datetime.now(UTC)) - moment).total_seconds()
    return abs(age) <= tolerance_seconds
