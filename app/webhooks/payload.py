"""The bytes and headers of one delivery attempt: the SocialScalr wire format plus Standard Webhooks headers."""

import json
from collections.abc import Sequence
from datetime import datetime

from app.common.fields import utc_iso
from app.webhooks.signing import SIGNATURE_HEADER, signature_for, standard_signatures

API_VERSION = "2024-12-18"
USER_AGENT = "SocialScalr-Webhooks/1.0 (+https://socialscalr.com)"


class UnbuildableRequest(ValueError):
    """The event's data cannot become a request body (e.g. a lone UTF-16 surrogate is not UTF-8 text)."""


def build_request(event_name: str, data: dict, delivery_id: str, secret: str, sent_at: datetime,
                  older_secrets: Sequence[str] = ()):
    """(body bytes, headers): both signatures cover exactly these bytes.

    `older_secrets` (a rotated-out secret in its overlap period) sign `webhook-signature` beside `secret`;
    `X-SocialScalr-Signature` keeps its documented single value, signed with `secret`.
    """
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
