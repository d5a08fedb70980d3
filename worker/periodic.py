"""Periodic jobs: each is enqueued once per interval across every worker process, and never stacked.

RQ's CronScheduler enqueues from every process that runs it; with several
workers that multiplies the periodic work. A Redis `SET NX EX` per job and
interval makes exactly one process enqueue it, and whichever is alive does.

A job whose last run is still queued or running skips its turn: when its workers
are busy, the next run starts once the last one has ended, instead of a pile of
runs back to back. A run counts as running until its RQ timeout has passed (a
worker killed mid-run does not block the job for longer).
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from app.queueing import ENGINE_QUEUE, PUBLISHING_QUEUE, WEBHOOKS_QUEUE
from worker import engine_jobs, maintenance_jobs, socialdock_jobs, webhook_jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    func: Callable
    queue_name: str
    every_seconds: int

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__name__}"

    @property
    def timeout_seconds(self) -> int:
        return max(60, self.every_seconds * 4)


def registered_jobs() -> list[PeriodicJob]:
    """Every periodic job of the service; domains add theirs here."""

    return [
        PeriodicJob(engine_jobs.run_planner, ENGINE_QUEUE, every_seconds=60),
        PeriodicJob(engine_jobs.expire_action_leases, ENGINE_QUEUE, every_seconds=60),
        PeriodicJob(engine_jobs.archive_actions, ENGINE_QUEUE, every_seconds=3600),
        PeriodicJob(webhook_jobs.sweep, WEBHOOKS_QUEUE, every_seconds=5),
        PeriodicJob(maintenance_jobs.apply_retention, ENGINE_QUEUE, every_seconds=3600),
        PeriodicJob(socialdock_jobs.publish_due_targets, PUBLISHING_QUEUE, every_seconds=2),
        PeriodicJob(socialdock_jobs.publish_live_targets, PUBLISHING_QUEUE, every_seconds=5),
        PeriodicJob(socialdock_jobs.fetch_live_metrics, PUBLISHING_QUEUE, every_seconds=300),
        PeriodicJob(socialdock_jobs.forget_abandoned_connections, PUBLISHING_QUEUE, every_seconds=3600),
        PeriodicJob(maintenance_jobs.fold_lead_counts, ENGINE_QUEUE, every_seconds=60),
    ]


LAST_RUN_MEMORY_SECONDS = 24 * 3600


def interval_key(job: PeriodicJob) -> str:
    return f"socialscalr:periodic:{job.name}"


def _last_run_key(job: PeriodicJob) -> str:
    return f"socialscalr:periodic-last-run:{job.name}"


def _age(moment: datetime | None) -> timedelta:
    if moment is None:
        return timedelta(0)
    return datetime.now(UTC) - (moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _still_pending(connection, job: PeriodicJob) -> bool:
    """The job's last run is waiting in its queue, or started less than its timeout ago."""
    run_id = connection.get(_last_run_key(job))
    if run_id is None:
        return False
    try:
        run = Job.fetch(run_id.decode(), connection=connection)
        status = run.get_status()
    except NoSuchJobError:
        return False
    if status == JobStatus.QUEUED:
        if _age(run.enqueued_at) < timedelta(seconds=2 * job.every_seconds):
            return True
        # Queued for long: make sure it is really still in the queue (a worker may have died taking it).
        return Queue(job.queue_name, connection=connection).get_job_position(run.id) is not None
    if status == JobStatus.STARTED:
        return _age(run.started_at) < timedelta(seconds=run.timeout or job.timeout_seconds)
    return False


def enqueue_due(connection, jobs: list[PeriodicJob]) -> list[str]:
    """Enqueue every job whose interval is over and whose last run has ended; the names of those enqueued."""
    enqueued = []
    for job in jobs:
        if _still_pending(connection, job):
            continue
        if connection.set(interval_key(job), "1", nx=True, ex=job.every_seconds):
            run = Queue(job.queue_name, connection=connection).enqueue(job.func, job_timeout=job.timeout_seconds)
            connection.set(_last_run_key(job), run.id, ex=LAST_RUN_MEMORY_SECONDS)
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


