"""SocialDock's keys, plans, envelope, accounts, posts and isolation, through the Flask test client."""

from datetime import timedelta

from app import clock
from app.socialdock.due import publish_due
from app.socialdock.ids import parse_id
from tests.conftest import bearer, make_user
from tests.socialdock_helpers import PREFIX, auth, connect_linkedin, connect_sandbox, extension_account, workspace


def envelope_error(answer, status: int) -> dict:
    assert answer.status_code == status, (answer.status_code, answer.get_json())
    body = answer.get_json()
    assert body["data"] is None and set(body) == {"data", "error", "meta"}
    assert isinstance(body["error"]["message"], str) and isinstance(body["error"]["details"], str)
    return body


def test_keys_plans_and_the_other_api_s_credentials(app, client):
    user, token = make_user()
    _, key = workspace("build", user=user)
    # No key, a malformed key, our API's token: the page's 401 body.
    body = envelope_error(client.get(f"{PREFIX}/accounts"), 401)
    assert body["error"]["message"] == "Unauthorized"
    body = envelope_error(client.get(f"{PREFIX}/accounts", headers=auth("sd_live_nope")), 401)
    assert body["error"]["details"] == "The provided API key is invalid or has been revoked."
    envelope_error(client.get(f"{PREFIX}/accounts", headers=bearer(token)), 401)
    # ... and a SocialDock key is no token of our API, whose error body stays its own.
    ours = client.get("/api/v1/me", headers=auth(key))
    assert ours.status_code == 401 and set(ours.get_json()) == {"error"}
    answer = client.get(f"{PREFIX}/accounts", headers=auth(key))
    assert answer.status_code == 200
    assert answer.get_json() == {"data": {"accounts": []}, "error": None, "meta": {}}
    assert answer.headers["X-RateLimit-Limit"] == "100"


def test_free_plan_has_no_access_and_an_expired_key_is_refused(app, client):
    _, key = workspace("free")
    body = envelope_error(client.get(f"{PREFIX}/accounts", headers=auth(key)), 403)
    assert "FREE" in body["error"]["details"]
    _, key = workspace("build")
    clock_now = clock.now()
    app.config["CLOCK"] = lambda: clock_now + timedelta(days=31)
    try:
        body = envelope_error(client.get(f"{PREFIX}/accounts", headers=auth(key)), 401)
        assert "expired" in body["error"]["details"]
    finally:
        app.config.pop("CLOCK")


def test_unknown_route_and_bad_bodies_answer_in_the_envelope(app, client):
    _, key = workspace("build", mode="test")
    envelope_error(client.get(f"{PREFIX}/nothing-here", headers=auth(key)), 404)
    body = envelope_error(client.post(f"{PREFIX}/posts", headers=auth(key), json={"text": "hi"}), 400)
    assert "targets" in body["error"]["details"]
    body = envelope_error(client.post(f"{PREFIX}/posts", headers=auth(key), data="{", content_type="application/json"),
                          400)
    body = envelope_error(client.post(f"{PREFIX}/posts", headers=auth(key), data="x", content_type="text/plain"), 415)
    body = envelope_error(client.post(f"{PREFIX}/posts", headers=auth(key),
                                      json={"text": "hi\u0000", "targets": []}), 400)


def test_platform_rules_name_the_target_and_field(app, client):
    _, key = workspace("build", mode="test")
    youtube = connect_sandbox(client, key, "youtube")
    reddit = connect_sandbox(client, key, "reddit")
    telegram = connect_sandbox(client, key, "telegram")
    tiktok = connect_sandbox(client, key, "tiktok")

    def refused(target, **extra):
        answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={"text": "Hi", "targets": [target], **extra})
        return envelope_error(answer, 400)["error"]["details"]

    assert "targets[0] (youtube).title" in refused({"platform": "youtube", "account_id": youtube})
    assert "targets[0] (youtube).media_urls" in refused({"platform": "youtube", "account_id": youtube}, title="T")
    assert "targets[0] (reddit).title" in refused({"platform": "reddit", "account_id": reddit})
    assert "metadata.subreddit" in refused({"platform": "reddit", "account_id": reddit}, title="T")
    assert "metadata.chat_id" in refused({"platform": "telegram", "account_id": telegram})
    assert "(tiktok).media_urls" in refused({"platform": "tiktok", "account_id": tiktok},
                                            media_urls=["https://example.com/a.jpg"])
    assert "targets[0].platform" in refused({"platform": "reddit", "account_id": youtube})
    ok = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Hi", "title": "T", "targets": [{"platform": "reddit", "account_id": reddit,
                                                  "metadata": {"subreddit": "r/programming"}}]})
    assert ok.status_code == 200, ok.get_json()


