"""Claims: a drain owns its endpoint, and each pending delivery it sends, for a bounded time.

The endpoint: `drain_until IS NULL OR drain_until < now` -> `drain_until = now + CLAIM_SECONDS,
drain_token`, so one drain at a time sends to an endpoint (one request in flight).
Each delivery: `status='pending' AND next_attempt_at <= now AND (claimed_until IS NULL OR
claimed_until < now)` -> `claimed_until = now + CLAIM_SECONDS, claim_token`.
No send starts after DRAIN_BUDGET_SECONDS of a drain and each send ends within about
TOTAL_TIMEOUT, so a claim outlives its drain only when that drain's worker died; then the
sweeper finds the rows again once the claims have lapsed.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update

from app.clock import now as clock_now
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.models.webhooks import SOCIALSCALR
from app.scoping import team_select
from app.webhooks.transport import TOTAL_TIMEOUT

# A drain hands over (re-enqueued at the back of the queue) after this long, so endpoints take turns.
DRAIN_BUDGET_SECONDS = 5
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
    # When the event was committed (for the commit-to-delivery lag metric).
    event_created_at: datetime | None = None

    def lag_seconds(self, now: datetime) -> float | None:
        if self.event_created_at is None:
            return None
        created = self.event_created_at
        return (now - (created if created.tzinfo else created.replace(tzinfo=UTC))).total_seconds()


@dataclass
class EndpointState:
    id: uuid.UUID
    team_id: uuid.UUID
    url: str
    secret: str
    failing_since: datetime | None
    active: bool = True
    last_failure_at: datetime | None = None
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    audience: str = SOCIALSCALR  # which wire format its requests take

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> "EndpointState":
        return cls(endpoint.id, endpoint.team_id, endpoint.url, endpoint.secret, endpoint.failing_since,
                   endpoint.active, endpoint.last_failure_at, endpoint.previous_secret,
                   endpoint.previous_secret_expires_at, endpoint.audience or SOCIALSCALR)

    def older_secrets(self, now: datetime) -> tuple[str, ...]:
        """A rotated-out secret that still signs beside the current one."""
        expires = self.previous_secret_expires_at
        return (self.previous_secret,) if self.previous_secret and expires and now < expires else ()


def acquire_drain(endpoint: EndpointState) -> uuid.UUID | None:
    """Own the endpoint for one drain (commits); None while another live drain owns it."""
    now = clock_now()
    token = uuid.uuid4()
    taken = db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id, WebhookEndpoint.team_id == endpoint.team_id,
               WebhookEndpoint.active.is_(True),
               or_(WebhookEndpoint.drain_until.is_(None), WebhookEndpoint.drain_until < now))
        # updated_at is the customer's "last changed": a drain is not a change.
        .values(drain_token=token, drain_until=now + timedelta(seconds=CLAIM_SECONDS),
                updated_at=WebhookEndpoint.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return token if taken == 1 else None


def release_drain(endpoint: EndpointState, token: uuid.UUID) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id, WebhookEndpoint.drain_token == token)
        .values(drain_token=None, drain_until=None, updated_at=WebhookEndpoint.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def has_due(endpoint: EndpointState) -> bool:
    now = clock_now()
    found = db.session.scalar(
        team_select(WebhookDelivery, endpoint.team_id, WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now, _unclaimed(now))
        .limit(1)
    )
    db.session.rollback()
    return found is not None


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
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookEvent.name, WebhookEvent.data,
               WebhookEvent.created_at)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.claim_token == token)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
    ).all()
    db.session.rollback()
    return [Claimed(row_id, attempts, token, name, data, created_at)
            for row_id, attempts, name, data, created_at in rows]


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
