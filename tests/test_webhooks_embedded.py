"""Embedded mode (no REDIS_URL, as `make dev` runs): the in-process worker threads deliver events, and the
engine's jobs have a worker of their own there too."""

import threading
from contextlib import contextmanager

import pytest
from rq.job import JobStatus
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import WebhookDelivery
from app.queueing import ENGINE_QUEUE, get_queue
from tests.conftest import bearer, make_user
from tests.test_webhook_helpers import emit_committed, register, serve_receiver


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


@contextmanager
def _embedded(app, receiver, path: str):
    """An embedded app (fakeredis) on the test's database with one registered endpoint and its worker threads."""
    from worker.runner import start_embedded_worker

    db.session.remove()
    embedded = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": None,
        "WEBHOOKS_ALLOW_PRIVATE": True, "SECRET_KEY": "test",
    })
    with embedded.app_context():
        user, token = make_user()
        register(embedded.test_client(), bearer(token), receiver.url(path))
        workers = start_embedded_worker(embedded)
        try:
            yield user
        finally:
            receiver.release.set()
            workers.stop()
            db.session.remove()
            db.engine.dispose()


def _wait_until(condition, seconds: float = 30) -> bool:
    """Polls `condition` (bounded, so a broken worker fails the test instead of hanging it)."""
    pause = threading.Event()
    for _ in range(int(seconds * 10)):
        if condition():
            return True
        pause.wait(0.1)
    return condition()


def test_embedded_worker_threads_deliver_an_event(app, receiver):
    with _embedded(app, receiver, "/dev") as user:
        emit_committed(user.team_id, "lead.messaged")
        _wait_until(lambda: receiver.received("/dev"))
    [request] = receiver.received("/dev")
    assert request["headers"]["X-SocialScalr-Event"] == "lead.messaged"


def test_embedded_engine_jobs_run_while_a_webhook_request_hangs(app, receiver):
    receiver.hold_next("/hanging")
    with _embedded(app, receiver, "/hanging") as user:
        emit_committed(user.team_id, "lead.invited")
        assert receiver.arrived.wait(30), "the embedded worker never sent the delivery"
        planner_tick = get_queue(ENGINE_QUEUE).enqueue("worker.engine_jobs.run_planner")
        assert _wait_until(lambda: planner_tick.get_status() == JobStatus.FINISHED)
        # The hanging attempt (given up after about 10 s) was not over yet when the planner had run.
        assert db.session.scalar(select(WebhookDelivery.attempts)) == 0, "the planner waited for the webhook"
        db.session.rollback()
