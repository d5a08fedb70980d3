"""Running RQ workers: `socialscalr worker` in production, a thread in embedded mode."""

import logging
import threading

from flask import Flask
from rq import Queue, SimpleWorker, Worker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from app.queueing import QUEUE_NAMES, redis_connection
from worker.context import bind_app
from worker.periodic import Ticker

log = logging.getLogger(__name__)


def _queues(connection) -> list[Queue]:
    return [Queue(name, connection=connection) for name in QUEUE_NAMES]


def run_worker(app: Flask, burst: bool = False) -> bool:
    """A forking RQ worker with RQ's scheduler (for Retry intervals and enqueue_in) and the periodic ticker."""
    bind_app(app)
    connection = redis_connection(app)
    ticker = None
    if not burst:
        ticker = Ticker(connection)
        ticker.start()
    try:
        return Worker(_queues(connection), connection=connection).work(burst=burst, with_scheduler=True)
    finally:
        if ticker:
            ticker.stop()


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


def start_embedded_worker(app: Flask) -> list[threading.Thread]:
    """Embedded mode: the worker, RQ's scheduler and the periodic ticker as daemon threads of this process."""
    bind_app(app)
    connection = redis_connection(app)
    worker = _ThreadWorker(_queues(connection), connection=connection)
    threads = [
        threading.Thread(target=worker.work, name="socialscalr-worker", daemon=True),
        _SchedulerThread(connection),
        Ticker(connection),
    ]
    for thread in threads:
        thread.start()
    return threads
