"""Wake-ups on Redis for the relay and the delivery jobs. The database stays the truth.

A wake-up that is already queued is not queued twice (a short-lived Redis key that the
job deletes when it starts); a lost wake-up only costs time until the next sweep.
"""

import uuid
from datetime import datetime

from flask import current_app

from app.queueing import WEBHOOKS_QUEUE, get_queue, redis_connection

RELAY_JOB = "worker.webhook_jobs.relay"
DELIVER_JOB = "worker.webhook_jobs.deliver_endpoint"
RELAY_KEY = "socialscalr:webhooks:relay-queued"
DRAIN_KEY = "socialscalr:webhooks:drain-queued:"
# A queued wake-up older than this is assumed lost and may be queued again.
WAKEUP_TTL_SECONDS = 30
JOB_TIMEOUT_SECONDS = 180


def _enqueue_once(key: str, func: str, *args) -> bool:
    connection = redis_connection(current_app)
    if not connection.set(key, "1", nx=True, ex=WAKEUP_TTL_SECONDS):
        return False
    get_queue(WEBHOOKS_QUEUE).enqueue(
        func, *args, job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=60, failure_ttl=24 * 3600,
    )
    return True


def wake_relay() -> bool:
    return _enqueue_once(RELAY_KEY, RELAY_JOB)


def wake_delivery(endpoint_id: uuid.UUID) -> bool:
    return _enqueue_once(DRAIN_KEY + str(endpoint_id), DELIVER_JOB, str(endpoint_id))


def schedule_delivery(endpoint_id: uuid.UUID, at: datetime) -> None:
    """A wake-up at a retry's time, through RQ's scheduler (the workers run it)."""
    get_queue(WEBHOOKS_QUEUE).enqueue_at(
        at, DELIVER_JOB, str(endpoint_id), job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=60, failure_ttl=24 * 3600,
    )


def job_started(key: str) -> None:
    redis_connection(current_app).delete(key)


def relay_started() -> None:
    job_started(RELAY_KEY)


def delivery_started(endpoint_id) -> None:
    job_started(DRAIN_KEY + str(endpoint_id))
