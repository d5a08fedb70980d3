"""Webhook endpoints of a team: registration, secrets, the test send, the delivery log, redelivery."""

import base64
import secrets
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.clock import now as clock_now
from app.errors import ApiError
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.models.webhooks import SOCIALSCALR
from app.paging import Page, page_newest_first
from app.scoping import get_for_team, team_select
from app.webhooks.addresses import UnsafeUrl, resolve
from app.webhooks.claims import EndpointState
from app.webhooks.delivery import new_sender
from app.webhooks.outbox import ALL_EVENTS, event_names
from app.webhooks.outcomes import deactivate
from app.webhooks.payload import build_request
from app.webhooks.wakeups import wake_delivery

MAX_ENDPOINTS_PER_TEAM = 20
TEST_EVENT = "webhook.test"
SECRET_PREFIX = "whsec_"
DELIVERY_LOG_MAX = 200
# After a rotation the old secret keeps signing `webhook-signature`, beside the new one, this long.
ROTATION_OVERLAP = timedelta(hours=24)


def generate_secret() -> str:
    """32 random bytes in the Standard Webhooks format (`whsec_` + padded standard base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def normalize_events(events: list[str], audience: str = SOCIALSCALR) -> list[str]:
    known = event_names(audience)
    unknown = [name for name in events if name != ALL_EVENTS and name not in known]
    if unknown:
        raise ApiError(400, f"events: unknown event names: {', '.join(unknown)} "
                            f"(known: {', '.join(known)}, or {ALL_EVENTS} for all)")
    if not events:
        raise ApiError(400, "events: subscribe to at least one event (or * for all)")
    return [ALL_EVENTS] if ALL_EVENTS in events else list(dict.fromkeys(events))


def check_url(url: str) -> str:
    try:
        resolve(url, bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")))
    except UnsafeUrl as error:
        raise ApiError(400, f"url: {error}") from None
    return url


def _of_audience(team_id: uuid.UUID, audience: str, *columns):
    return team_select(WebhookEndpoint, team_id, *columns).where(WebhookEndpoint.audience == audience)


def create_endpoint(team_id: uuid.UUID, url: str, events: list[str], secret: str | None = None,
                    description: str | None = None, audience: str = SOCIALSCALR) -> WebhookEndpoint:
    """A new active endpoint (flushed, not committed); only this answer shows its secret.

    `audience`: our API's endpoints, or SocialDock's (each API sees and manages only its own)."""
    events = normalize_events(events, audience)
    check_url(url)
    count = db.session.scalar(_of_audience(team_id, audience, func.count(WebhookEndpoint.id)))
    if count >= MAX_ENDPOINTS_PER_TEAM:
        raise ApiError(409, f"a team has at most {MAX_ENDPOINTS_PER_TEAM} webhooks; delete one first")
    secret = secret or generate_secret()
    endpoint = WebhookEndpoint(team_id=team_id, url=url, events=events, secret=secret, description=description,
                               active=True, audience=audience)
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def list_endpoints(team_id: uuid.UUID, audience: str = SOCIALSCALR) -> list[WebhookEndpoint]:
    return db.session.scalars(_of_audience(team_id, audience).order_by(WebhookEndpoint.created_at)).all()


def get_endpoint(team_id: uuid.UUID, endpoint_id, audience: str = SOCIALSCALR,
                 for_update: bool = False) -> WebhookEndpoint:
    endpoint = get_for_team(WebhookEndpoint, team_id, endpoint_id, what="webhook", for_update=for_update)
    if endpoint.audience != audience:
        raise ApiError(404, "webhook not found")  # the other API's endpoint is not this API's to see
    return endpoint


def update_endpoint(team_id: uuid.UUID, endpoint_id, changes: dict) -> WebhookEndpoint:
    """Change url, events, description or active; deactivating gives up its pending deliveries."""
    endpoint = get_endpoint(team_id, endpoint_id, for_update=True)
    now = clock_now()
    if "events" in changes:
        endpoint.events = normalize_events(changes["events"])
    if "url" in changes:
        endpoint.url = check_url(changes["url"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if "active" in changes and changes["active"] != endpoint.active:
        if changes["active"]:
            endpoint.active, endpoint.deactivated_reason = True, None
            endpoint.failing_since = endpoint.last_failure_at = None
        else:
            deactivate(endpoint.id, "deactivated through the API", now)
            db.session.refresh(endpoint)
    endpoint.updated_at = now
    db.session.flush()
    return endpoint


def delete_endpoint(team_id: uuid.UUID, endpoint_id, audience: str = SOCIALSCALR) -> None:
    db.session.delete(get_endpoint(team_id, endpoint_id, audience))
    db.session.flush()


def rotate_secret(team_id: uuid.UUID, endpoint_id) -> WebhookEndpoint:
    """A new secret, used from the next delivery on and shown only in this answer; the old one keeps signing
    `webhook-signature` beside it for ROTATION_OVERLAP (a second rotation in that time drops the oldest)."""
    endpoint = get_endpoint(team_id, endpoint_id, for_update=True)
    now = clock_now()
    endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, now + ROTATION_OVERLAP
    endpoint.secret = generate_secret()
    endpoint.updated_at = now
    db.session.flush()
    return endpoint


def send_test(team_id: uuid.UUID, endpoint_id) -> dict:
    """Send a signed `webhook.test` event now (whatever the subscriptions) and report the endpoint's answer.

    Nothing is stored: it is not a delivery and is not retried.
    """
    endpoint = get_endpoint(team_id, endpoint_id)
    delivery_id = uuid.uuid4()
    data = {"webhookId": str(endpoint.id), "message": "This is a test event from SocialScalr."}
    now = clock_now()
    body, headers = build_request(TEST_EVENT, data, str(delivery_id), endpoint.secret, now,
                                  EndpointState.of(endpoint).older_secrets(now))
    sender = new_sender()
    try:
        outcome = sender.post(endpoint.url, body, headers)
    finally:
        sender.close()
    return {
        "event": TEST_EVENT, "deliveryId": delivery_id, "delivered": outcome.ok, "statusCode": outcome.status_code,
        "latencyMs": outcome.latency_ms, "responseBody": outcome.response_body, "error": outcome.error,
    }


def list_deliveries(team_id: uuid.UUID, endpoint_id, status: str | None = None, limit: int = 50) -> list:
    """The endpoint's deliveries, most recent first, each with its event name."""
    endpoint = get_endpoint(team_id, endpoint_id)
    statement = (
        team_select(WebhookDelivery, team_id, WebhookDelivery, WebhookEvent.name)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(min(limit, DELIVERY_LOG_MAX))
    )
    if status:
        statement = statement.where(WebhookDelivery.status == status)
    rows = db.session.execute(statement).all()
    for delivery, event_name in rows:
        delivery.event_name = event_name
    return [delivery for delivery, _ in rows]


