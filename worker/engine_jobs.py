"""Campaign engine jobs, run by RQ workers on the `engine` queue.

The periodic `run_planner` withdraws what can no longer go out, then queues the tick's work: the qualification of
new leads as one `qualify_job`, then one `plan_account_job` per account that may have work. A large team or a
slow account delays no other, more workers plan more accounts at once, and a job already waiting in the queue is
not queued again. The qualification goes first, so one worker runs everything in the old order (new leads
qualified, then planned); with more, accounts are planned while it runs, and when it is done it queues again the
accounts of the teams whose leads it queued that are not waiting in the queue any more (planned already, or
being planned), so the tick still plans every lead it qualified.
"""

import logging
import random

from app import clock
from app.actions.archive import ARCHIVE_BATCH, archive_finished_actions
from app.engine.assignment import accounts_with_work
from app.engine.execution import expire
from app.engine.planner import plan_account_safely, qualify_new_leads
from app.engine.withdrawals import withdraw_unusable_actions
from app.extensions import db
from app.queueing import ENGINE_QUEUE, get_queue, redis_connection
from worker.context import with_app_context

log = logging.getLogger(__name__)
# An account's plan job waits in the queue at most this long before another may be queued for it.
PLAN_JOB_TTL_SECONDS = 300
QUALIFY_QUEUED_KEY = "socialscalr:qualify-queued"


def _queued_key(account_id) -> str:
    return f"socialscalr:plan-queued:{account_id}"


@with_app_context
def run_planner() -> dict:
    """One planner tick: withdrawals here, then the qualification job and one job per account with work."""
    cancelled = withdraw_unusable_actions(clock.now())
    db.session.commit()
    connection, queue = redis_connection(), get_queue(ENGINE_QUEUE)
    qualifying = bool(connection.set(QUALIFY_QUEUED_KEY, "1", nx=True, ex=PLAN_JOB_TTL_SECONDS))
    if qualifying:
        queue.enqueue(qualify_job, job_timeout=120, result_ttl=60)
    enqueued = _queue_plans(connection, queue, accounts_with_work())
    db.session.commit()
    return {"cancelled": cancelled, "qualifying": qualifying, "accounts": enqueued}


def _queue_plans(connection, queue, account_ids) -> int:
    """One plan_account_job for each of these accounts not already waiting in the queue."""
    enqueued = 0
    for account_id in account_ids:
        if connection.set(_queued_key(account_id), "1", nx=True, ex=PLAN_JOB_TTL_SECONDS):
            queue.enqueue(plan_account_job, str(account_id), job_timeout=120, result_ttl=60)
            enqueued += 1
    return enqueued


@with_app_context
def qualify_job() -> dict:
    """new -> queued or skipped for a batch of new leads (one qualifier at a time: app.engine.planner), then a plan
    job for every account of the teams that got leads to plan and is not waiting in the queue already."""
    connection = redis_connection()
    connection.delete(QUALIFY_QUEUED_KEY)
    qualified = qualify_new_leads(clock.now())
    db.session.commit()
    accounts = accounts_with_work(qualified.team_ids) if qualified.team_ids else []
    db.session.commit()
    return {"queued": qualified.queued, "skipped": qualified.skipped,
            "accounts": _queue_plans(connection, get_queue(ENGINE_QUEUE), accounts)}


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
