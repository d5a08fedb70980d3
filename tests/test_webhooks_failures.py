"""Deliveries that cannot be sent, inactive endpoints, failure streaks and what the log says about them."""

from datetime import datetime, timedelta

import pytest

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


def _webhook(client, auth, hook) -> dict:
    return client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth).get_json()


def test_an_event_whose_body_cannot_be_built_fails_visibly_and_the_rest_is_delivered(app, client, auth,
                                                                                    user_and_token, receiver):
    hook = register(client, auth, receiver.url("/hook"))
    team_id = user_and_token[0].team_id
    # A lone UTF-16 surrogate cannot be encoded as UTF-8: this event's body can never be built.
    emit_committed(team_id, "lead.invited", {"lead": {"name": "Broken", "customFields": {"note": "\ud800"},
                                                      "tags": ["x\ud800"]}})
    emit_committed(team_id, "lead.invited", {"lead": {"name": "Grace Hopper"}})
    run_worker(app)

    assert [body_of(r)["data"]["lead"]["name"] for r in receiver.received("/hook")] == ["Grace Hopper"]
    logged = {d["status"]: d for d in deliveries(client, auth, hook["id"])}
    assert set(logged) == {"delivered", "failed"}
    broken = logged["failed"]
    assert broken["attempts"] == 1 and broken["nextAttemptAt"] is None and broken["lastAttemptAt"] is not None
    assert broken["lastStatusCode"] is None and "could not be built" in broken["lastError"]
    # Not the receiver's fault: the endpoint is not counted as failing.
    shown = _webhook(client, auth, hook)
    assert shown["active"] is True and shown["failingSince"] is None

    use_manual_clock(app).advance(minutes=10)
    sweep(app)
    run_worker(app)  # nothing is retried behind the log's back
    assert len(receiver.received("/hook")) == 1
    assert [d["status"] for d in deliveries(client, auth, hook["id"]) if d["id"] == broken["id"]] == ["failed"]


def test_events_fired_while_an_endpoint_is_inactive_can_be_redelivered_after_reactivation(app, client, auth,
                                                                                         user_and_token, receiver):
    hook = register(client, auth, receiver.url("/paused"))
    patch = client.patch(f"/api/v1/webhooks/{hook['id']}", headers=auth, json={"active": False})
    assert patch.status_code == 200
    emit_committed(user_and_token[0].team_id, "lead.messaged", {"lead": {"name": "While paused"}})
    run_worker(app)
    assert receiver.received() == []

    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "failed" and logged["attempts"] == 0 and logged["event"] == "lead.messaged"
    assert "inactive" in logged["lastError"]
    assert client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{logged['id']}/redeliver",
                       headers=auth).status_code == 409  # still inactive

    assert client.patch(f"/api/v1/webhooks/{hook['id']}", headers=auth, json={"active": True}).status_code == 200
    redelivered = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{logged['id']}/redeliver", headers=auth)
    assert redelivered.status_code == 202
    run_worker(app)
    [request] = receiver.received("/paused")
    assert body_of(request)["data"]["lead"]["name"] == "While paused"
    assert request["headers"]["X-SocialScalr-Delivery"] == logged["id"]
    assert deliveries(client, auth, hook["id"])[0]["status"] == "delivered"


def _run_due_attempt(app, clock, next_attempt_at: str) -> None:
    """Move the clock just past a delivery's next attempt and let a worker make it."""
    due = datetime.fromisoformat(next_attempt_at.replace("Z", "+00:00"))
    clock.advance(seconds=max(0.0, (due - clock()).total_seconds()) + 1)
    sweep(app)
    run_worker(app)


def test_one_failure_after_a_quiet_spell_does_not_deactivate_an_endpoint(app, client, auth, user_and_token,
                                                                          receiver):
    clock = use_manual_clock(app)
    hook = register(client, auth, receiver.url("/flaky"))
    team_id = user_and_token[0].team_id
    receiver.default_status["/flaky"] = 503
    emit_committed(team_id, "lead.invited", {"lead": {"name": "Old"}})
    run_worker(app)
    while (old := deliveries(client, auth, hook["id"])[0])["status"] == "pending":  # all 8 attempts, about a day
        _run_due_attempt(app, clock, old["nextAttemptAt"])
    assert old["status"] == "failed" and old["attempts"] == 8

    clock.advance(days=3)  # quiet: nothing to send, so nothing fails
    emit_committed(team_id, "lead.invited", {"lead": {"name": "Today 1"}})
    emit_committed(team_id, "lead.invited", {"lead": {"name": "Today 2"}})
    sweep(app)
    run_worker(app)  # one 503 today

    shown = _webhook(client, auth, hook)
    assert shown["active"] is True and shown["deactivatedReason"] is None
    assert datetime.fromisoformat(shown["failingSince"].replace("Z", "+00:00")) > clock() - timedelta(hours=1)
    today = [d for d in deliveries(client, auth, hook["id"]) if d["id"] != old["id"]]
    assert sorted(d["status"] for d in today) == ["pending", "pending"]

    receiver.default_status["/flaky"] = 200
    clock.advance(minutes=5)
    sweep(app)
    run_worker(app)
    assert sorted(d["status"] for d in deliveries(client, auth, hook["id"])) == ["delivered", "delivered", "failed"]


def test_an_endpoint_failing_every_attempt_for_three_days_is_deactivated(app, client, auth, user_and_token,
                                                                         receiver):
    clock = use_manual_clock(app)
    hook = register(client, auth, receiver.url("/down"))
    receiver.default_status["/down"] = 503
    team_id = user_and_token[0].team_id
    for _ in range(6):  # traffic every 12 hours, every attempt failing: hours 0 to 60
        emit_committed(team_id)
        sweep(app)
        run_worker(app)
        assert _webhook(client, auth, hook)["active"] is True
        clock.advance(hours=12)
    clock.advance(minutes=1)  # 3 days and a minute after the first failure
    emit_committed(team_id)
    sweep(app)
    run_worker(app)

    shown = _webhook(client, auth, hook)
    assert shown["active"] is False and "3 days" in shown["deactivatedReason"]
    assert {d["status"] for d in deliveries(client, auth, hook["id"])} == {"failed"}


def test_a_refused_connection_is_reported_as_refused_not_as_a_timeout(app, client, auth, user_and_token, receiver):
    url = receiver.url("/gone-away")
    receiver.close()
    hook = register(client, auth, url)
    answer = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert answer["delivered"] is False and answer["statusCode"] is None
    assert answer["error"].startswith("connection refused") and "timeout" not in answer["error"]

    emit_committed(user_and_token[0].team_id)
    run_worker(app)
    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "pending" and logged["lastError"].startswith("connection refused")
