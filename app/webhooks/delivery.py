"""Sending pending deliveries of one endpoint: claim, send, record, retry or give up.

A worker claims due rows in the database (`claimed_until`, `claim_token`) before sending,
so two workers never send the same delivery at once; a worker that dies mid-send leaves
a claim that lapses after CLAIM_SECONDS and the sweeper wakes another worker. Delivery is
at least once: a consumer drops duplicates by `X-SocialScalr-Delivery`.

Retries follow RETRY_DELAYS (exponential, with +-25% jitter; 8 attempts over about a day).
The next attempt time is stored on the row (`next_attempt_at`, the truth) and an RQ
scheduled job wakes the endpoint at that time; the sweeper covers a lost wake-up.
"""

import random
import time
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, update

from app.clock import now as clock_now
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.claims import DRAIN_BUDGET_SECONDS, Claimed, EndpointState, claim_due, release
from app.webhooks.payload import build_request
from app.webhooks.transport import PinnedSender, SendOutcome

MAX_ATTEMPTS = 8
RETRY_DELAYS = (
    timedelta(seconds=5), timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1),
    timedelta(hours=3), timedelta(hours=8), timedelta(hours=12),
)
JITTER = 0.25
MAX_RETRY_AFTER = timedelta(hours=12)
DEACTIVATE_AFTER_FAILING = timedelta(days=3)
CLAIM_BATCH = 50
SUCCESS_FLUSH_SECONDS = 1.0


def retry_delay(attempts_made: int, retry_after_seconds: int | None = None) -> timedelta:
    base = RETRY_DELAYS[min(attempts_made, len(RETRY_DELAYS)) - 1]
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after_seconds:
        delay = max(delay, min(timedelta(seconds=retry_after_seconds), MAX_RETRY_AFTER))
    return delay


def deactivate(endpoint_id: uuid.UUID, reason: str, now: datetime) -> None:
    """Stop delivering to an endpoint: it is inactive and its pending deliveries are given up (not committed)."""
    db.session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
        .values(active=False, deactivated_reason=reason[:300], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="failed", next_attempt_at=None, claimed_until=None, claim_token=None,
                last_error=f"endpoint deactivated: {reason}"[:500], updated_at=now)
        .execution_options(synchronize_session=False)
    )


def record_outcome(endpoint: EndpointState, delivery: Claimed, outcome: SendOutcome) -> datetime | None:
    """Store one attempt's result and commit; the next attempt's time when one is due later."""
    now = clock_now()
    attempts = delivery.attempts + 1
    values = {
        "attempts": attempts, "last_attempt_at": now, "last_status_code": outcome.status_code,
        "last_error": outcome.error, "last_response_body": outcome.response_body,
        "latency_ms": outcome.latency_ms, "claimed_until": None, "claim_token": None, "updated_at": now,
    }
    next_attempt = None
    if outcome.ok:
        values.update(status="delivered", delivered_at=now, next_attempt_at=None, last_error=None)
    elif outcome.status_code == 410 or attempts >= MAX_ATTEMPTS:
        values.update(status="failed", next_attempt_at=None)
    else:
        next_attempt = now + retry_delay(attempts, outcome.retry_after_seconds)
        values.update(next_attempt_at=next_attempt)
    if not outcome.ok and not values["last_error"]:
        values["last_error"] = f"endpoint answered HTTP {outcome.status_code}"
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.claim_token == delivery.claim_token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    failing_since = None if outcome.ok else (endpoint.failing_since or now)
    if failing_since != endpoint.failing_since:
        endpoint.failing_since = failing_since
        db.session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id).values(failing_since=failing_since)
            .execution_options(synchronize_session=False)
        )
    if outcome.status_code == 410:
        reason = "the endpoint answered 410 Gone"
    elif failing_since is not None and now - failing_since >= DEACTIVATE_AFTER_FAILING:
        reason = "every delivery failed for 3 days"
    else:
        reason = None
    if reason:
        deactivate(endpoint.id, reason, now)
        endpoint.active, next_attempt = False, None
    db.session.commit()
    return next_attempt


