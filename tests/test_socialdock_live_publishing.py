"""The live publisher end to end: posts created through the API, published by the periodic job (a real RQ worker
once), through Telegram's adapter and fake and the test-only OAuth platform: a lost answer gives exactly one post,
429 is waited out with the reason visible, a revoked connection disconnects the account and fails its targets with
post_failed, a worker that dies mid-publish is covered by its lease without a second post, a 401 is refreshed once,
limits queue instead of hammering, and the metrics job fills the analytics with fetched_at."""

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from rq import Queue, Worker

from app.clock import ManualClock
from app.extensions import db
from app.models import DockAccount, DockPost, DockTarget
from app.platforms import config as platform_config
from app.platforms import registry
from app.platforms.base import PlatformError
from app.platforms.telegram import ADAPTER as TELEGRAM
from app.queueing import PUBLISHING_QUEUE, redis_connection
from app.socialdock import live, vault
from app.socialdock.ids import parse_id
from tests.fakes.base import lose_answer, status
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta_threads import FakeThreads
from tests.fakes.oauth_demo import DemoAdapter, FakeOAuthPlatform
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.socialdock_helpers import JPEG, PREFIX, MediaServer, auth, workspace
from tests.socialdock_live_helpers import (
    DEMO_CLIENT,
    configure_platform,
    connect_oauth,
    connect_telegram,
    run_live,
    run_metrics,
    store_media,
)
from tests.test_webhook_helpers import run_worker, serve_receiver
from worker.periodic import registered_jobs

CHAT = "-1005550001"
SEND = f"/bot{BOT_TOKEN}/sendMessage"


@pytest.fixture(name="clock")
def _clock(pg_app):
    # From the real now: token expiries are stamped from the real clock when a platform answers.
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    pg_app.config["CLOCK"] = clock
    return clock


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


@pytest.fixture(name="telegram")
def _telegram(pg_app, clock, receiver):
    """(fake, client, key, account_id, hook path): a Telegram chat connected, a SocialDock webhook registered."""
    client = pg_app.test_client()
    _, key = workspace()
    with FakeTelegram() as fake:
        fake.add_chat(CHAT)
        configure_platform(pg_app, "telegram", fake, client_id="", client_secret="")
        account_id = connect_telegram(client, key, fake, CHAT, BOT_TOKEN)
        hook = client.post(f"{PREFIX}/webhooks", headers=auth(key), json={
            "url": receiver.url("/dock"), "events": ["post_published", "post_failed"]})
        assert hook.status_code == 200
        yield fake, client, key, account_id


def _post(client, key, account_id, platform="telegram", text="Launch day!", **extra):
    answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": text, "targets": [{"platform": platform, "account_id": account_id}], **extra})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["data"]["post_id"]


def _target(client, key, post_id) -> dict:
    return client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"]["targets"][0]


def _events(receiver) -> list[dict]:
    return [json.loads(request["body"]) for request in receiver.received("/dock")]


def test_a_real_worker_publishes_a_live_target_through_the_periodic_job(pg_app, telegram, receiver):
    assert ("worker.socialdock_jobs.publish_live_targets", PUBLISHING_QUEUE) in [
        (job.name, job.queue_name) for job in registered_jobs()]
    fake, client, key, account_id = telegram
    post_id = _post(client, key, account_id)
    assert _target(client, key, post_id)["status"] == "publishing"
    connection = redis_connection(pg_app)
    Queue(PUBLISHING_QUEUE, connection=connection).enqueue("worker.socialdock_jobs.publish_live_targets")
    db.session.remove()
    db.engine.dispose()
    Worker([Queue(PUBLISHING_QUEUE, connection=connection)], connection=connection).work(burst=True)
    run_worker(pg_app)
    (sent,) = fake.published()
    assert sent["text"] == "Launch day!" and sent["chat_id"] == CHAT
    target = _target(client, key, post_id)
    assert target["status"] == "published" and target["platform_post_id"] == sent["id"]
    assert target["platform_post_url"] == f"https://t.me/docknews/{sent['id']}" and target["error"] is None
    (event,) = _events(receiver)
    assert event["event"] == "post_published" and event["data"]["target"]["platform_post_id"] == sent["id"]


