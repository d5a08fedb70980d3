"""The bytes and headers of one delivery attempt, in the SocialScalr wire format."""

import json
from datetime import datetime

from app.common.fields import utc_iso
from app.webhooks.signing import SIGNATURE_HEADER, signature_for

API_VERSION = "2024-12-18"
USER_AGENT = "SocialScalr-Webhooks/1.0 (+https://socialscalr.com)"


def build_request(event_name: str, data: dict, delivery_id: str, secret: str, sent_at: datetime):
    """(body bytes, headers): the signature covers exactly these bytes."""
    body = json.dumps(
        {"event": event_name, "sentAt": utc_iso(sent_at), "apiVersion": API_VERSION, "data": data},
        separators=(",", ":"), ensure_ascii=False,
    ).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-SocialScalr-Event": event_name,
        "X-SocialScalr-Delivery": delivery_id,
        SIGNATURE_HEADER: signature_for(secret, body),
    }
    return body, headers
