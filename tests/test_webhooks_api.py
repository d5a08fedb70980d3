"""The registration API, secrets, the test send, the delivery log and redelivery."""

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.webhooks.payload import build_request
from app.webhooks.signing import verify_signature
from tests.conftest import bearer, make_user
from tests.test_webhook_helpers import deliveries, emit_committed, register, run_worker, serve_receiver


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def test_create_shows_the_generated_secret_once(client, auth, receiver):
    hook = register(client, auth, receiver.url(), events=["lead.invited", "lead.invited", "post.failed"],
                    description="CRM sync")
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) >= 43  # 32 random bytes
    assert hook["events"] == ["lead.invited", "post.failed"] and hook["active"] is True
    assert hook["description"] == "CRM sync" and hook["createdAt"].endswith("Z")

    listed = client.get("/api/v1/webhooks", headers=auth).get_json()["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth).get_json()


def test_own_secret_is_used_for_signing(client, auth, receiver):
    hook = register(client, auth, receiver.url(), secret="my-own-secret-of-some-length")
    assert hook["secret"] == "my-own-secret-of-some-length"
    answer = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert answer["delivered"] is True
    [request] = receiver.received()
    assert verify_signature("my-own-secret-of-some-length", request["body"],
                            request["headers"]["X-SocialScalr-Signature"])


@pytest.mark.parametrize("body, message", [
    ({"url": "http://127.0.0.1/x", "events": ["lead.invited", "lead.bogus", "nope"]}, "lead.bogus, nope"),
    ({"url": "http://127.0.0.1/x", "events": []}, "events"),
    ({"events": ["*"]}, "url"),
    ({"url": "http://127.0.0.1/x", "events": ["*"], "secret": "short"}, "secret"),
    ({"url": "http://127.0.0.1/x", "events": ["*"], "colour": "red"}, "colour"),
    ({"url": "ftp://127.0.0.1/x", "events": ["*"]}, "url"),
])
def test_invalid_registrations_are_400_naming_the_problem(client, auth, body, message):
    response = client.post("/api/v1/webhooks", json=body, headers=auth)
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["error"]
    assert client.get("/api/v1/webhooks", headers=auth).get_json()["webhooks"] == []


def test_patch_changes_url_events_and_active(client, auth, receiver):
    hook = register(client, auth, receiver.url("/a"), events=["lead.invited"])
    response = client.patch(f"/api/v1/webhooks/{hook['id']}", headers=auth,
                            json={"url": receiver.url("/b"), "events": ["*"], "active": False})
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["url"].endswith("/b") and changed["events"] == ["*"] and changed["active"] is False
    assert changed["deactivatedReason"]
    reactivated = client.patch(f"/api/v1/webhooks/{hook['id']}", headers=auth, json={"active": True}).get_json()
    assert reactivated["active"] is True and reactivated["deactivatedReason"] is None
    bad = client.patch(f"/api/v1/webhooks/{hook['id']}", headers=auth, json={"events": ["lead.nope"]})
    assert bad.status_code == 400 and "lead.nope" in bad.get_json()["error"]


def test_delete_removes_the_endpoint(client, auth, receiver):
    hook = register(client, auth, receiver.url())
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth).status_code == 404


def test_rotated_secret_is_shown_once_and_signs_what_follows(client, auth, receiver):
    hook = register(client, auth, receiver.url())
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=auth).get_json()
    assert rotated["secret"] != hook["secret"] and rotated["id"] == hook["id"]
    client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth)
    [request] = receiver.received()
    signature = request["headers"]["X-SocialScalr-Signature"]
    assert verify_signature(rotated["secret"], request["body"], signature)
    assert not verify_signature(hook["secret"], request["body"], signature)


def test_test_send_answers_with_what_the_endpoint_replied(client, auth, receiver):
    hook = register(client, auth, receiver.url("/t"), events=["post.failed"])
    answer = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert answer["delivered"] is True and answer["statusCode"] == 200 and answer["responseBody"] == "ok"
    assert answer["event"] == "webhook.test" and answer["latencyMs"] >= 0
    receiver.script("/t", 503)
    failed = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert failed["delivered"] is False and failed["statusCode"] == 503 and failed["responseBody"] == "nope"
    assert [r["headers"]["X-SocialScalr-Event"] for r in receiver.received()] == ["webhook.test"] * 2


