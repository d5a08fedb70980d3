"""Periodic jobs: each is enqueued once per interval across every worker process.

RQ's CronScheduler enqueues from every process that runs it; with several
workers that multiplies the periodic work. A Redis `SET NX EX` per job and
interval makes exactly one process enqueue it, and whichever is alive does.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from rq import Queue

from worker import maintenance_jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    func: Callable
    queue_name: str
    every_seconds: int

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__name__}"


def registered_jobs() -> list[PeriodicJob]:
    """Every periodic job of the service; domains add theirs here."""
    from app.queueing import ENGINE_QUEUE, WEBHOOKS_QUEUE
    from worker import engine_jobs, webhook_jobs

    return [
        PeriodicJob(engine_jobs.run_planner, ENGINE_QUEUE, every_seconds=60),
        PeriodicJob(engine_jobs.expire_action_leases, ENGINE_QUEUE, every_seconds=60),
        PeriodicJob(engine_jobs.archive_actions, ENGINE_QUEUE, every_seconds=3600),
        PeriodicJob(webhook_jobs.sweep, WEBHOOKS_QUEUE, every_seconds=5),
        PeriodicJob(webhook_jobs.prune, WEBHOOKS_QUEUE, every_seconds=3600),
        PeriodicJob(maintenance_jobs.purge_idempotency_keys, ENGINE_QUEUE, every_seconds=3600),
    ]


def enqueue_due(connection, jobs: list[PeriodicJob]) -> list[str]:
    enqueued = []
    for job in jobs:
        if connection.set(f"socialscalr:periodic:{job.name}", "1", nx=True, ex=job.every_seconds):
            Queue(job.queue_name, connection=connection).enqueue(job.func, job_timeout=max(60, job.every_seconds * 4))
            enqueued.append(job.name)
    return enqueued


class Ticker(threading.Thread):
    """A daemon thread that enqueues due periodic jobs about once a second."""

    def __init__(self, connection, jobs: list[PeriodicJob] | None = None, poll_seconds: float = 1.0):
        super().__init__(name="socialscalr-ticker", daemon=True)
        self.connection = connection
        self.jobs = registered_jobs() if jobs is None else jobs
        self.poll_seconds = poll_seconds
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                enqueue_due(self.connection, self.jobs)
            except Exception:  # a Redis blip must not kill the ticker; the next tick retries
                log.exception("periodic enqueue failed")
            self.stopped.wait(self.poll_seconds)

    def stop(self):
        self.stopped.set()


