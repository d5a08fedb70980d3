"""Idempotency-Key on POSTs: replay without redoing the work, 409 on reuse with another body or while in flight."""

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Campaign, IdempotencyKey, Lead
from app.models.types import utcnow
from tests.conftest import bearer, make_user
from tests.test_leads import new_campaign


def test_same_key_and_body_replays_without_doing_the_work(client, auth):
    headers = {**auth, "Idempotency-Key": "create-q4"}
    first = client.post("/api/v1/campaigns", json={"name": "Q4"}, headers=headers)
    second = client.post("/api/v1/campaigns", json={"name": "Q4"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 1


def test_bulk_leads_replayed_not_reinserted(client, auth):
    campaign_id = new_campaign(client, auth)
    body = {"campaignId": campaign_id, "leads": [{"name": "Ada", "profileUrl": "linkedin.com/in/ada"}]}
    headers = {**auth, "Idempotency-Key": "batch-1"}
    first = client.post("/api/v1/leads", json=body, headers=headers).get_json()
    replay = client.post("/api/v1/leads", json=body, headers=headers).get_json()
    assert first["created"] == 1 and replay == first  # without the key the second answer would say duplicates: 1
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1


def test_same_key_with_another_body_is_409(client, auth):
    headers = {**auth, "Idempotency-Key": "k1"}
    assert client.post("/api/v1/campaigns", json={"name": "A"}, headers=headers).status_code == 201
    response = client.post("/api/v1/campaigns", json={"name": "B"}, headers=headers)
    assert response.status_code == 409 and "different request" in response.get_json()["error"]
    other_path = client.post("/api/v1/posts", json={"name": "A"}, headers=headers)
    assert other_path.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 1


def test_errors_are_replayed_too_and_keys_are_per_team(client, auth):
    headers = {**auth, "Idempotency-Key": "k2"}
    first = client.post("/api/v1/campaigns", json={"name": ""}, headers=headers)
    assert first.status_code == 400
    assert client.post("/api/v1/campaigns", json={"name": ""}, headers=headers).get_json() == first.get_json()
    _, token = make_user()
    other = client.post("/api/v1/campaigns", json={"name": "Mine"}, headers={**bearer(token), "Idempotency-Key": "k2"})
    assert other.status_code == 201 and other.get_json()["name"] == "Mine"


def test_key_in_flight_is_409_and_an_expired_key_runs_again(client, auth, user_and_token):
    user, _ = user_and_token
    now = utcnow()
    mine = {"team_id": user.team_id, "user_id": user.id}
    db.session.add(IdempotencyKey(**mine, key="busy", request_digest="x" * 64, created_at=now, updated_at=now))
    db.session.add(IdempotencyKey(**mine, key="old", request_digest="y" * 64, status_code=201, response_body="{}",
                                  created_at=now - timedelta(hours=25), updated_at=now))
    db.session.commit()
    busy = client.post("/api/v1/campaigns", json={"name": "A"}, headers={**auth, "Idempotency-Key": "busy"})
    assert busy.status_code == 409 and "in progress" in busy.get_json()["error"]
    old = client.post("/api/v1/campaigns", json={"name": "A"}, headers={**auth, "Idempotency-Key": "old"})
    assert old.status_code == 201 and old.get_json()["name"] == "A"


def test_bad_keys_and_non_post_methods(client, auth):
    response = client.post("/api/v1/campaigns", json={"name": "A"}, headers={**auth, "Idempotency-Key": "x" * 256})
    assert response.status_code == 400 and response.get_json()["error"].startswith("Idempotency-Key")
    campaign_id = new_campaign(client, auth)
    for _ in range(2):  # a PATCH ignores the header: it is idempotent by nature
        assert client.patch(f"/api/v1/campaigns/{campaign_id}", json={"name": "B"},
                            headers={**auth, "Idempotency-Key": "p"}).status_code == 200


def test_a_teammate_reusing_a_key_never_gets_my_new_token(client, user_and_token):
    me, my_token = user_and_token
    teammate, teammate_token = make_user(team=me.team.name)
    mine = client.post("/api/v1/me/token/rotate", headers={**bearer(my_token), "Idempotency-Key": "rotate-1"})
    assert mine.status_code == 200
    theirs = client.post("/api/v1/me/token/rotate", headers={**bearer(teammate_token), "Idempotency-Key": "rotate-1"})
    assert theirs.status_code == 200 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["token"] != mine.get_json()["token"]
    assert client.get("/api/v1/me", headers=bearer(theirs.get_json()["token"])).get_json()["email"] == teammate.email


def test_a_new_token_is_never_stored_and_a_replay_says_why_it_is_not_shown(client, user_and_token):
    _, token = user_and_token
    first = client.post("/api/v1/me/token/rotate", headers={**bearer(token), "Idempotency-Key": "rotate-2"})
    new_token = first.get_json()["token"]
    stored = db.session.scalars(sa.select(IdempotencyKey.response_body)).all()
    assert stored and not any(new_token in (body or "") for body in stored)
    replay = client.post("/api/v1/me/token/rotate", headers={**bearer(new_token), "Idempotency-Key": "rotate-2"})
    assert replay.status_code == 409 and "shown only once" in replay.get_json()["error"]
    assert client.get("/api/v1/me", headers=bearer(new_token)).status_code == 200  # the replay rotated nothing


def test_a_webhook_secret_is_never_stored_and_a_retry_creates_nothing(client, auth):
    from app.models import WebhookEndpoint

    headers = {**auth, "Idempotency-Key": "hook-1"}
    body = {"url": "http://127.0.0.1:9/hook", "events": ["*"]}
    created = client.post("/api/v1/webhooks", json=body, headers=headers)
    assert created.status_code == 201
    assert not any(created.get_json()["secret"] in (stored or "")
                   for stored in db.session.scalars(sa.select(IdempotencyKey.response_body)))
    retry = client.post("/api/v1/webhooks", json=body, headers=headers)
    assert retry.status_code == 409 and "(201)" in retry.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 1


def test_expired_keys_are_purged_by_a_periodic_job(client, auth, user_and_token):
    from worker.maintenance_jobs import apply_retention
    from worker.periodic import registered_jobs

    assert any(job.func is apply_retention for job in registered_jobs())
    user, _ = user_and_token
    assert client.post("/api/v1/campaigns", json={"name": "Fresh"},
                       headers={**auth, "Idempotency-Key": "fresh"}).status_code == 201
    now = utcnow()
    db.session.add(IdempotencyKey(team_id=user.team_id, user_id=user.id, key="stale", request_digest="z" * 64,
                                  status_code=201, response_body="{}", created_at=now - timedelta(hours=25),
                                  updated_at=now - timedelta(hours=25)))
    db.session.commit()
    assert apply_retention()["idempotencyKeys"] == 1
    assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == ["fresh"]