def test_redirects_are_not_followed_and_answers_are_read_up_to_a_cap(client, auth, receiver):
    hook = register(client, auth, receiver.url("/moved"))
    receiver.script("/moved", 302)
    receiver.reply_headers["/moved"] = {"Location": receiver.url("/elsewhere")}
    moved = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert moved["delivered"] is False and moved["statusCode"] == 302
    assert receiver.received("/elsewhere") == []

    receiver.reply_bodies["/moved"] = b"x" * 100_000
    big = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert big["delivered"] is True and big["responseBody"] == "x" * 1024
    again = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert again["delivered"] is True


def test_test_send_reports_an_endpoint_that_is_down(client, auth, receiver):
    url = receiver.url("/t")
    receiver.close()
    hook = register(client, auth, url)
    answer = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).get_json()
    assert answer["delivered"] is False and answer["statusCode"] is None and "connection" in answer["error"]


def test_redeliver_sends_the_same_delivery_again(app, client, auth, user_and_token, receiver):
    hook = register(client, auth, receiver.url())
    emit_committed(user_and_token[0].team_id, "post.failed", {"post": {"id": "p1"}, "reason": "x"})
    run_worker(app)
    [logged] = deliveries(client, auth, hook["id"])
    assert logged["status"] == "delivered"

    response = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{logged['id']}/redeliver", headers=auth)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "pending" and response.get_json()["event"] == "post.failed"
    run_worker(app)
    requests = receiver.received()
    assert len(requests) == 2 and {r["headers"]["X-SocialScalr-Delivery"] for r in requests} == {logged["id"]}
    assert deliveries(client, auth, hook["id"])[0]["status"] == "delivered"
    filtered = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries?status=failed", headers=auth).get_json()
    assert filtered["deliveries"] == []
    assert client.get(f"/api/v1/webhooks/{hook['id']}/deliveries?status=odd", headers=auth).status_code == 400


def test_another_teams_webhook_behaves_like_an_unknown_one(client, receiver):
    _, owner_token = make_user()
    _, other_token = make_user()
    hook = register(client, bearer(owner_token), receiver.url())
    other = bearer(other_token)
    base = f"/api/v1/webhooks/{hook['id']}"
    unknown = f"/api/v1/webhooks/{uuid.uuid4()}"
    for path in (base, unknown):
        assert client.get(path, headers=other).status_code == 404
        assert client.patch(path, json={"active": False}, headers=other).status_code == 404
        assert client.post(path + "/rotate-secret", headers=other).status_code == 404
        assert client.post(path + "/test", headers=other).status_code == 404
        assert client.get(path + "/deliveries", headers=other).status_code == 404
        assert client.post(path + f"/deliveries/{uuid.uuid4()}/redeliver", headers=other).status_code == 404
        assert client.delete(path, headers=other).status_code == 404
    assert client.get("/api/v1/webhooks", headers=other).get_json()["webhooks"] == []
    assert client.get(base, headers=bearer(owner_token)).get_json()["active"] is True
    assert receiver.received() == []


def test_webhook_paths_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}", "/api/v1/webhooks/{webhook_id}/rotate-secret",
                 "/api/v1/webhooks/{webhook_id}/test", "/api/v1/webhooks/{webhook_id}/deliveries",
                 "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"):
        assert path in paths, path


def test_verify_signature_refuses_replays_and_bad_headers():
    sent = datetime.now(UTC) - timedelta(minutes=6)
    body, headers = build_request("lead.invited", {"x": 1}, "d1", "secret-value", sent)
    signature = headers["X-SocialScalr-Signature"]
    assert signature == "sha256=" + hmac.new(b"secret-value", body, hashlib.sha256).hexdigest()
    assert not verify_signature("secret-value", body, signature)  # sentAt older than 5 minutes
    assert verify_signature("secret-value", body, signature, tolerance_seconds=None)
    assert verify_signature("secret-value", body, signature, now=sent + timedelta(seconds=30))
    assert not verify_signature("secret-value", body, signature.removeprefix("sha256="), tolerance_seconds=None)
    assert not verify_signature("secret-value", body, None)
    assert not verify_signature("secret-value", body, "sha256=zz", tolerance_seconds=None)
