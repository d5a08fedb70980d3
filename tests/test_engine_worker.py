"""The engine's worker runs its jobs in its own process (no fork per job: planning an account takes milliseconds,
a fork took most of a second) and still ends a job that overruns its timeout, then goes on with the next."""

from rq import Queue
from rq.job import JobStatus

from app.queueing import ENGINE_QUEUE, redis_connection
from tests.test_webhook_helpers import start_worker_process
from worker import engine_jobs


def test_the_engine_worker_runs_jobs_without_forking_and_still_times_them_out(pg_app):
    queue = Queue(ENGINE_QUEUE, connection=redis_connection(pg_app))
    first = queue.enqueue("os.getpid")
    stuck = queue.enqueue("time.sleep", 60, job_timeout=1)
    expiry = queue.enqueue(engine_jobs.expire_action_leases)
    second = queue.enqueue("os.getpid")

    worker = start_worker_process(pg_app, "--burst", "--queues", "engine")

    assert worker.wait(120) == 0
    assert first.return_value() == second.return_value()  # the same process ran both jobs
    assert stuck.get_status(refresh=True) == JobStatus.FAILED
    assert "JobTimeoutException" in stuck.latest_result().exc_string
    assert expiry.get_status(refresh=True) == JobStatus.FINISHED and expiry.return_value() == 0