def delivery_log_page(team_id: uuid.UUID, endpoint_id, before=None, after=None, size: int = 50) -> Page:
    """A page of the endpoint's delivery log, most recent first (each delivery with its event name): the `size`
    just older than delivery `before`, just newer than delivery `after`, or the most recent."""
    endpoint = get_endpoint(team_id, endpoint_id)
    anchor_id = after or before
    anchor = None if anchor_id is None else db.session.execute(
        team_select(WebhookDelivery, team_id, WebhookDelivery.created_at, WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.id == anchor_id)).first()
    statement = (
        team_select(WebhookDelivery, team_id, WebhookDelivery, WebhookEvent.name)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
    )
    page = page_newest_first(statement, (WebhookDelivery.created_at, WebhookDelivery.id), anchor,
                             after is not None, size)
    for delivery, event_name in page.rows:
        delivery.event_name = event_name
    page.rows = [delivery for delivery, _ in page.rows]
    return page


def redeliver(team_id: uuid.UUID, endpoint_id, delivery_id) -> WebhookDelivery:
    """Send a delivery again now, with the same delivery id and a fresh retry schedule; commits and wakes a worker."""
    endpoint = get_endpoint(team_id, endpoint_id)
    if not endpoint.active:
        raise ApiError(409, "webhook is not active; reactivate it (PATCH active=true) before redelivering")
    delivery = get_for_team(WebhookDelivery, team_id, delivery_id, what="delivery", for_update=True)
    if delivery.endpoint_id != endpoint.id:
        raise ApiError(404, "delivery not found")
    now = clock_now()
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    delivery.claimed_until = delivery.claim_token = None
    delivery.updated_at = now
    db.session.commit()
    wake_delivery(endpoint.id)
    delivery.event_name = db.session.scalar(select(WebhookEvent.name).where(WebhookEvent.id == delivery.event_id))
    return delivery
