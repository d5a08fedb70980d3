"""Each process remembers who a token belongs to for a few seconds; a change is seen by every process at once.

Two app objects on the same database and Redis stand for two server processes (two gunicorn workers).
"""

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import User
from tests.conftest import _settings, bearer, make_user


@pytest.fixture
def other_process(pg_app):
    other = create_app(_settings(pg_app.config["SQLALCHEMY_DATABASE_URI"], IDENTITY_CACHE_SECONDS=3600))
    yield other.test_client()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _remembered_by(client, token):
    for _ in range(3):  # the first answer fills its memory, the next ones come from it
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_a_token_rotated_in_one_process_is_refused_by_another_at_once(pg_app, other_process):
    _, token = make_user()
    _remembered_by(other_process, token)
    rotated = pg_app.test_client().post("/api/v1/me/token/rotate", headers=bearer(token))
    assert rotated.status_code == 200
    refused = other_process.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401
    assert other_process.get("/api/v1/me", headers=bearer(rotated.get_json()["token"])).status_code == 200


def test_a_role_changed_in_one_process_shows_in_another_at_once(pg_app, other_process):
    user, token = make_user(role="admin")
    _remembered_by(other_process, token)
    db.session.get(User, user.id).team_role = "member"
    db.session.commit()
    assert other_process.get("/api/v1/me", headers=bearer(token)).get_json()["teamRole"] == "member"


def test_after_redis_is_flushed_nothing_remembered_is_trusted(pg_app, other_process, redis_client):
    _, token = make_user()
    _remembered_by(other_process, token)
    # A revocation whose epoch change was lost (plain SQL is not seen by the session's hooks), then Redis
    # loses everything: the remembered caller must not outlive the flush.
    db.session.execute(sa.text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP"))
    db.session.commit()
    redis_client.flushdb()
    assert other_process.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_last_used_is_still_recorded_while_the_caller_is_remembered(pg_app, other_process):
    user, token = make_user()
    _remembered_by(other_process, token)
    last_used = db.session.scalar(sa.text("SELECT last_used_at FROM api_tokens WHERE user_id = :u"),
                                  {"u": user.id})
    assert last_used is not None
