"""Wake-ups on Redis for the relay and the delivery jobs. The database stays the truth.

A wake-up that is already queued is not queued twice (a short-lived Redis key that the
job deletes when it starts); a lost wake-up only costs time until the next sweep. The
relay goes on the `webhooks` queue, which workers take before `webhook-deliveries`:
it never waits behind other endpoints' drains.
"""

import uuid
from datetime import datetime

from flask import current_app

from app.queueing import WEBHOOK_DELIVERIES_QUEUE, WEBHOOKS_QUEUE, get_queue, redis_connection
from app.webhooks.claims import CLAIM_SECONDS

RELAY_JOB = "worker.webhook_jobs.relay"
DELIVER_JOB = "worker.webhook_jobs.deliver_endpoint"
RELAY_KEY = "socialscalr:webhooks:relay-queued"
DRAIN_KEY = "socialscalr:webhooks:drain-queued:"
# A queued wake-up older than this is assumed lost and may be queued again.
WAKEUP_TTL_SECONDS = 30
RELAY_TIMEOUT_SECONDS = 180
# RQ stops a drain before its claims lapse: no second drain can start while the first still runs.
DRAIN_TIMEOUT_SECONDS = int(CLAIM_SECONDS)


def _enqueue_once(key: str, queue_name: str, timeout: int, func: str, *args) -> bool:
    connection = redis_connection(current_app)
    if not connection.set(key, "1", nx=True, ex=WAKEUP_TTL_SECONDS):
        return False
    get_queue(queue_name).enqueue(func, *args, job_timeout=timeout, result_ttl=60, failure_ttl=24 * 3600)
    return True


def wake_relay() -> bool:
    return _enqueue_once(RELAY_KEY, WEBHOOKS_QUEUE, RELAY_TIMEOUT_SECONDS, RELAY_JOB)


def wake_delivery(endpoint_id: uuid.UUID) -> bool:
    """A drain of this endpoint at the back of the delivery queue (after the endpoints already waiting)."""
    return _enqueue_once(DRAIN_KEY + str(endpoint_id), WEBHOOK_DELIVERIES_QUEUE, DRAIN_TIMEOUT_SECONDS,
                         DELIVER_JOB, str(endpoint_id))


def schedule_delivery(endpoint_id: uuid.UUID, at: datetime) -> None:
    """A wake-up at a retry's time, through RQ's scheduler (the workers run it)."""
    get_queue(WEBHOOK_DELIVERIES_QUEUE).enqueue_at(
        at, DELIVER_JOB, str(endpoint_id), job_timeout=DRAIN_TIMEOUT_SECONDS, result_ttl=60,
        failure_ttl=24 * 3600,
    )


def job_started(key: str) -> None:
    redis_connection(current_app).delete(key)


def relay_started() -> None:
    job_started(RELAY_KEY)


def delivery_started(endpoint_id) -> None:
    job_started(DRAIN_KEY + str(endpoint_id))
