"""Campaign engine jobs, run by RQ workers on the `engine` queue.

The periodic `run_planner` prepares a tick (withdrawals, qualification) and fans the accounts that may have
work out to one `plan_account_job` each: a large team or a slow account delays no other, more workers plan
more accounts at once, and an account already waiting in the queue is not queued again.
"""

import logging
import random

from app import clock
from app.actions.archive import ARCHIVE_BATCH, archive_finished_actions
from app.engine.assignment import accounts_with_work
from app.engine.execution import expire
from app.engine.planner import plan_account_safely, prepare_tick
from app.extensions import db
from app.queueing import ENGINE_QUEUE, get_queue, redis_connection
from worker.context import with_app_context

log = logging.getLogger(__name__)
# An account's plan job waits in the queue at most this long before another may be queued for it.
PLAN_JOB_TTL_SECONDS = 300


def _queued_key(account_id) -> str:
    return f"socialscalr:plan-queued:{account_id}"


@with_app_context
def run_planner() -> dict:
    """One planner tick: withdrawals and qualification here, then one job per account with work."""
    now = clock.now()
    report = prepare_tick(now)
    connection, queue = redis_connection(), get_queue(ENGINE_QUEUE)
    enqueued = 0
    for account_id in accounts_with_work():
        if connection.set(_queued_key(account_id), "1", nx=True, ex=PLAN_JOB_TTL_SECONDS):
            queue.enqueue(plan_account_job, str(account_id), job_timeout=120, result_ttl=60)
            enqueued += 1
    db.session.commit()
    return {"cancelled": report.cancelled, "queued": report.queued, "skipped": report.skipped,
            "accounts": enqueued}


@with_app_context
def plan_account_job(account_id: str) -> dict:
    """Plan one account now (under its lock; a second job for it at the same time plans nothing)."""
    redis_connection().delete(_queued_key(account_id))
    created = plan_account_safely(account_id, clock.now(), random.Random())
    return {"account": account_id, "created": created, "failed": created is None}


@with_app_context
def expire_action_leases() -> int:
    """Ended leases are expired even while no extension polls."""
    changed = expire(clock.now()).changed
    db.session.commit()
    return changed


@with_app_context
def archive_actions() -> int:
    """Hourly: finished actions older than every cap's window leave the hot table, a batch per transaction."""
    moved = 0
    while True:
        batch = archive_finished_actions(clock.now())
        db.session.commit()
        moved += batch
        if batch < ARCHIVE_BATCH:
            return moved