def test_a_lost_answer_ends_with_exactly_one_message(pg_app, telegram, clock):
    fake, client, key, account_id = telegram
    post_id = _post(client, key, account_id)
    fake.arm("POST", SEND, lose_answer())
    assert run_live(pg_app) == 1
    assert len(fake.published()) == 1
    target = _target(client, key, post_id)
    assert target["status"] == "published" and target["platform_post_id"] == fake.published()[0]["id"]
    second = _post(client, key, account_id, text="Day two")  # the next post probes from the one we know
    fake.arm("POST", SEND, lose_answer())
    clock.advance(seconds=2)  # Telegram's one message a second per chat
    run_live(pg_app)
    assert [post["text"] for post in fake.published()] == ["Launch day!", "Day two"]
    assert _target(client, key, second)["platform_post_id"] == fake.published()[1]["id"]


def test_429_is_waited_out_with_the_reason_visible_meanwhile(pg_app, telegram, clock):
    fake, client, key, account_id = telegram
    post_id = _post(client, key, account_id)
    fake.arm("POST", SEND, status(429, body='{"ok": false, "error_code": 429, "description": "Too Many Requests: '
                                            'retry after 30", "parameters": {"retry_after": 30}}'))
    run_live(pg_app)
    waiting = _target(client, key, post_id)
    assert waiting["status"] == "publishing" and "slow down" in waiting["error"] and "next attempt" in waiting["error"]
    assert fake.published() == []
    assert run_live(pg_app) == 0  # not before its time: never hammer
    clock.advance(seconds=31)
    assert run_live(pg_app) == 1
    done = _target(client, key, post_id)
    assert done["status"] == "published" and done["error"] is None and len(fake.published()) == 1


def test_the_chat_limit_queues_the_second_message_instead_of_sending_it(pg_app, telegram, clock):
    fake, client, key, account_id = telegram
    first, second = _post(client, key, account_id, text="one"), _post(client, key, account_id, text="two")
    run_live(pg_app)
    assert [post["text"] for post in fake.published()] == ["one"]
    assert "rate limit" in _target(client, key, second)["error"]
    clock.advance(seconds=2)
    run_live(pg_app)
    assert [post["text"] for post in fake.published()] == ["one", "two"]
    assert {_target(client, key, post)["status"] for post in (first, second)} == {"published"}


def test_a_revoked_bot_disconnects_the_account_and_fails_its_targets_with_post_failed(pg_app, telegram, receiver,
                                                                                    clock):
    fake, client, key, account_id = telegram
    now_post = _post(client, key, account_id)
    later_post = _post(client, key, account_id, text="Tomorrow", publish_now=False,
                       scheduled_at=(clock() + timedelta(days=1)).isoformat())
    fake.revoke()
    run_live(pg_app)
    for post_id in (now_post, later_post):
        target = _target(client, key, post_id)
        assert target["status"] == "failed" and "revoked" in target["error"]
    status_answer = client.get(f"{PREFIX}/accounts/status", headers=auth(key)).get_json()["data"]
    (account,) = status_answer["accounts"]
    assert account["status"] == "disconnected" and "revoked" in account["reason"]
    assert status_answer["connected_platforms"] == []
    run_worker(pg_app)
    assert sorted(event["event"] for event in _events(receiver)) == ["post_failed", "post_failed"]
    assert fake.published() == []


def test_a_worker_killed_mid_publish_is_covered_by_its_lease_without_a_second_message(pg_app, telegram, clock):
    fake, client, key, account_id = telegram
    post_id = _post(client, key, account_id)
    # A worker claims the target, sends, and dies before it learns the answer (nothing after the send is saved).
    (target_id,) = live.claim(clock(), "dead-worker")
    target = db.session.get(DockTarget, target_id)
    post, account = db.session.get(DockPost, target.post_id), db.session.get(DockAccount, target.account_id)
    ctx = live._context(target, post, account, TELEGRAM, platform_config.app_credentials(TELEGRAM), "dead-worker")
    fake.arm("POST", SEND, lose_answer())
    with pytest.raises(PlatformError):
        TELEGRAM.publish(ctx)
    assert len(fake.published()) == 1
    assert run_live(pg_app) == 0  # its lease still holds
    clock.advance(minutes=11)
    assert run_live(pg_app) == 1
    target = _target(client, key, post_id)
    assert target["status"] == "published" and len(fake.published()) == 1
    assert target["platform_post_id"] == fake.published()[0]["id"]


