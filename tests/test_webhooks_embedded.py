"""Embedded mode (no REDIS_URL, as `make dev` runs): the in-process worker threads deliver events."""

import threading

import pytest

from app import create_app
from app.extensions import db
from app.queueing import WEBHOOKS_QUEUE, get_queue
from tests.conftest import bearer, make_user
from tests.test_webhook_helpers import emit_committed, register, serve_receiver


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def _stop(threads):
    worker = threads[0]._target.__self__
    for thread in threads[1:]:
        thread.stopped.set()
    worker._stop_requested = True
    get_queue(WEBHOOKS_QUEUE).enqueue("os.getpid")  # wakes the worker from its blocking dequeue
    for thread in threads:
        thread.join(30)


def test_embedded_worker_threads_deliver_an_event(app, receiver):
    from worker.runner import start_embedded_worker

    db.session.remove()
    embedded = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": None,
        "WEBHOOKS_ALLOW_PRIVATE": True, "SECRET_KEY": "test",
    })
    with embedded.app_context():
        user, token = make_user()
        register(embedded.test_client(), bearer(token), receiver.url("/dev"))
        arrived = threading.Event()
        threads = start_embedded_worker(embedded)
        try:
            emit_committed(user.team_id, "lead.messaged")
            for _ in range(300):  # until it arrives (bounded, so a broken worker fails the test)
                if receiver.received("/dev"):
                    break
                arrived.wait(0.1)
        finally:
            _stop(threads)
            db.session.remove()
            db.engine.dispose()
    [request] = receiver.received("/dev")
    assert request["headers"]["X-SocialScalr-Event"] == "lead.messaged"
