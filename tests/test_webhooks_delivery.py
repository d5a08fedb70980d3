"""Delivery end to end: real receiver on 127.0.0.1, real RQ workers on the real Redis, both databases."""

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Queue
from sqlalchemy import func, select

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.queueing import WEBHOOKS_QUEUE, redis_connection
from app.webhooks.signing import verify_signature
from tests.conftest import TEST_REDIS_URL, bearer, make_user
from tests.test_webhook_helpers import (
    body_of,
    deliveries,
    emit_committed,
    register,
    run_worker,
    serve_receiver,
    sweep,
    use_manual_clock,
)


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def test_delivery_is_signed_over_the_exact_bytes_in_the_documented_format(app, client, auth, user_and_token,
                                                                         receiver):
    hook = register(client, auth, receiver.url("/hook"), events=["lead.invited"])
    emit_committed(user_and_token[0].team_id, "lead.invited", {"lead": {"name": "Ada Lovelace", "city": "Zürich"}})
    run_worker(app)

    [request] = receiver.received("/hook")
    raw, headers = request["body"], request["headers"]
    expected = "sha256=" + hmac.new(hook["secret"].encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-SocialScalr-Signature"] == expected
    assert verify_signature(hook["secret"], raw, headers["X-SocialScalr-Signature"])
    assert not verify_signature("another-secret-123456", raw, headers["X-SocialScalr-Signature"])
    assert not verify_signature(hook["secret"], raw.replace(b"Ada", b"Eve"), headers["X-SocialScalr-Signature"])
    body = json.loads(raw)
    assert list(body) == ["event", "sentAt", "apiVersion", "data"]
    assert body["event"] == "lead.invited" and body["apiVersion"] == "2024-12-18"
    assert body["sentAt"].endswith("Z") and body["data"] == {"lead": {"name": "Ada Lovelace", "city": "Zürich"}}
    assert headers["Content-Type"] == "application/json"
    assert headers["X-SocialScalr-Event"] == "lead.invited"
    assert "SocialScalr" in headers["User-Agent"]
    [logged] = deliveries(client, auth, hook["id"])
    assert logged["id"] == headers["X-SocialScalr-Delivery"]
    assert logged["status"] == "delivered" and logged["attempts"] == 1 and logged["lastStatusCode"] == 200
    assert logged["event"] == "lead.invited" and logged["latencyMs"] is not None and logged["nextAttemptAt"] is None


def test_retries_after_500s_then_succeeds_with_one_delivery_id(app, client, auth, user_and_token, receiver):
    clock = use_manual_clock(app)
    hook = register(client, auth, receiver.url("/flaky"))
    receiver.script("/flaky", 500, 502, 200)
    emit_committed(user_and_token[0].team_id)

    run_worker(app)
    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "pending" and logged["attempts"] == 1 and logged["lastStatusCode"] == 500
    assert logged["nextAttemptAt"] is not None
    run_worker(app)  # not due yet: nothing is sent early
    assert len(receiver.received("/flaky")) == 1

    for advance in (timedelta(minutes=1), timedelta(minutes=3)):
        clock.advance(seconds=advance.total_seconds())
        sweep(app)
        run_worker(app)

    requests = receiver.received("/flaky")
    assert len(requests) == 3
    assert len({r["headers"]["X-SocialScalr-Delivery"] for r in requests}) == 1
    for request in requests:  # each attempt is signed over its own bytes (sentAt changes)
        assert verify_signature(hook["secret"], request["body"], request["headers"]["X-SocialScalr-Signature"],
                                tolerance_seconds=None)
    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "delivered" and logged["attempts"] == 3 and logged["lastStatusCode"] == 200


def test_worker_killed_mid_delivery_and_the_event_is_still_delivered(app, client, auth, user_and_token, receiver):
    hook = register(client, auth, receiver.url("/slow"))
    receiver.hold_next("/slow")
    emit_committed(user_and_token[0].team_id)
    db.session.remove()
    db.engine.dispose()

    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": TEST_REDIS_URL,
           "WEBHOOKS_ALLOW_PRIVATE": "1"}
    command = [str(Path(sys.executable).parent / "socialscalr"), "worker", "--burst"]
    worker = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        assert receiver.arrived.wait(60), "the worker never sent the delivery"
        # RQ puts its work horse in a process group of its own: kill every process, the horse mid-request.
        for pid in [*_descendants(worker.pid), worker.pid]:
            os.kill(pid, signal.SIGKILL)
    finally:
        worker.wait(30)
        receiver.release.set()

    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "pending" and logged["attempts"] == 0
    # Later (the dead worker's claim has lapsed): the sweeper finds the delivery and a new worker sends it.
    use_manual_clock(app).advance(minutes=5)
    sweep(app)
    run_worker(app)

    requests = receiver.received("/slow")
    assert len(requests) == 2
    assert requests[0]["headers"]["X-SocialScalr-Delivery"] == requests[1]["headers"]["X-SocialScalr-Delivery"]
    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "delivered"


