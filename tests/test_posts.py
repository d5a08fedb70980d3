"""Posts: the documented schedule and list, validation, PUT/DELETE only while scheduled, isolation."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Post
from tests.conftest import bearer, make_user

FUTURE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
DOC_BODY = {"content": "Thoughts on Q4...", "scheduled_for": FUTURE.isoformat().replace("+00:00", "Z"),
            "link_url": "https://socialscalr.com", "first_comment": "More on this..."}


def schedule(client, auth, **overrides):
    response = client.post("/api/v1/posts", json={**DOC_BODY, **overrides}, headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_documented_schedule_and_list(client, auth):
    post = schedule(client, auth)
    assert post["content"] == "Thoughts on Q4..." and post["status"] == "scheduled"
    assert post["scheduledFor"] == FUTURE.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert post["linkUrl"] == "https://socialscalr.com" and post["firstComment"] == "More on this..."
    asap = schedule(client, auth, scheduled_for=None, link_url=None, first_comment=None)
    assert asap["scheduledFor"] is None
    listed = client.get("/api/v1/posts", headers=auth).get_json()["posts"]
    assert [p["id"] for p in listed] == [asap["id"], post["id"]]
    assert client.get(f"/api/v1/posts/{post['id']}", headers=auth).get_json() == post


@pytest.mark.parametrize("body, field", [
    ({"content": ""}, "content"),
    ({"content": "x" * 3001}, "content"),
    ({"content": None}, "content"),
    ({"scheduled_for": "2020-01-01T00:00:00Z"}, "scheduledFor"),
    ({"scheduled_for": "2030-01-01"}, "scheduledFor"),
    ({"scheduled_for": "2030-01-01T10:00:00"}, "scheduledFor"),
    ({"scheduled_for": "tomorrow"}, "scheduledFor"),
    ({"link_url": "javascript:alert(1)"}, "linkUrl"),
    ({"link_url": "ftp://x.com"}, "linkUrl"),
    ({"first_comment": "x" * 1251}, "firstComment"),
    ({"media": ["x"]}, "media"),
])
def test_validation_errors_name_the_field(client, auth, body, field):
    response = client.post("/api/v1/posts", json={**DOC_BODY, **body}, headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(field), response.get_json()


def test_put_and_delete_only_while_scheduled(client, auth):
    post = schedule(client, auth)
    url = f"/api/v1/posts/{post['id']}"
    later = (FUTURE + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    updated = client.put(url, json={"content": "Updated", "scheduledFor": later}, headers=auth)
    assert updated.status_code == 200
    assert updated.get_json()["content"] == "Updated" and updated.get_json()["linkUrl"] == "https://socialscalr.com"
    assert client.put(url, json={"content": ""}, headers=auth).status_code == 400
    cancelled = client.delete(url, headers=auth)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    for response in (client.put(url, json={"content": "again"}, headers=auth), client.delete(url, headers=auth)):
        assert response.status_code == 409 and "cancelled" in response.get_json()["error"]
    other = schedule(client, auth)
    db.session.get(Post, uuid.UUID(other["id"])).status = "published"
    db.session.commit()
    response = client.put(f"/api/v1/posts/{other['id']}", json={"content": "x"}, headers=auth)
    assert response.status_code == 409 and "published" in response.get_json()["error"]


def test_other_teams_posts_are_404(client, auth):
    post = schedule(client, auth)
    _, token = make_user()
    other = bearer(token)
    url = f"/api/v1/posts/{post['id']}"
    assert client.get(url, headers=other).status_code == 404
    assert client.put(url, json={"content": "x"}, headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert client.get("/api/v1/posts", headers=other).get_json() == {"posts": []}
    assert client.get(url, headers=auth).get_json()["status"] == "scheduled"
