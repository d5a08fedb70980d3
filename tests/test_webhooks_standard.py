"""Standard Webhooks headers beside our own, checked with the official `standardwebhooks` package."""

import base64
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.webhooks.signing import verify_signature
from tests.test_webhook_helpers import emit_committed, register, run_worker, serve_receiver, use_manual_clock


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def _signed_moment(request) -> datetime:
    return datetime.fromtimestamp(int(request["headers"]["webhook-timestamp"]), UTC)


def test_a_delivery_verifies_with_the_standard_webhooks_library_and_with_our_own_header(app, client, auth,
                                                                                      user_and_token, receiver):
    hook = register(client, auth, receiver.url("/std"))
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"), validate=True)) == 32
    emit_committed(user_and_token[0].team_id, "lead.invited", {"lead": {"name": "Ada Lovelace", "city": "Zürich"}})
    run_worker(app)

    [request] = receiver.received("/std")
    headers, raw = request["headers"], request["body"]
    payload = Webhook(hook["secret"]).verify(raw, headers)  # the secret exactly as the API showed it
    assert payload["data"]["lead"]["city"] == "Zürich"
    assert headers["webhook-id"] == headers["X-SocialScalr-Delivery"]
    sent_at = datetime.fromisoformat(json.loads(raw)["sentAt"].replace("Z", "+00:00"))
    assert int(headers["webhook-timestamp"]) == int(sent_at.timestamp())
    assert verify_signature(hook["secret"], raw, headers["X-SocialScalr-Signature"])
    assert headers["X-SocialScalr-Event"] == "lead.invited"

    tampered = raw.replace(b"Ada", b"Eve")
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(tampered, headers)
    with pytest.raises(WebhookVerificationError):  # another delivery id cannot reuse this signature
        Webhook(hook["secret"]).verify(raw, {**headers, "webhook-id": "another-delivery"})


@pytest.mark.parametrize("own_secret", [
    "my-own-secret-of-some-length",
    "whsec_q3Jx-7pL_aV0mN8sT2wY5bC1dE4fG6hI9jK0lM3nOpQ",  # the URL-safe, unpadded format generated until 2026-11
])
def test_a_secret_that_is_not_standard_base64_verifies_through_its_documented_mapping(app, client, auth,
                                                                                      user_and_token, receiver,
                                                                                      own_secret):
    hook = register(client, auth, receiver.url("/own"), secret=own_secret)
    client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth)

    [request] = receiver.received("/own")
    standard_form = "whsec_" + base64.b64encode(own_secret.encode()).decode()
    assert Webhook(standard_form).verify(request["body"], request["headers"])["event"] == "webhook.test"
    assert verify_signature(own_secret, request["body"], request["headers"]["X-SocialScalr-Signature"])


def test_after_a_rotation_old_and_new_secret_both_verify_for_24_hours(app, client, auth, user_and_token, receiver):
    hook = register(client, auth, receiver.url("/rotating"))
    old_secret = hook["secret"]
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=auth).get_json()
    new_secret = rotated["secret"]
    assert new_secret != old_secret
    team_id = user_and_token[0].team_id
    emit_committed(team_id, "lead.invited", {"lead": {"name": "During the rotation"}})
    run_worker(app)

    [during] = receiver.received("/rotating")
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (old_secret, new_secret):  # a consumer on either secret accepts it
        verified = Webhook(secret).verify(during["body"], during["headers"])
        assert verified["data"]["lead"]["name"] == "During the rotation"
    # Our own header keeps its documented single value, signed with the current secret.
    assert verify_signature(new_secret, during["body"], during["headers"]["X-SocialScalr-Signature"])
    assert not verify_signature(old_secret, during["body"], during["headers"]["X-SocialScalr-Signature"])

    use_manual_clock(app).advance(hours=24, minutes=1)
    emit_committed(team_id, "lead.invited", {"lead": {"name": "A day later"}})
    run_worker(app)

    later = receiver.received("/rotating")[1]
    text = later["body"].decode()
    # The library's own sign(): its verify() would compare with the real clock, and this delivery is a day ahead.
    signed = Webhook(new_secret).sign(later["headers"]["webhook-id"], _signed_moment(later), text)
    assert later["headers"]["webhook-signature"] == signed
    assert Webhook(old_secret).sign(later["headers"]["webhook-id"], _signed_moment(later), text) != signed
