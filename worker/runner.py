"""Running RQ workers: `socialscalr worker` in production, threads in embedded mode.

Every queue group (`app.queueing.QUEUE_GROUPS`) has workers of its own: a webhook
receiver that takes seconds to answer occupies a webhooks worker, never the engine's.
`socialscalr worker` supervises one RQ worker process per slot (restarting one
that dies; the engine's runs its jobs in process, the webhooks' fork one per job)
and runs the periodic ticker; embedded mode runs the same slots as threads on
the in-process fakeredis.
"""

import logging
import multiprocessing
import os
import signal
import threading
import time

from flask import Flask
from rq import Queue, SimpleWorker, Worker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from app import metrics
from app.extensions import db
from app.logging_setup import mark_work_horse
from app.queueing import QUEUE_GROUPS, QUEUE_NAMES, redis_connection
from worker.context import bind_app
from worker.periodic import Ticker
from worker.probe import ProbeServer

log = logging.getLogger(__name__)

# Worker slots per group. Two for webhooks: one endpoint is drained by one worker at a time, so a slow
# receiver leaves the other worker to everybody else.
DEFAULT_WORKERS = {"engine": 1, "webhooks": 2, "publishing": 1}
RESTART_PAUSE_SECONDS = 5.0


def _queues(connection, names) -> list[Queue]:
    return [Queue(name, connection=connection) for name in names]


def _slots(workers: dict[str, int]) -> list[str]:
    return [group for group, count in workers.items() for _ in range(count)]


class _Supervised:
    """A supervised worker: it stops on the SIGTERM the supervisor forwards (a first one lets the current job
    finish, a second one ends it, as RQ does) and ignores the SIGINT a terminal's Ctrl-C sends the whole
    process group, which the supervisor turns into that one SIGTERM."""

    def _install_signal_handlers(self):
        super()._install_signal_handlers()
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def main_work_horse(self, job, queue):
        # One horse at a time per worker: its metrics go to one file per worker, not one per job.
        metrics.identify_as_work_horse(os.getppid())
        mark_work_horse()
        super().main_work_horse(job, queue)


class _GroupWorker(_Supervised, Worker):
    """Forks a work horse per job."""


class _InProcessGroupWorker(_Supervised, SimpleWorker):
    """The engine's worker runs its jobs in its own process, without a fork per job. Its jobs are short (planning
    one account takes tens of milliseconds) and a fork with a fresh database connection cost 0.4-0.9 s each, so
    a pass over every account was mostly forking. Timeouts still end a job (SIGALRM, in this main thread); a job
    that kills the process takes the worker with it, and the supervisor starts another (the job is then
    retried or failed by RQ's registry clean-up, and lease expiry runs on the next periodic tick)."""


# Which worker class runs each group: webhook drains and platform uploads may block for seconds and keep a fork each.
GROUP_WORKER_CLASSES = {"engine": _InProcessGroupWorker, "webhooks": _GroupWorker, "publishing": _GroupWorker}


def group_worker(app: Flask, group: str):
    """The RQ worker a `socialscalr worker` process runs for a group (bench/planner.py drives the same one)."""
    connection = redis_connection(app)
    return GROUP_WORKER_CLASSES[group](_queues(connection, QUEUE_GROUPS[group]), connection=connection)


def _work_group(app: Flask, group: str, burst: bool) -> None:
    """A worker process's life: one RQ worker on its group's queues, with RQ's scheduler for them."""
    for signum in (signal.SIGTERM, signal.SIGINT):  # the supervisor's handlers do not belong here
        signal.signal(signum, signal.SIG_DFL)
    bind_app(app)
    with app.app_context():
        db.engine.dispose(close=False)  # the supervisor's probe may have pooled connections: they stay its own
    group_worker(app, group).work(burst=burst, with_scheduler=True)


