"""Recording what an attempt came to: delivered, retry later, given up, or the endpoint deactivated.

Retries follow RETRY_DELAYS (exponential, with +-25% jitter; 8 attempts over about a day).
The next attempt time is stored on the row (`next_attempt_at`, the truth).

An endpoint is deactivated after 3 days in which every attempt failed: `failing_since` is
the first failure of the current run of failures. A success ends the run, and so does a
quiet spell: a failure that follows more than QUIET_SPELL without any failed attempt starts
a new run (retries of a failing endpoint are never further apart than about 15 hours, so a
longer gap means there was nothing to send, not that the endpoint kept failing).
"""

import random
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update

from app import metrics
from app.clock import now as clock_now
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.claims import Claimed, EndpointState
from app.webhooks.transport import SendOutcome

MAX_ATTEMPTS = 8
RETRY_DELAYS = (
    timedelta(seconds=5), timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1),
    timedelta(hours=3), timedelta(hours=8), timedelta(hours=12),
)
JITTER = 0.25
MAX_RETRY_AFTER = timedelta(hours=12)
DEACTIVATE_AFTER_FAILING = timedelta(days=3)
QUIET_SPELL = timedelta(hours=24)
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


def _count_failure(endpoint: EndpointState, now: datetime) -> None:
    """One more failed attempt in the endpoint's current run of failures, or the first of a new run."""
    quiet = endpoint.last_failure_at is None or now - endpoint.last_failure_at > QUIET_SPELL
    if endpoint.failing_since is None or quiet:
        endpoint.failing_since = now
    endpoint.last_failure_at = now
    db.session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id)
        .values(failing_since=endpoint.failing_since, last_failure_at=now, updated_at=WebhookEndpoint.updated_at)
        .execution_options(synchronize_session=False)
    )


def record_outcome(endpoint: EndpointState, delivery: Claimed, outcome: SendOutcome) -> datetime | None:
    """Store one attempt's result and commit; the next attempt's time when one is due later.

    An unsendable request (`outcome.unsendable`) fails the delivery at once and says nothing about the endpoint.
    """
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
    elif outcome.unsendable or outcome.status_code == 410 or attempts >= MAX_ATTEMPTS:
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
    _count_attempt(delivery, outcome, values, now)
    reason = None
    if outcome.ok and endpoint.failing_since is not None:
        endpoint.failing_since = None
        db.session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id)
            .values(failing_since=None, updated_at=WebhookEndpoint.updated_at)
            .execution_options(synchronize_session=False)
        )
    elif not outcome.ok and not outcome.unsendable:
        _count_failure(endpoint, now)
        if outcome.status_code == 410:
            reason = "the endpoint answered 410 Gone"
        elif now - endpoint.failing_since >= DEACTIVATE_AFTER_FAILING:
            reason = "every delivery failed for 3 days"
    if reason:
        deactivate(endpoint.id, reason, now)
        endpoint.active, next_attempt = False, None
    db.session.commit()
    return next_attempt


def _count_attempt(delivery: Claimed, outcome: SendOutcome, values: dict, now: datetime) -> None:
    if outcome.ok:
        metrics.webhook_attempted("delivered", delivery.lag_seconds(now))
    elif outcome.unsendable:
        metrics.webhook_attempted("unsendable")
    else:
        metrics.webhook_attempted("failed" if values.get("status") == "failed" else "retrying")


_SUCCESS = (
    update(WebhookDelivery.__table__)
    .where(WebhookDelivery.__table__.c.id == bindparam("row_id"),
           WebhookDelivery.__table__.c.claim_token == bindparam("token"))
    .values(status="delivered", attempts=bindparam("attempts_made"), last_attempt_at=bindparam("at"),
            last_status_code=bindparam("code"), last_error=None, last_response_body=bindparam("body"),
            latency_ms=bindparam("latency"), delivered_at=bindparam("at"), next_attempt_at=None,
            claimed_until=None, claim_token=None, updated_at=bindparam("at"))
)


class SuccessBatch:
    """Successful attempts, written in one transaction at least every SUCCESS_FLUSH_SECONDS and after each
    claimed batch: one commit per delivery would cost more than the HTTP request. A worker that dies
    before a flush leaves those rows claimed, and they are sent again once the claim lapses."""

    def __init__(self, endpoint: EndpointState):
        self.endpoint = endpoint
        self.rows: list[dict] = []
        self.lags: list[float | None] = []
        self.flushed_at = time.monotonic()

    def add(self, delivery: Claimed, outcome: SendOutcome) -> None:
        self.rows.append({
            "row_id": delivery.id, "token": delivery.claim_token, "attempts_made": delivery.attempts + 1,
            "at": clock_now(), "code": outcome.status_code, "body": outcome.response_body,
            "latency": outcome.latency_ms,
        })
        self.lags.append(delivery.lag_seconds(clock_now()))
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
                update(WebhookEndpoint).where(WebhookEndpoint.id == self.endpoint.id)
                .values(failing_since=None, updated_at=WebhookEndpoint.updated_at)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        for lag in self.lags:
            metrics.webhook_attempted("delivered", lag)
        self.rows, self.lags = [], []
