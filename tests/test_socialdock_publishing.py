"""A LinkedIn target goes out through the extension and our engine, sandbox targets through the sandbox publisher;
both end `published` and each API's consumers get their own events, signed their own way (real RQ worker, real
loopback receiver, the page's verification code ported to Python)."""

import json
import uuid
from datetime import timedelta

import pytest
from rq import Queue, Worker
from sqlalchemy import select

from app.extensions import db
from app.models import LinkedInAccount, User
from app.queueing import PUBLISHING_QUEUE, QUEUE_GROUPS, redis_connection
from app.socialdock.due import publish_due
from tests.engine_helpers import Outreach
from tests.socialdock_helpers import PREFIX, auth, connect_linkedin, connect_sandbox, verify_webhook, workspace
from tests.test_webhook_helpers import register, run_worker, serve_receiver
from worker.periodic import registered_jobs

ACTIVITY = "urn:li:activity:7130000000000000001"


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def _dock_hook(client, key, url, secret=None):
    body = {"url": url, "events": ["post_published", "post_failed"]}
    if secret:
        body["secret"] = secret
    answer = client.post(f"{PREFIX}/webhooks", headers=auth(key), json=body)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["data"]


def test_linkedin_and_sandbox_targets_end_published_with_each_api_s_events(pg_app, receiver):
    app, client = pg_app, pg_app.test_client()
    team = Outreach(app, client, accounts=("sender",))
    user = db.session.scalar(select(User).where(User.team_id == team.team_id))
    _, live_key = workspace("build", "live", user=user)
    _, test_key = workspace("build", "test", user=user)
    register(client, team.auth, receiver.url("/ours"), events=("*",))
    _dock_hook(client, live_key, receiver.url("/dock-live"), secret="live_signing_secret")
    generated = _dock_hook(client, test_key, receiver.url("/dock-test"))["secret"]
    extension_account = db.session.get(LinkedInAccount, uuid.UUID(team.accounts["sender"]))
    linkedin = connect_linkedin(client, live_key, extension_account)
    created = client.post(f"{PREFIX}/posts", headers=auth(live_key), json={
        "text": "Hello from SocialDock!", "targets": [{"platform": "linkedin", "account_id": linkedin}],
        "publish_now": True}).get_json()["data"]
    assert created["status"] == "scheduled" and created["targets"][0]["platform_post_id"] is None

    sandbox_linkedin = connect_sandbox(client, test_key, "linkedin")
    sandbox_instagram = connect_sandbox(client, test_key, "instagram")
    sandboxed = client.post(f"{PREFIX}/posts", headers=auth(test_key), json={
        "text": "Hello, sandbox", "targets": [{"platform": "linkedin", "account_id": sandbox_linkedin},
                                              {"platform": "instagram", "account_id": sandbox_instagram}]}
    ).get_json()["data"]

    # The extension polls, is offered the post on the account it was connected as, publishes it, reports it.
    team.tick()
    offered = [leased for leased in team.poll() if leased["type"] == "post"]
    assert [leased["text"] for leased in offered] == ["Hello from SocialDock!"]
    held = client.get(f"{PREFIX}/posts/{created['post_id']}", headers=auth(live_key)).get_json()["data"]
    assert held["status"] == "publishing" and held["targets"][0]["status"] == "publishing"
    assert client.put(f"{PREFIX}/posts/{created['post_id']}", headers=auth(live_key),
                      json={"text": "too late"}).status_code == 409
    team.perform(offered[0], postUrl=f"https://www.linkedin.com/feed/update/{ACTIVITY}/")
    # The sandbox publishes its targets once their short delay has passed.
    assert publish_due(team.clock() + timedelta(seconds=5)) == 2

    live_post = client.get(f"{PREFIX}/posts/{created['post_id']}", headers=auth(live_key)).get_json()["data"]
    assert live_post["status"] == "published"
    assert live_post["targets"][0] | {"published_at": None} == {
        "platform": "linkedin", "account_id": linkedin, "status": "published", "platform_post_id": ACTIVITY,
        "platform_post_url": f"https://www.linkedin.com/feed/update/{ACTIVITY}/", "published_at": None,
        "error": None}
    # No numbers are invented: none until the extension reports what LinkedIn shows.
    analytics = client.get(f"{PREFIX}/posts/{created['post_id']}/analytics", headers=auth(live_key)).get_json()
    assert analytics["data"]["targets"][0]["metrics"] == {"views": None, "likes": None, "comments": None,
                                                          "shares": None}
    seen = client.post("/api/v1/extension/post-metrics", headers=team.headers(), json={
        "postUrl": f"https://www.linkedin.com/feed/update/{ACTIVITY}/", "views": 1204, "likes": 89, "comments": 11,
        "shares": 6, "observedAt": team.clock().isoformat()})
    assert seen.status_code == 200 and seen.get_json()["matched"] == 1
    target = client.get(f"{PREFIX}/posts/{created['post_id']}/analytics",
                        headers=auth(live_key)).get_json()["data"]["targets"][0]
    assert target["metrics"] == {"views": 1204, "likes": 89, "comments": 11, "shares": 6}
    assert target["fetched_at"] is not None and target["sandbox"] is False
    overview = client.get(f"{PREFIX}/analytics/overview?period=7d", headers=auth(live_key)).get_json()["data"]
    assert overview["platforms"] == {"linkedin": {"posts": 1, "total_reach": 1204}}
    assert overview["summary"]["success_rate"] == 100.0

    test_post = client.get(f"{PREFIX}/posts/{sandboxed['post_id']}", headers=auth(test_key)).get_json()["data"]
    assert test_post["status"] == "published"
    assert {target["status"] for target in test_post["targets"]} == {"published"}

    run_worker(app)
    ours = receiver.received("/ours")
    assert [json.loads(request["body"])["event"] for request in ours] == ["post.published"]
    live = receiver.received("/dock-live")
    assert len(live) == 1
    body = json.loads(live[0]["body"])
    assert body["event"] == "post_published" and body["data"]["post_id"] == created["post_id"]
    assert body["data"]["target"]["platform_post_id"] == ACTIVITY and body["data"]["sandbox"] is False
    signature = live[0]["headers"]["X-SocialDock-Signature"]
    assert verify_webhook(live[0]["body"], signature, "live_signing_secret")
    assert not verify_webhook(live[0]["body"] + b" ", signature, "live_signing_secret")
    assert not verify_webhook(live[0]["body"], signature, "another_secret")
    sandbox_events = receiver.received("/dock-test")
    assert sorted(json.loads(r["body"])["data"]["target"]["platform"] for r in sandbox_events) == [
        "instagram", "linkedin"]
    for request in sandbox_events:
        assert verify_webhook(request["body"], request["headers"]["X-SocialDock-Signature"], generated)
        assert json.loads(request["body"])["data"]["sandbox"] is True