def run_workers(app: Flask, workers: dict[str, int] | None = None, burst: bool = False,
                probe: tuple[str, int] | None = None) -> bool:
    """Supervise worker processes per queue group until SIGTERM/SIGINT (or, with burst, until the queues are
    empty); True when every worker process exited cleanly. `probe` (host, port) serves /healthz, /readyz and
    /metrics for this process (worker/probe.py).

    SIGTERM (a deploy) is passed on once to every worker process: each finishes the job it holds and exits
    (RQ's warm shutdown); a second SIGTERM more than a second later ends the jobs (cold shutdown)."""
    bind_app(app)
    slots = _slots(workers or DEFAULT_WORKERS)
    with app.app_context():
        db.engine.dispose()  # children must not inherit pooled connections
    context = multiprocessing.get_context("fork")
    stopping = threading.Event()

    def start(group: str):
        process = context.Process(target=_work_group, args=(app, group, burst), name=f"socialscalr-{group}")
        process.start()
        return process

    def stop(signum, frame):
        stopping.set()
        for process in running.values():
            if process.is_alive():
                process.terminate()  # SIGTERM: RQ's warm shutdown (a second one: cold, the job is ended)

    running: dict = {}
    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    running.update((index, start(group)) for index, group in enumerate(slots))
    ticker = None if burst else Ticker(redis_connection(app))
    if ticker:
        ticker.start()

    def process_states() -> dict[str, str]:
        states = {f"{group}-worker-{index}": "ok" if index in running and running[index].is_alive()
                  else ("stopping" if stopping.is_set() else "not running")
                  for index, group in enumerate(slots)}
        return states

    prober = ProbeServer(app, *probe, process_states).start() if probe else None
    clean = True
    try:
        while running:
            for index, process in list(running.items()):
                if process.is_alive():
                    continue
                process.join()
                clean = clean and process.exitcode == 0
                del running[index]
                if not burst and not stopping.is_set():
                    log.error("%s worker exited with %s; starting another", slots[index], process.exitcode)
                    if not stopping.wait(RESTART_PAUSE_SECONDS):
                        running[index] = start(slots[index])
            time.sleep(0.5)
    finally:
        if ticker:
            ticker.stop()
        if prober:
            prober.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return clean


class _ThreadWorker(SimpleWorker):
    """SimpleWorker runs jobs in its own thread; signals belong to the main thread, so it installs none
    and times jobs out with a timer instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


class _SchedulerThread(threading.Thread):
    """RQ's scheduler forks a process, which an in-process fakeredis cannot follow; run its loop here."""

    def __init__(self, connection):
        super().__init__(name="socialscalr-scheduler", daemon=True)
        self.scheduler = RQScheduler(list(QUEUE_NAMES), connection=connection)
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                self.scheduler.acquire_locks()
                self.scheduler.enqueue_scheduled_jobs()
            except Exception:
                log.exception("embedded scheduler tick failed")
            self.stopped.wait(1.0)

    def stop(self):
        self.stopped.set()


class EmbeddedWorkers:
    """Embedded mode: the worker slots of every group, RQ's scheduler and the periodic ticker, as daemon threads."""

    def __init__(self, app: Flask, workers: dict[str, int] | None = None):
        self.connection = redis_connection(app)
        self.workers = [(group, _ThreadWorker(_queues(self.connection, QUEUE_GROUPS[group]),
                                              connection=self.connection))
                        for group in _slots(workers or DEFAULT_WORKERS)]
        self.helpers = [_SchedulerThread(self.connection), Ticker(self.connection)]
        self.threads = [threading.Thread(target=worker.work, name=f"socialscalr-{group}", daemon=True)
                        for group, worker in self.workers]

    def start(self) -> "EmbeddedWorkers":
        for thread in [*self.threads, *self.helpers]:
            thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Let each worker finish its job and leave (tests; a serving process just exits)."""
        for helper in self.helpers:
            helper.stop()
        for group, worker in self.workers:
            worker._stop_requested = True
            # Wakes a worker blocked waiting for a job; it checks the stop request after this no-op.
            Queue(QUEUE_GROUPS[group][0], connection=self.connection).enqueue("os.getpid")
        for thread in [*self.threads, *self.helpers]:
            thread.join(timeout)


def start_embedded_worker(app: Flask) -> EmbeddedWorkers:
    bind_app(app)
    return EmbeddedWorkers(app).start()
