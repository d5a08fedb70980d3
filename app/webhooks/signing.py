"""Signing webhook bodies, and the check a consumer runs on what it receives.

`X-SocialScalr-Signature: sha256=<hex(hmac_sha256(secret, raw_body))>` over the exact
bytes sent. The body carries `sentAt`, so the signature also covers the time of
sending and a consumer can refuse replays of old deliveries.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

SIGNATURE_HEADER = "X-SocialScalr-Signature"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def signature_for(secret: str | bytes, raw_body: bytes) -> str:
    """The header value for this body: `sha256=<hex>`."""
    return SIGNATURE_PREFIX + hmac.new(_as_bytes(secret), _as_bytes(raw_body), hashlib.sha256).hexdigest()


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