@pytest.fixture(name="demo")
def _demo(pg_app, clock, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, "threads", DemoAdapter("threads"))
    with FakeOAuthPlatform(refresh_returns_refresh=False) as fake:
        configure_platform(pg_app, "threads", fake, *DEMO_CLIENT)
        client = pg_app.test_client()
        _, key = workspace()
        yield fake, client, key, connect_oauth(client, key, "threads")


def test_a_401_is_refreshed_once_and_a_refresh_without_a_new_refresh_token_keeps_the_old(pg_app, demo):
    fake, client, key, account_id = demo
    account = db.session.get(DockAccount, parse_id("account", account_id))
    before = vault.unseal_tokens(account.token_ciphertext)
    post_id = _post(client, key, account_id, platform="threads")
    fake.expire_access_tokens()
    run_live(pg_app)
    assert fake.refreshes == 1 and len(fake.published()) == 1
    assert _target(client, key, post_id)["status"] == "published"
    db.session.expire_all()
    after = vault.unseal_tokens(db.session.get(DockAccount, account.id).token_ciphertext)
    assert after.access_token != before.access_token and after.refresh_token == before.refresh_token


def test_the_platform_s_rules_answer_400_when_the_post_is_created(pg_app, demo):
    _fake, client, key, account_id = demo
    answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "x" * 300, "targets": [{"platform": "threads", "account_id": account_id}]})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["details"] == "targets[0] (threads): threads: a post is at most 280 characters"
    outside = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "hi", "media_urls": ["https://cdn.example.com/a.jpg"],
        "targets": [{"platform": "threads", "account_id": account_id}]})
    assert outside.status_code == 400 and "POST /media first" in outside.get_json()["error"]["details"]


def test_the_metrics_job_fills_the_analytics_with_fetched_at(pg_app, demo, clock):
    fake, client, key, account_id = demo
    post_id = _post(client, key, account_id, platform="threads")
    before = client.get(f"{PREFIX}/posts/{post_id}/analytics", headers=auth(key)).get_json()["data"]["targets"][0]
    assert before["metrics"]["views"] is None and before["fetched_at"] is None
    run_live(pg_app)
    assert ("worker.socialdock_jobs.fetch_live_metrics", PUBLISHING_QUEUE) in [
        (job.name, job.queue_name) for job in registered_jobs()]
    assert run_metrics(pg_app) == 2
    target = client.get(f"{PREFIX}/posts/{post_id}/analytics", headers=auth(key)).get_json()["data"]["targets"][0]
    assert target["metrics"] == {"views": 1200, "likes": 80, "comments": 9, "shares": 4}
    assert target["fetched_at"] == clock().strftime("%Y-%m-%dT%H:%M:%S.000Z") and target["sandbox"] is False
    account = client.get(f"{PREFIX}/accounts/{account_id}/analytics", headers=auth(key)).get_json()["data"]
    assert account["metrics"]["followers"] == 5120 and account["fetched_at"] is not None
    assert run_metrics(pg_app) == 0  # spaced: not again within the hour
    clock.advance(hours=1, minutes=1)
    assert run_metrics(pg_app) == 1  # the post again; the account waits for its own interval


def test_tokens_are_refreshed_ahead_of_their_expiry(pg_app, demo, clock):
    fake, client, key, account_id = demo
    clock.advance(minutes=55)  # the access token (an hour) expires within the refresh margin
    post_id = _post(client, key, account_id, platform="threads")
    run_live(pg_app)
    assert fake.refreshes == 1 and _target(client, key, post_id)["status"] == "published"
    assert not [seen for seen in fake.requests if seen["path"].endswith("/posts") and seen["method"] == "POST"
                and seen["headers"].get("Authorization", "").split()[-1] not in fake.access]


