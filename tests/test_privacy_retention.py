"""The hourly retention job deletes only what is past its configured window."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ArchivedAction, IdempotencyKey, User, WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.engine_helpers import Outreach
from worker.maintenance_jobs import apply_retention
from worker.periodic import registered_jobs


def _event(team, endpoint, age: timedelta, status: str) -> uuid.UUID:
    created = team.clock() - age
    event = WebhookEvent(team_id=team.team_id, name="lead.invited", data={"age": str(age)}, created_at=created,
                         relayed_at=created)
    db.session.add(event)
    db.session.flush()
    db.session.add(WebhookDelivery(team_id=team.team_id, event_id=event.id, endpoint_id=endpoint.id, status=status,
                                   attempts=1, created_at=created, updated_at=created))
    return event.id


def _archived(team, finished_ago: timedelta) -> uuid.UUID:
    finished = team.clock() - finished_ago
    row = ArchivedAction(id=uuid.uuid4(), team_id=team.team_id, account_id=uuid.UUID(team.accounts[team.first]),
                         type="invite", status="done", due_at=finished, lease_count=1, completed_at=finished,
                         details={}, created_at=finished, updated_at=finished, archived_at=finished)
    db.session.add(row)
    return row.id


def _key(team, user_id, name: str, age: timedelta) -> None:
    at = team.clock() - age
    db.session.add(IdempotencyKey(team_id=team.team_id, user_id=user_id, key=name, request_digest="d" * 64,
                                  status_code=201, response_body="{}", created_at=at, updated_at=at))


def _ids(model) -> set:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(model.id)))


def test_the_retention_job_deletes_only_what_is_past_each_window(app, client):
    assert any(job.func is apply_retention for job in registered_jobs())
    app.config.update(RETENTION_WEBHOOK_EVENTS_DAYS=10, RETENTION_ACTIONS_DAYS=30, RETENTION_IDEMPOTENCY_HOURS=48)
    team = Outreach(app, client)
    user_id = db.session.scalar(sa.select(User.id).where(User.team_id == team.team_id))
    endpoint = WebhookEndpoint(team_id=team.team_id, url="https://crm.example.com/hook", events=["*"], secret="s",
                               active=True)
    db.session.add(endpoint)
    db.session.flush()
    old_delivered = _event(team, endpoint, timedelta(days=11), "delivered")
    old_failed = _event(team, endpoint, timedelta(days=11), "failed")
    old_pending = _event(team, endpoint, timedelta(days=11), "pending")
    recent = _event(team, endpoint, timedelta(days=9), "delivered")
    old_action, recent_action = _archived(team, timedelta(days=31)), _archived(team, timedelta(days=29))
    _key(team, user_id, "old", timedelta(hours=49))
    _key(team, user_id, "recent", timedelta(hours=47))
    db.session.commit()

    assert apply_retention() == {"webhookEvents": 2, "archivedActions": 1, "idempotencyKeys": 1}

    assert _ids(WebhookEvent) == {old_pending, recent}
    assert {d.event_id for d in db.session.scalars(sa.select(WebhookDelivery))} == {old_pending, recent}
    assert old_delivered not in _ids(WebhookEvent) and old_failed not in _ids(WebhookEvent)
    assert _ids(ArchivedAction) == {recent_action} and old_action not in _ids(ArchivedAction)
    assert set(db.session.scalars(sa.select(IdempotencyKey.key))) == {"recent"}
    assert apply_retention() == {"webhookEvents": 0, "archivedActions": 0, "idempotencyKeys": 0}


def test_an_idempotent_answer_is_replayed_for_the_configured_hours(app, client):
    app.config["RETENTION_IDEMPOTENCY_HOURS"] = 48
    team = Outreach(app, client)
    headers = {**team.auth, "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/campaigns", json={"name": "Once"}, headers=headers)
    team.clock.advance(hours=30)  # past the default day, within the configured two
    again = client.post("/api/v1/campaigns", json={"name": "Once"}, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json()["id"] == first.get_json()["id"]
    team.clock.advance(hours=19)
    assert client.post("/api/v1/campaigns", json={"name": "Once"}, headers=headers).get_json()["id"] != \
        first.get_json()["id"]


def test_retention_settings_are_checked_when_the_app_starts(monkeypatch, tmp_path):
    from app.config import settings_from_environment

    monkeypatch.setenv("RETENTION_ACTIONS_DAYS", "0")
    try:
        settings_from_environment(str(tmp_path))
    except ValueError as error:
        assert "RETENTION_ACTIONS_DAYS" in str(error)
    else:
        raise AssertionError("a retention of 0 days was accepted")
    monkeypatch.setenv("RETENTION_ACTIONS_DAYS", "90")
    assert settings_from_environment(str(tmp_path))["RETENTION_ACTIONS_DAYS"] == 90
