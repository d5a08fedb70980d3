"""The relay: committed outbox events become one delivery row per subscribed endpoint.

An active endpoint's row is pending. An inactive endpoint's row is recorded `failed` without
an attempt ("not sent: the webhook was inactive"), so the delivery log shows what was missed
and each such delivery can be redelivered once the endpoint is reactivated.

Idempotent: the unique (event_id, endpoint_id) pair and ON CONFLICT DO NOTHING make a
second relay of the same event a no-op, and on PostgreSQL concurrent relays skip each
other's rows (SKIP LOCKED). Only endpoints that existed when the event happened get it.
Events and their delivery log are kept RETENTION_WEBHOOK_EVENTS_DAYS, then pruned (app/privacy/retention.py).
"""

import uuid
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.clock import now as clock_now
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.models.types import new_id
from app.scoping import team_select
from app.webhooks.outbox import ALL_EVENTS

RELAY_BATCH = 500
INSERT_CHUNK = 200
INACTIVE_ERROR = "not sent: the webhook was inactive when the event happened; redeliver it after reactivating"


def is_subscribed(endpoint: WebhookEndpoint, event: WebhookEvent) -> bool:
    if endpoint.audience != event.audience:
        return False  # SocialDock's events never reach our API's endpoints, nor ours SocialDock's
    return ALL_EVENTS in endpoint.events or event.name in endpoint.events


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert_ignoring_duplicates(rows: list[dict]) -> None:
    insert = pg_insert if _is_postgres() else sqlite_insert
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = insert(WebhookDelivery).values(rows[start:start + INSERT_CHUNK])
        db.session.execute(statement.on_conflict_do_nothing(index_elements=["event_id", "endpoint_id"]))


def relay_pending_events(limit: int = RELAY_BATCH) -> tuple[int, set[uuid.UUID]]:
    """Relay up to `limit` unrelayed events and commit: (events relayed, endpoints with new deliveries)."""
    now = clock_now()
    statement = (
        select(WebhookEvent).where(WebhookEvent.relayed_at.is_(None)).order_by(WebhookEvent.created_at).limit(limit)
    )
    if _is_postgres():
        statement = statement.with_for_update(skip_locked=True)
    events = db.session.scalars(statement).all()
    if not events:
        db.session.rollback()
        return 0, set()
    endpoints_by_team: dict[uuid.UUID, list[WebhookEndpoint]] = {}
    rows = []
    for event in events:
        if event.team_id not in endpoints_by_team:
            endpoints_by_team[event.team_id] = db.session.scalars(team_select(WebhookEndpoint, event.team_id)).all()
        for endpoint in endpoints_by_team[event.team_id]:
            if is_subscribed(endpoint, event) and endpoint.created_at <= event.created_at:
                row = {"id": new_id(), "team_id": event.team_id, "event_id": event.id, "endpoint_id": endpoint.id,
                       "attempts": 0, "created_at": now, "updated_at": now}
                if endpoint.active:
                    row.update(status="pending", next_attempt_at=now, last_error=None)
                else:
                    row.update(status="failed", next_attempt_at=None, last_error=INACTIVE_ERROR)
                rows.append(row)
        event.relayed_at = now
    if rows:
        _insert_ignoring_duplicates(rows)
    db.session.commit()
    return len(events), {row["endpoint_id"] for row in rows if row["status"] == "pending"}


EVENT_RETENTION = timedelta(days=30)
PRUNE_BATCH = 1000


def prune_old_events(retention: timedelta = EVENT_RETENTION, limit: int = PRUNE_BATCH, now=None) -> int:
    """Delete events older than `retention` with their deliveries, once none is pending (retries end after about a
    day); commits. Returns how many events were deleted; the hourly retention job (app/privacy/retention.py) calls
    it until it returns less than `limit`.
    """
    cutoff = (now or clock_now()) - retention
    still_pending = select(WebhookDelivery.id).where(WebhookDelivery.event_id == WebhookEvent.id,
                                                     WebhookDelivery.status == "pending")
    ids = db.session.scalars(
        select(WebhookEvent.id).where(WebhookEvent.created_at < cutoff, WebhookEvent.relayed_at.is_not(None),
                                      ~still_pending.exists())
        .order_by(WebhookEvent.created_at).limit(limit)
    ).all()
    if ids:
        # Explicit, not ON DELETE CASCADE: SQLite enforces foreign keys only when asked to.
        db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
        db.session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
    db.session.commit()
    return len(ids)