def test_linkedin_by_oauth_publishes_through_the_api_not_the_extension(pg_app, clock, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, "linkedin", DemoAdapter("linkedin"))
    client = pg_app.test_client()
    _, key = workspace()
    with FakeOAuthPlatform() as fake:
        configure_platform(pg_app, "linkedin", fake, *DEMO_CLIENT)
        connect_url = client.post(f"{PREFIX}/accounts/connect", headers=auth(key), json={
            "platform": "linkedin", "redirect_url": "https://app.example.com/cb"}).get_json()["data"]["connect_url"]
        page = client.get(connect_url.replace("http://localhost", "")).get_data(as_text=True)
        start = page.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert start.startswith("/socialdock/oauth/start?token=")
        consent = client.get(start)
        back = requests.get(consent.headers["Location"], allow_redirects=False, timeout=10).headers["Location"]
        done = client.get(back.replace("http://localhost", ""))
        assert done.status_code == 303, done.get_data(as_text=True)
        account_id = parse_qs(urlsplit(done.headers["Location"]).query)["account_id"][0]
        post_id = _post(client, key, account_id, platform="linkedin", text="Via the REST API")
        assert _target(client, key, post_id)["status"] == "publishing"
        run_live(pg_app)
        assert [post["text"] for post in fake.published()] == ["Via the REST API"]
    target = db.session.scalar(db.select(DockTarget))
    assert target.status == "published" and target.engine_post_id is None


def test_the_bot_token_reaches_no_log_line_and_no_answer(pg_app, telegram, caplog):
    caplog.set_level(logging.DEBUG)
    fake, client, key, account_id = telegram
    post_id = _post(client, key, account_id)
    fake.arm("POST", SEND, lose_answer())  # the unhappy path logs the most
    run_live(pg_app)
    assert _target(client, key, post_id)["status"] == "published"
    assert any("/bot[redacted]/" in record.getMessage() for record in caplog.records)  # urllib3 logged calls
    for record in caplog.records:
        assert BOT_TOKEN not in record.getMessage() and BOT_TOKEN.split(":")[1] not in record.getMessage()
    for path in (f"{PREFIX}/accounts", f"{PREFIX}/accounts/status", f"{PREFIX}/posts/{post_id}",
                 f"{PREFIX}/accounts/{account_id}/analytics"):
        assert BOT_TOKEN.split(":")[1] not in client.get(path, headers=auth(key)).get_data(as_text=True)


def test_a_photo_from_our_media_store_is_uploaded_to_telegram(pg_app, telegram, tmp_path):
    fake, client, key, account_id = telegram
    pg_app.config["SOCIALDOCK_MEDIA_DIR"] = str(tmp_path)
    server = MediaServer()
    try:
        pg_app.config["SOCIALDOCK_MEDIA_TRUSTED_ORIGINS"] = [server.origin]
        url = store_media(client, key, server, JPEG, "launch.jpg")
    finally:
        server.close()
    post_id = _post(client, key, account_id, text="With a photo", media_urls=[url])
    run_live(pg_app)
    (sent,) = fake.published()
    assert sent["kind"] == "photo" and sent["media"] == 1 and sent["text"] == "With a photo"
    assert _target(client, key, post_id)["status"] == "published"
    changed = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "x" * 1100, "media_urls": [url], "targets": [{"platform": "telegram", "account_id": account_id}]})
    assert changed.status_code == 400 and "caption" in changed.get_json()["error"]["details"]


def test_threads_connected_and_published_through_our_endpoints_and_its_long_lived_token_renewed(pg_app, clock):
    """The real Threads adapter (landed from meta14) against its fake, through the connect endpoints and the job."""
    client = pg_app.test_client()
    _, key = workspace()
    with FakeThreads() as fake:
        configure_platform(pg_app, "threads", fake, extra={"poll_interval": 0.01, "poll_attempts": 5})
        account_id = connect_oauth(client, key, "threads")
        post_id = _post(client, key, account_id, platform="threads", text="Hello, Threads")
        run_live(pg_app)
        assert [post["text"] for post in fake.published()] == ["Hello, Threads"]
        target = _target(client, key, post_id)
        assert target["status"] == "published" and target["platform_post_id"] == fake.published()[0]["id"]
        before = vault.unseal_tokens(db.session.get(DockAccount, parse_id("account", account_id)).token_ciphertext)
        assert before.refresh_token is None  # Threads' long-lived token renews itself
        clock.advance(days=55)  # an idle account, its token a week from expiring
        run_metrics(pg_app)
        db.session.expire_all()
        after = vault.unseal_tokens(db.session.get(DockAccount, parse_id("account", account_id)).token_ciphertext)
        assert after.access_token != before.access_token and fake.calls("GET", "/refresh_access_token") == 1


