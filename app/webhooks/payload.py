"""The bytes and headers of one delivery attempt: the SocialScalr wire format plus Standard Webhooks headers, or,
for SocialDock's endpoints, SocialDock's format (docs/socialdock.md, "Webhooks")."""

import json
from collections.abc import Sequence
from datetime import datetime

from app.common.fields import utc_iso
from app.models.webhooks import SOCIALSCALR
from app.webhooks.signing import SIGNATURE_HEADER, dock_signature_for, signature_for, standard_signatures

API_VERSION = "2024-12-18"
USER_AGENT = "SocialScalr-Webhooks/1.0 (+https://socialscalr.com)"
DOCK_USER_AGENT = "SocialDock-Webhooks/1.0"
DOCK_SIGNATURE_HEADER = "X-SocialDock-Signature"


class UnbuildableRequest(ValueError):
    """The event's data cannot become a request body (e.g. a lone UTF-16 surrogate is not UTF-8 text)."""


def _encode(document: dict) -> bytes:
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (ValueError, TypeError) as error:  # UnicodeEncodeError is a ValueError
        raise UnbuildableRequest(str(error)) from None


def build_dock_request(event_name: str, data: dict, delivery_id: str, secret: str, sent_at: datetime):
    """SocialDock's request: `X-SocialDock-Signature` is the bare hex HMAC-SHA256 of the raw body, as its page's
    verification code expects; the body carries the delivery id and the time of sending."""
    body = _encode({"id": delivery_id, "event": event_name, "created_at": utc_iso(sent_at), "data": data})
    headers = {
        "Content-Type": "application/json",
        "User-Agent": DOCK_USER_AGENT,
        "X-SocialDock-Event": event_name,
        "X-SocialDock-Delivery": delivery_id,
        DOCK_SIGNATURE_HEADER: dock_signature_for(secret, body),
    }
    return body, headers


def build_request(event_name: str, data: dict, delivery_id: str, secret: str, sent_at: datetime,
                  older_secrets: Sequence[str] = (), audience: str = SOCIALSCALR):
    """(body bytes, headers): both signatures cover exactly these bytes.

    `older_secrets` (a rotated-out secret in its overlap period) sign `webhook-signature` beside `secret`;
    `X-SocialScalr-Signature` keeps its documented single value, signed with `secret`.
    """
    if audience != SOCIALSCALR:
        return build_dock_request(event_name, data, delivery_id, secret, sent_at)
    try:
        body = json.dumps(
            {"event": event_name, "sentAt": utc_iso(sent_at), "apiVersion": API_VERSION, "data": data},
            separators=(",", ":"), ensure_ascii=False,
        ).encode("utf-8")
    except (ValueError, TypeError) as error:  # UnicodeEncodeError is a ValueError
        raise UnbuildableRequest(str(error)) from None
    timestamp = int(sent_at.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-SocialScalr-Event": event_name,
        "X-SocialScalr-Delivery": delivery_id,
        SIGNATURE_HEADER: signature_for(secret, body),
        "webhook-id": delivery_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signatures((secret, *older_secrets), delivery_id, timestamp, body),
    }
    return body, headers