def test_sandbox_post_lifecycle_schedule_update_publish_fail(app, client):
    _, key = workspace("build", mode="test")
    instagram = connect_sandbox(client, key, "instagram")
    telegram = connect_sandbox(client, key, "telegram")
    later = (clock.now() + timedelta(hours=2)).isoformat()
    created = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Dropping soon", "targets": [{"platform": "instagram", "account_id": instagram}],
        "publish_now": False, "scheduled_at": later}).get_json()["data"]
    assert created["status"] == "scheduled" and created["targets"][0]["status"] == "scheduled"
    post_id = created["post_id"]
    updated = client.put(f"{PREFIX}/posts/{post_id}", headers=auth(key), json={"text": "Dropping now!"})
    assert updated.status_code == 200 and updated.get_json()["data"]["post"]["text"] == "Dropping now!"
    now_post = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Now", "targets": [{"platform": "instagram", "account_id": instagram},
                                   {"platform": "telegram", "account_id": telegram,
                                    "metadata": {"chat_id": "@news", "sandbox_outcome": "fail"}}]}).get_json()["data"]
    assert now_post["status"] == "publishing"  # publish_now: the sandbox is on it
    assert client.put(f"{PREFIX}/posts/{now_post['post_id']}", headers=auth(key), json={"text": "x"}).status_code == 409
    assert publish_due(clock.now() + timedelta(minutes=1)) == 2
    detail = client.get(f"{PREFIX}/posts/{now_post['post_id']}", headers=auth(key)).get_json()["data"]
    by_platform = {target["platform"]: target for target in detail["targets"]}
    assert by_platform["instagram"]["status"] == "published"
    assert by_platform["instagram"]["platform_post_id"].startswith("sandbox_instagram_")
    assert by_platform["telegram"]["status"] == "failed" and "sandbox" in by_platform["telegram"]["error"]
    assert detail["status"] == "failed" and detail["body"] == "Now"
    conflict = client.put(f"{PREFIX}/posts/{now_post['post_id']}", headers=auth(key), json={"text": "x"})
    assert envelope_error(conflict, 409)["error"]["details"].startswith("Only scheduled posts can be updated")
    listed = client.get(f"{PREFIX}/posts?status=scheduled&platform=instagram&limit=20&offset=0",
                        headers=auth(key)).get_json()
    assert [post["id"] for post in listed["data"]["posts"]] == [post_id] and listed["meta"]["total"] == 1
    analytics = client.get(f"{PREFIX}/posts/{now_post['post_id']}/analytics", headers=auth(key)).get_json()["data"]
    assert analytics["targets"][0]["sandbox"] is True and analytics["targets"][0]["metrics"]["views"] > 0
    assert client.delete(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"] == {"success": True}
    envelope_error(client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)), 404)


def test_disconnect_withdraws_scheduled_targets_and_says_so(app, client):
    user, key = workspace("build", mode="live")
    linkedin = connect_linkedin(client, key, extension_account(user.team_id))
    later = (clock.now() + timedelta(days=1)).isoformat()
    created = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Tomorrow", "targets": [{"platform": "linkedin", "account_id": linkedin}], "publish_now": False,
        "scheduled_at": later})
    assert created.status_code == 200, created.get_json()
    answer = client.delete(f"{PREFIX}/accounts/{linkedin}", headers=auth(key)).get_json()["data"]
    assert answer == {"success": True, "withdrawn_targets": 1, "still_publishing": 0}
    post = client.get(f"{PREFIX}/posts/{created.get_json()['data']['post_id']}", headers=auth(key)).get_json()["data"]
    assert post["status"] == "failed" and "account disconnected" in post["targets"][0]["error"]
    ours = client.get("/api/v1/posts", headers=bearer(_token_of(user))).get_json()["posts"]
    assert [row["status"] for row in ours] == ["cancelled"]  # the engine's post was withdrawn too
    status = client.get(f"{PREFIX}/accounts/status?platform=linkedin", headers=auth(key)).get_json()["data"]
    assert status["accounts"][0]["status"] == "disconnected" and status["connected_platforms"] == []
    assert client.get(f"{PREFIX}/accounts", headers=auth(key)).get_json()["data"]["accounts"] == []


def _token_of(user) -> str:
    from app.extensions import db
    from app.tokens import rotate_token

    token = rotate_token(user)
    db.session.commit()
    return token


def test_a_workspace_never_sees_another_s_rows_nor_a_mode_the_other_s(app, client):
    _, key_a = workspace("build", mode="test")
    _, key_b = workspace("build", mode="test")
    account = connect_sandbox(client, key_a, "instagram")
    post = client.post(f"{PREFIX}/posts", headers=auth(key_a), json={
        "text": "Mine", "targets": [{"platform": "instagram", "account_id": account}]}).get_json()["data"]["post_id"]
    hook = client.post(f"{PREFIX}/webhooks", headers=auth(key_a), json={
        "url": "http://127.0.0.1:9/x", "events": ["post_published"]}).get_json()["data"]["id"]
    for method, path in (("GET", f"/posts/{post}"), ("PUT", f"/posts/{post}"), ("DELETE", f"/posts/{post}"),
                         ("GET", f"/posts/{post}/analytics"), ("DELETE", f"/accounts/{account}"),
                         ("GET", f"/accounts/{account}/analytics"), ("DELETE", f"/webhooks/{hook}")):
        answer = client.open(f"{PREFIX}{path}", method=method, headers=auth(key_b),
                             json={"text": "theirs"} if method == "PUT" else None)
        envelope_error(answer, 404)
    stolen = client.post(f"{PREFIX}/posts", headers=auth(key_b), json={
        "text": "x", "targets": [{"platform": "instagram", "account_id": account}]})
    envelope_error(stolen, 404)
    for path in ("/posts", "/accounts", "/webhooks"):
        data = client.get(f"{PREFIX}{path}", headers=auth(key_b)).get_json()["data"]
        assert next(iter(data.values())) == []
    # The same workspace's live key does not see its sandbox rows either.
    owner = _user_of(key_a)
    _, live = workspace("build", mode="live", user=owner)
    assert client.get(f"{PREFIX}/posts", headers=auth(live)).get_json()["data"]["posts"] == []
    # Our API neither lists SocialDock's webhooks nor reaches one by its id.
    token = _token_of(owner)
    assert client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["webhooks"] == []
    raw_id = parse_id("webhook", hook)
    assert client.get(f"/api/v1/webhooks/{raw_id}", headers=bearer(token)).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{raw_id}", headers=bearer(token)).status_code == 404


def _user_of(key: str):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import DockKey, User
    from app.socialdock.keys import digest

    return db.session.scalar(select(User).join(DockKey, DockKey.user_id == User.id)
                             .where(DockKey.key_digest == digest(key)))