def test_two_workers_running_at_once_publish_each_target_exactly_once(pg_app, demo):
    fake, client, key, account_id = demo
    posts = [_post(client, key, account_id, platform="threads", text=f"post {number}") for number in range(6)]
    db.session.commit()
    taken, failures = [], []

    def worker():
        try:
            taken.append(run_live(pg_app))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and sum(taken) == 6
    assert sorted(post["text"] for post in fake.published()) == [f"post {number}" for number in range(6)]
    assert {_target(client, key, post)["status"] for post in posts} == {"published"}


def test_a_post_whose_targets_two_workers_end_at_once_is_stored_published(pg_app, clock, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, "threads", DemoAdapter("threads"))
    client = pg_app.test_client()
    _, key = workspace()
    with FakeOAuthPlatform(identities=(("page-1", "One"), ("page-2", "Two"))) as fake:
        configure_platform(pg_app, "threads", fake, *DEMO_CLIENT)
        accounts = [connect_oauth(client, key, "threads", choose=page) for page in ("page-1", "page-2")]
        answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "Both pages", "targets": [{"platform": "threads", "account_id": account} for account in accounts]})
        post_id = answer.get_json()["data"]["post_id"]
        db.session.commit()
        threads = [threading.Thread(target=run_live, args=(pg_app,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(fake.published()) == 2
    listed = client.get(f"{PREFIX}/posts?status=published", headers=auth(key)).get_json()
    assert [post["id"] for post in listed["data"]["posts"]] == [post_id]


def test_a_rotated_refresh_token_is_stored_and_the_next_refresh_uses_it(pg_app, clock, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, "threads", DemoAdapter("threads"))
    client = pg_app.test_client()
    _, key = workspace()
    with FakeOAuthPlatform(rotate_refresh=True) as fake:  # each refresh spends the refresh token (as TikTok's)
        configure_platform(pg_app, "threads", fake, *DEMO_CLIENT)
        account_id = connect_oauth(client, key, "threads")
        for number in range(2):
            fake.expire_access_tokens()
            clock.advance(seconds=2)
            _post(client, key, account_id, platform="threads", text=f"post {number}")
            run_live(pg_app)
        assert fake.refreshes == 2 and len(fake.published()) == 2
        stored = vault.unseal_tokens(db.session.get(DockAccount, parse_id("account", account_id)).token_ciphertext)
        assert fake.refresh_tokens[stored.refresh_token] == "ok"  # the newest, not a spent one
    assert client.get(f"{PREFIX}/accounts/status", headers=auth(key)).get_json()["data"]["accounts"][0][
        "status"] == "active"


def test_linkedin_connected_with_its_own_oauth_publishes_through_its_rest_api(pg_app, clock):
    """The real LinkedIn adapter (landed from lireddit14) against its fake, through our connect pages (the member
    and the organizations it administers are offered) and the live publisher."""
    client = pg_app.test_client()
    _, key = workspace()
    with FakeLinkedIn() as fake:
        configure_platform(pg_app, "linkedin", fake)
        connect_url = client.post(f"{PREFIX}/accounts/connect", headers=auth(key), json={
            "platform": "linkedin", "redirect_url": "https://app.example.com/cb"}).get_json()["data"]["connect_url"]
        page = client.get(connect_url.replace("http://localhost", "")).get_data(as_text=True)
        start = page.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        consent = client.get(start)
        back = requests.get(consent.headers["Location"], allow_redirects=False, timeout=10).headers["Location"]
        choices = client.get(back.replace("http://localhost", ""))
        assert choices.status_code == 200 and fake.member_urn in choices.get_data(as_text=True)
        pick = choices.get_data(as_text=True).split('name="pick" value="', 1)[1].split('"', 1)[0]
        done = client.post("/socialdock/oauth/linkedin/choose", data={"pick": pick,
                                                                       "platform_account_id": fake.member_urn})
        assert done.status_code == 303, done.get_data(as_text=True)
        account_id = parse_qs(urlsplit(done.headers["Location"]).query)["account_id"][0]
        post_id = _post(client, key, account_id, platform="linkedin", text="Hello from the REST API")
        run_live(pg_app)
        (sent,) = fake.published()
        assert sent["text"] == "Hello from the REST API"
        target = _target(client, key, post_id)
        assert target["status"] == "published" and target["platform_post_id"] == sent["id"]