def test_a_linkedin_target_whose_post_fails_ends_failed_with_post_failed(pg_app, receiver):
    app, client = pg_app, pg_app.test_client()
    team = Outreach(app, client, accounts=("sender", "second"))
    user = db.session.scalar(select(User).where(User.team_id == team.team_id))
    _, key = workspace("build", "live", user=user)
    _dock_hook(client, key, receiver.url("/dock"), secret="s3cr3t-value")
    second = db.session.get(LinkedInAccount, uuid.UUID(team.accounts["second"]))
    linkedin = connect_linkedin(client, key, second)  # not the team's default account: the post names it
    created = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Will fail", "targets": [{"platform": "linkedin", "account_id": linkedin}]}).get_json()["data"]
    for _attempt in range(3):
        team.tick(minutes=6)  # a retry is planned 5 minutes after a failure: two ticks make it due
        team.tick(minutes=6)
        assert team.poll("sender") == []  # the default account is not offered a post that names another
        offered = [leased for leased in team.poll("second") if leased["type"] == "post"]
        assert len(offered) == 1
        team.start(offered[0], "second")
        assert team.report(offered[0], "failed", "second", error="composer_error").status_code == 200
    team.tick(minutes=6)
    post = client.get(f"{PREFIX}/posts/{created['post_id']}", headers=auth(key)).get_json()["data"]
    assert post["status"] == "failed" and post["targets"][0]["status"] == "failed"
    assert "composer_error" in post["targets"][0]["error"]
    run_worker(app)
    (request,) = receiver.received("/dock")
    assert json.loads(request["body"])["event"] == "post_failed"
    assert verify_webhook(request["body"], request["headers"]["X-SocialDock-Signature"], "s3cr3t-value")


def test_the_sandbox_publisher_is_a_periodic_job_a_real_worker_runs(pg_app, receiver):
    # On a queue group of its own: a platform's slow upload never holds the engine's planner or lease expiry.
    assert ("worker.socialdock_jobs.publish_due_targets", PUBLISHING_QUEUE) in [
        (job.name, job.queue_name) for job in registered_jobs()]
    pg_app.config["SOCIALDOCK_SANDBOX_DELAY_SECONDS"] = 0
    client = pg_app.test_client()
    _, key = workspace("build", "test")
    hook = _dock_hook(client, key, receiver.url("/sandbox"))
    threads = connect_sandbox(client, key, "threads")
    created = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Sandboxed", "targets": [{"platform": "threads", "account_id": threads}]}).get_json()["data"]
    assert created["status"] == "publishing"
    connection = redis_connection(pg_app)
    Queue(PUBLISHING_QUEUE, connection=connection).enqueue("worker.socialdock_jobs.publish_due_targets")
    db.session.remove()
    db.engine.dispose()
    queues = [Queue(name, connection=connection) for name in (*QUEUE_GROUPS["publishing"], *QUEUE_GROUPS["webhooks"])]
    Worker(queues, connection=connection).work(burst=True)
    run_worker(pg_app)  # the relay the publish woke, and the delivery
    post = client.get(f"{PREFIX}/posts/{created['post_id']}", headers=auth(key)).get_json()["data"]
    assert post["status"] == "published"
    (request,) = receiver.received("/sandbox")
    assert verify_webhook(request["body"], request["headers"]["X-SocialDock-Signature"], hook["secret"])
