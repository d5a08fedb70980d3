"""Comments: draft -> approve (due for the extension) -> posted; withdraw a draft; isolation."""

import pytest

from tests.conftest import bearer, make_user

POST_URL = "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000000/"


def draft(client, auth, **body):
    response = client.post("/api/v1/comments", json={"postUrl": POST_URL, "content": "Great point.", **body},
                           headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_draft_approve_and_list(client, auth):
    comment = draft(client, auth)
    assert comment["status"] == "draft" and comment["postUrl"] == POST_URL and comment["approvedAt"] is None
    approved = client.post(f"/api/v1/comments/{comment['id']}/approve", headers=auth)
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved" and approved.get_json()["approvedAt"].endswith("Z")
    again = client.post(f"/api/v1/comments/{comment['id']}/approve", headers=auth)
    assert again.status_code == 409 and "approved" in again.get_json()["error"]
    withdraw = client.delete(f"/api/v1/comments/{comment['id']}", headers=auth)
    assert withdraw.status_code == 409
    snake = client.post("/api/v1/comments", json={"post_url": POST_URL, "content": "Snake case"}, headers=auth)
    assert snake.status_code == 201
    second = snake.get_json()
    listed = client.get("/api/v1/comments", headers=auth).get_json()["comments"]
    assert [c["id"] for c in listed] == [second["id"], comment["id"]]
    drafts = client.get("/api/v1/comments?status=draft", headers=auth).get_json()["comments"]
    assert [c["id"] for c in drafts] == [second["id"]]


def test_withdraw_a_draft(client, auth):
    comment = draft(client, auth)
    response = client.delete(f"/api/v1/comments/{comment['id']}", headers=auth)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/comments/{comment['id']}/approve", headers=auth).status_code == 409


@pytest.mark.parametrize("body, field", [
    ({"content": ""}, "content"),
    ({"content": "x" * 1251}, "content"),
    ({"postUrl": "https://evil.example.com/post/1"}, "postUrl"),
    ({"postUrl": "https://www.linkedin.com/"}, "postUrl"),
    ({"postUrl": None}, "postUrl"),
    ({"content": "bell\x07"}, "content"),
    ({"author": "me"}, "author"),
])
def test_validation_errors_name_the_field(client, auth, body, field):
    response = client.post("/api/v1/comments", json={"postUrl": POST_URL, "content": "ok", **body}, headers=auth)
    assert response.status_code == 400 and response.get_json()["error"].startswith(field), response.get_json()


def test_other_teams_comments_are_404(client, auth):
    comment = draft(client, auth)
    _, token = make_user()
    other = bearer(token)
    url = f"/api/v1/comments/{comment['id']}"
    assert client.get(url, headers=other).status_code == 404
    assert client.post(url + "/approve", headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert client.get("/api/v1/comments", headers=other).get_json() == {"comments": []}
    assert client.get(url, headers=auth).get_json()["status"] == "draft"