def _descendants(pid: int) -> list[int]:
    """Children first, deepest last (the supervisor's worker processes, their work horses and schedulers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    children = [int(child) for child in path.read_text().split()] if path.exists() else []
    return [pid for child in children for pid in (child, *_descendants(child))]


def test_redis_flushed_after_the_commit_and_the_sweeper_still_delivers(app, client, auth, user_and_token,
                                                                       receiver, redis_client):
    register(client, auth, receiver.url("/hook"))
    emit_committed(user_and_token[0].team_id)
    redis_client.flushdb()

    run_worker(app)
    assert receiver.received() == []  # the wake-up is gone with Redis
    sweep(app)
    run_worker(app)
    assert len(receiver.received("/hook")) == 1


def test_star_and_per_event_subscriptions(app, client, auth, user_and_token, receiver):
    register(client, auth, receiver.url("/all"), events=["*"])
    register(client, auth, receiver.url("/invites"), events=["lead.invited"])
    register(client, auth, receiver.url("/posts"), events=["post.published", "post.failed"])
    team_id = user_and_token[0].team_id
    emit_committed(team_id, "lead.invited")
    emit_committed(team_id, "lead.messaged")
    run_worker(app)

    assert sorted(body_of(r)["event"] for r in receiver.received("/all")) == ["lead.invited", "lead.messaged"]
    assert [body_of(r)["event"] for r in receiver.received("/invites")] == ["lead.invited"]
    assert receiver.received("/posts") == []


def test_one_teams_events_never_reach_another_teams_endpoint(app, client, receiver):
    (alice, alice_token), (_, bob_token) = make_user(), make_user()
    register(client, bearer(alice_token), receiver.url("/alice"))
    bobs_hook = register(client, bearer(bob_token), receiver.url("/bob"))
    emit_committed(alice.team_id, "lead.invited")
    run_worker(app)

    assert len(receiver.received("/alice")) == 1
    assert receiver.received("/bob") == []
    assert deliveries(client, bearer(bob_token), bobs_hook["id"]) == []
    assert client.get(f"/api/v1/webhooks/{bobs_hook['id']}/deliveries", headers=bearer(alice_token)).status_code == 404


def test_410_gone_deactivates_the_endpoint(app, client, auth, user_and_token, receiver):
    hook = register(client, auth, receiver.url("/gone"))
    receiver.default_status["/gone"] = 410
    team_id = user_and_token[0].team_id
    emit_committed(team_id)
    run_worker(app)

    shown = client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth).get_json()
    assert shown["active"] is False and "410" in shown["deactivatedReason"]
    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "failed" and logged["lastStatusCode"] == 410
    emit_committed(team_id)
    sweep(app)
    run_worker(app)
    assert len(receiver.received("/gone")) == 1  # nothing more is sent; the log shows what was missed
    missed, _ = deliveries(client, auth, hook["id"])
    assert missed["status"] == "failed" and missed["attempts"] == 0 and "inactive" in missed["lastError"]


def test_a_rolled_back_transaction_emits_nothing(app, client, auth, user_and_token, receiver):
    from app.webhooks.outbox import emit

    team_id = user_and_token[0].team_id
    register(client, auth, receiver.url("/hook"))
    queue = Queue(WEBHOOKS_QUEUE, connection=redis_connection(app))
    emit(team_id, "lead.invited", {"lead": {"name": "Never"}})
    db.session.rollback()

    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0
    assert queue.count == 0
    sweep(app)
    run_worker(app)
    assert receiver.received() == []
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0

    emit_committed(team_id, "lead.invited", {"lead": {"name": "Committed"}})
    assert queue.count == 1  # the commit woke the relay
    run_worker(app)
    assert [body_of(r)["data"]["lead"]["name"] for r in receiver.received()] == ["Committed"]


def test_a_claimed_delivery_is_not_sent_by_a_second_worker_until_its_claim_lapses(app, client, auth, user_and_token,
                                                                                 receiver):
    from app.webhooks.claims import CLAIM_SECONDS, EndpointState, claim_due
    from app.webhooks.relay import relay_pending_events

    hook = register(client, auth, receiver.url())
    emit_committed(user_and_token[0].team_id)
    relay_pending_events()
    endpoint = EndpointState.of(db.session.get(WebhookEndpoint, uuid.UUID(hook["id"])))

    assert len(claim_due(endpoint, 10)) == 1  # the first worker holds it
    assert claim_due(endpoint, 10) == []  # a second worker finds nothing to send
    sweep(app)
    run_worker(app)
    assert receiver.received() == []
    use_manual_clock(app).advance(seconds=CLAIM_SECONDS + 1)  # the first worker died: its claim lapses
    assert len(claim_due(endpoint, 10)) == 1


def test_events_and_their_log_are_pruned_after_the_retention_period(app, client, auth, user_and_token, receiver):
    from worker.maintenance_jobs import apply_retention

    def prune():
        return {"deleted": apply_retention()["webhookEvents"]}

    hook = register(client, auth, receiver.url())
    emit_committed(user_and_token[0].team_id)
    run_worker(app)
    assert prune() == {"deleted": 0}
    assert len(deliveries(client, auth, hook["id"])) == 1

    use_manual_clock(app).advance(days=31)
    assert prune() == {"deleted": 1}
    assert deliveries(client, auth, hook["id"]) == []
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0
