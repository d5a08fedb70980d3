"""Fair workers: one endpoint at a time, a slow receiver delays neither the engine nor other teams, and
periodic jobs skip a turn rather than pile up. Real `socialscalr worker` processes on the real Redis."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, Worker
from rq.job import Job, JobStatus

from app.extensions import db
from app.queueing import ENGINE_QUEUE, WEBHOOKS_QUEUE, redis_connection
from app.webhooks.outbox import emit
from tests.conftest import bearer, make_user
from tests.test_webhook_helpers import (
    body_of,
    deliveries,
    emit_committed,
    register,
    run_worker,
    serve_receiver,
    start_worker_process,
    stop_worker_process,
)
from worker import engine_jobs, webhook_jobs
from worker.periodic import PeriodicJob, enqueue_due, interval_key

PLANNER = "worker.engine_jobs.run_planner"
SWEEP = "worker.webhook_jobs.sweep"


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def test_a_second_drain_for_the_same_endpoint_waits_for_the_first(app, client, auth, user_and_token, receiver):
    hook = register(client, auth, receiver.url("/one"))
    team_id = user_and_token[0].team_id
    receiver.hold_next("/one")
    emit_committed(team_id, "lead.invited", {"lead": {"name": "first"}})
    worker = start_worker_process(app, "--burst")
    try:
        assert receiver.arrived.wait(60), "the worker never sent the first delivery"
        emit_committed(team_id, "lead.invited", {"lead": {"name": "second"}})
        run_worker(app)  # relays the second event and runs a drain for the same endpoint, while the first is held
        assert [body_of(r)["data"]["lead"]["name"] for r in receiver.received("/one")] == ["first"]
    finally:
        receiver.release.set()
        worker.wait(120)
    run_worker(app)  # whatever the first drain handed over

    assert [body_of(r)["data"]["lead"]["name"] for r in receiver.received("/one")] == ["first", "second"]
    assert receiver.max_in_flight == 1
    assert {d["status"] for d in deliveries(client, auth, hook["id"])} == {"delivered"}


def _ended(job: Job):
    job.refresh()
    ended = job.ended_at
    return ended.replace(tzinfo=UTC) if ended and ended.tzinfo is None else ended


def test_a_slow_receiver_delays_neither_planner_ticks_nor_another_teams_deliveries(pg_app, receiver):
    client = pg_app.test_client()
    (alice, alice_token), (bob, bob_token) = make_user(), make_user()
    alice_team, bob_team = alice.team_id, bob.team_id
    register(client, bearer(alice_token), receiver.url("/slow"))
    register(client, bearer(bob_token), receiver.url("/bob"))
    receiver.delays["/slow"] = 2.0
    for number in range(8):  # a backlog: 16 s of the slow receiver's time
        emit(alice_team, "lead.invited", {"lead": {"name": f"Alice's lead {number}"}})
    db.session.commit()
    connection = redis_connection(pg_app)
    engine_queue = Queue(ENGINE_QUEUE, connection=connection)
    control_queue = Queue(WEBHOOKS_QUEUE, connection=connection)
    planner_ticks: list[Job] = []
    most_sweeps_queued = 0
    bob_emitted = False
    pause = threading.Event()

    worker = start_worker_process(pg_app)
    try:
        for _ in range(900):  # until 6 slow requests arrived (bounded, so a stuck worker fails the test)
            slow = receiver.received("/slow")
            if len(slow) >= 6:
                break
            if len(slow) > len(planner_ticks):  # a planner tick while each slow request is in progress
                planner_ticks.append(engine_queue.enqueue(engine_jobs.run_planner))
            if slow and not bob_emitted:  # Bob's event happens while Alice's backlog is being sent
                emit_committed(bob_team, "lead.messaged", {"lead": {"name": "Bob's lead"}})
                bob_emitted = True
            queued = [job.func_name for job in control_queue.get_jobs()]
            most_sweeps_queued = max(most_sweeps_queued, queued.count(SWEEP))
            pause.wait(0.1)
    finally:
        stop_worker_process(worker)

    slow = receiver.received("/slow")
    assert len(slow) >= 6, "the slow receiver's backlog did not progress"
    for index, tick in enumerate(planner_ticks[:3]):  # each tick ran while the backlog was still being sent
        ended = _ended(tick)
        assert ended is not None and ended < slow[index + 3]["at"], f"planner tick {index} waited for webhooks"
    [bobs] = receiver.received("/bob")
    assert bobs["at"] < slow[3]["at"], "another team's delivery waited for the slow receiver's backlog"
    assert most_sweeps_queued <= 1


def test_a_periodic_job_is_not_enqueued_again_while_its_last_run_is_queued_or_running(app):
    connection = redis_connection(app)
    planner = PeriodicJob(engine_jobs.run_planner, ENGINE_QUEUE, every_seconds=60)
    engine_queue = Queue(ENGINE_QUEUE, connection=connection)

    assert enqueue_due(connection, [planner]) == [PLANNER]
    connection.delete(interval_key(planner))  # its interval is over, but the last run has not even started
    assert enqueue_due(connection, [planner]) == []
    assert engine_queue.count == 1

    [queued] = engine_queue.get_jobs()
    queued.set_status(JobStatus.STARTED)  # now running
    engine_queue.remove(queued)
    assert enqueue_due(connection, [planner]) == []

    db.session.remove()
    db.engine.dispose()
    queued.set_status(JobStatus.QUEUED)
    engine_queue.enqueue_job(queued)
    Worker([engine_queue], connection=connection).work(burst=True)
    assert Job.fetch(queued.id, connection=connection).get_status() == JobStatus.FINISHED
    assert enqueue_due(connection, [planner]) == [PLANNER]  # finished: the next run is due at once
    assert engine_queue.count == 1


def test_a_periodic_run_whose_worker_died_stops_blocking_after_its_timeout(app):
    connection = redis_connection(app)
    sweep = PeriodicJob(webhook_jobs.sweep, WEBHOOKS_QUEUE, every_seconds=5)
    assert enqueue_due(connection, [sweep]) == [SWEEP]
    queue = Queue(WEBHOOKS_QUEUE, connection=connection)
    [job] = queue.get_jobs()
    queue.remove(job)
    job.set_status(JobStatus.STARTED)
    connection.delete(interval_key(sweep))
    assert enqueue_due(connection, [sweep]) == []  # started a moment ago: still running

    job.started_at = datetime.now(UTC) - timedelta(seconds=job.timeout + 1)  # its worker was killed long ago
    job.save()
    assert enqueue_due(connection, [sweep]) == [SWEEP]


def test_worker_queues_option_runs_only_that_group(app, client, auth, user_and_token, receiver):
    register(client, auth, receiver.url("/later"))
    emit_committed(user_and_token[0].team_id)  # wakes the relay on the webhooks queue
    connection = redis_connection(app)
    planner_tick = Queue(ENGINE_QUEUE, connection=connection).enqueue(engine_jobs.run_planner)

    worker = start_worker_process(app, "--burst", "--queues", "engine")
    assert worker.wait(120) == 0
    assert planner_tick.get_status() == JobStatus.FINISHED
    assert Queue(WEBHOOKS_QUEUE, connection=connection).count == 1 and receiver.received() == []

    worker = start_worker_process(app, "--burst", "--queues", "webhooks")
    assert worker.wait(120) == 0
    assert len(receiver.received("/later")) == 1
