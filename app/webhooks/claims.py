"""Claims: a worker owns a pending delivery until `claimed_until` before it sends it.

`status='pending' AND next_attempt_at <= now AND (claimed_until IS NULL OR claimed_until < now)`
-> `claimed_until = now + CLAIM_SECONDS, claim_token`. No send starts after DRAIN_BUDGET_SECONDS
of a job and each send ends within about TOTAL_TIMEOUT, so a claim outlives its job only when that
job's worker died; then the sweeper finds the row again once the claim has lapsed.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.clock import now as clock_now
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.scoping import team_select
from app.webhooks.transport import TOTAL_TIMEOUT

DRAIN_BUDGET_SECONDS = 60
CLAIM_SECONDS = DRAIN_BUDGET_SECONDS + 3 * TOTAL_TIMEOUT


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _unclaimed(now: datetime):
    return or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now)


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery, copied out of the session (rows expire at every commit)."""

    id: uuid.UUID
    attempts: int
    claim_token: uuid.UUID
    event_name: str
    event_data: dict


@dataclass
class EndpointState:
    id: uuid.UUID
    team_id: uuid.UUID
    url: str
    secret: str
    failing_since: datetime | None
    active: bool = True

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> "EndpointState":
        return cls(endpoint.id, endpoint.team_id, endpoint.url, endpoint.secret, endpoint.failing_since,
                   endpoint.active)


def claim_due(endpoint: EndpointState, limit: int) -> list[Claimed]:
    now = clock_now()
    token = uuid.uuid4()
    due = (
        team_select(WebhookDelivery, endpoint.team_id, WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now, _unclaimed(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
        .limit(limit)
    )
    if _is_postgres():
        due = due.with_for_update(skip_locked=True)
    ids = db.session.scalars(due).all()
    if not ids:
        db.session.rollback()
        return []
    # The WHERE repeats the conditions: on SQLite a concurrent claimer may have won some rows.
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending", _unclaimed(now))
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), claim_token=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookEvent.name, WebhookEvent.data)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.claim_token == token)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
    ).all()
    db.session.rollback()
    return [Claimed(row_id, attempts, token, name, data) for row_id, attempts, name, data in rows]


def release(deliveries: list[Claimed]) -> None:
    if not deliveries:
        return
    for delivery in deliveries:
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.claim_token == delivery.claim_token)
            .values(claimed_until=None, claim_token=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def endpoints_with_due_deliveries(limit: int = 1000) -> list[uuid.UUID]:
    """Active endpoints that have a due, unclaimed pending delivery (for the sweeper)."""
    now = clock_now()
    return db.session.scalars(
        select(WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now, _unclaimed(now),
               WebhookEndpoint.active.is_(True))
        .distinct()
        .limit(limit)
    ).all()
