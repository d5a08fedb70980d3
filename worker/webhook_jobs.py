"""Webhook jobs: the relay, the sweeper and pruning on the `webhooks` queue; per-endpoint drains on
`webhook-deliveries` (see app.webhooks.wakeups)."""

import functools
import os

from app.extensions import db
from app.webhooks.claims import endpoints_with_due_deliveries
from app.webhooks.delivery import deliver_due
from app.webhooks.relay import relay_pending_events
from app.webhooks.wakeups import delivery_started, relay_started, schedule_delivery, wake_delivery, wake_relay
from worker.context import with_app_context

_parent_pid = os.getpid()


def _webhook_job(func):
    """An app-context job that never shares a database connection with the process it was forked from.

    RQ's Worker forks a work horse per job: connections the parent had pooled belong to the parent.
    """

    @functools.wraps(func)
    @with_app_context
    def wrapper(*args, **kwargs):

        forked = os.getpid() != _parent_pid
        if forked:
            db.session.registry.clear()
            db.engine.dispose(close=False)
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()
            if forked:
                db.engine.dispose()

    return wrapper


@_webhook_job
def relay() -> dict:
    """Turn committed events into delivery rows, then wake a delivery job per endpoint concerned."""

    relay_started()
    relayed, endpoint_ids = relay_pending_events()
    for endpoint_id in endpoint_ids:
        wake_delivery(endpoint_id)
    if relayed and relayed >= 500:
        wake_relay()  # a backlog: keep going in a fresh job
    return {"relayed": relayed, "endpoints": len(endpoint_ids)}


@_webhook_job
def deliver_endpoint(endpoint_id: str) -> dict:
    """Send one endpoint's due deliveries; schedule the wake-up for its next retry."""

    delivery_started(endpoint_id)
    result = deliver_due(endpoint_id)
    if result["more"]:
        wake_delivery(endpoint_id)
    if result["retry_at"] is not None:
        schedule_delivery(endpoint_id, result["retry_at"])
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in result.items()}


@_webhook_job
def sweep() -> dict:
    """The safety net: relay whatever no wake-up relayed, and wake every endpoint with due, unclaimed deliveries.

    Recovers from a Redis flush, a worker killed mid-job (its claims lapse) and a crash between
    a commit and its wake-up.
    """

    relayed_total = 0
    while True:
        relayed, _ = relay_pending_events()
        relayed_total += relayed
        if relayed < 500:
            break
    return {"relayed": relayed_total, "woken": wake_due_endpoints(endpoints_with_due_deliveries())}


def wake_due_endpoints(endpoint_ids) -> int:

    return sum(1 for endpoint_id in endpoint_ids if wake_delivery(endpoint_id))