def send_one(sender: PinnedSender, endpoint, delivery_id, event_name: str, data: dict):
    body, headers = build_request(event_name, data, str(delivery_id), endpoint.secret, clock_now())
    return sender.post(endpoint.url, body, headers)


def new_sender() -> PinnedSender:
    return PinnedSender(allow_private=bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")))


_SUCCESS = (
    update(WebhookDelivery.__table__)
    .where(WebhookDelivery.__table__.c.id == bindparam("row_id"),
           WebhookDelivery.__table__.c.claim_token == bindparam("token"))
    .values(status="delivered", attempts=bindparam("attempts_made"), last_attempt_at=bindparam("at"),
            last_status_code=bindparam("code"), last_error=None, last_response_body=bindparam("body"),
            latency_ms=bindparam("latency"), delivered_at=bindparam("at"), next_attempt_at=None,
            claimed_until=None, claim_token=None, updated_at=bindparam("at"))
)


class _Successes:
    """Successful attempts, written in one transaction at least every SUCCESS_FLUSH_SECONDS and after each
    claimed batch: one commit per delivery would cost more than the HTTP request. A worker that dies
    before a flush leaves those rows claimed, and they are sent again once the claim lapses."""

    def __init__(self, endpoint: EndpointState):
        self.endpoint = endpoint
        self.rows: list[dict] = []
        self.flushed_at = time.monotonic()

    def add(self, delivery: Claimed, outcome: SendOutcome) -> None:
        self.rows.append({
            "row_id": delivery.id, "token": delivery.claim_token, "attempts_made": delivery.attempts + 1,
            "at": clock_now(), "code": outcome.status_code, "body": outcome.response_body,
            "latency": outcome.latency_ms,
        })
        if time.monotonic() - self.flushed_at >= SUCCESS_FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        self.flushed_at = time.monotonic()
        if not self.rows:
            return
        db.session.execute(_SUCCESS, self.rows)
        if self.endpoint.failing_since is not None:
            self.endpoint.failing_since = None
            db.session.execute(
                update(WebhookEndpoint).where(WebhookEndpoint.id == self.endpoint.id).values(failing_since=None)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        self.rows = []


def deliver_due(endpoint_id) -> dict:
    """Send this endpoint's due deliveries, oldest first, within DRAIN_BUDGET_SECONDS.

    The first failure ends the run (the rest waits: a dead endpoint must not hold a worker for
    minutes); whatever remains is left to the next wake-up. Returns counts and what to wake next.
    """
    started = time.monotonic()
    result = {"delivered": 0, "failed": 0, "more": False, "retry_at": None}
    row = db.session.get(WebhookEndpoint, uuid.UUID(str(endpoint_id)))
    if row is None or not row.active:
        db.session.rollback()
        return result
    endpoint = EndpointState.of(row)
    db.session.rollback()
    sender = new_sender()
    successes = _Successes(endpoint)
    try:
        while time.monotonic() - started < DRAIN_BUDGET_SECONDS:
            claimed = claim_due(endpoint, CLAIM_BATCH)
            if not claimed:
                return result
            for index, delivery in enumerate(claimed):
                if time.monotonic() - started >= DRAIN_BUDGET_SECONDS:
                    successes.flush()
                    release(claimed[index:])
                    result["more"] = True
                    return result
                outcome = send_one(sender, endpoint, delivery.id, delivery.event_name, delivery.event_data)
                if outcome.ok:
                    successes.add(delivery, outcome)
                    result["delivered"] += 1
                    continue
                successes.flush()
                result["failed"] += 1
                result["retry_at"] = record_outcome(endpoint, delivery, outcome)
                release(claimed[index + 1:])
                # Other rows that were due are still due: the sweeper wakes the endpoint again soon.
                return result
            successes.flush()
        result["more"] = True
        return result
    finally:
        sender.close()
        db.session.rollback()
