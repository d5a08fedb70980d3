"""Edges of live publishing and connecting: a platform that keeps failing ends the target in bounded time with the
last reason; disconnecting through the API withdraws scheduled live targets; the connect pages answer bad input
with a page and a 4xx, never a 500."""

from datetime import UTC, datetime, timedelta

import pytest

from app.clock import ManualClock
from app.platforms.config import app_credentials
from app.platforms.telegram import ADAPTER
from app.socialdock import live
from tests.fakes.base import status
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.socialdock_helpers import PREFIX, auth, workspace
from tests.socialdock_live_helpers import configure_platform, connect_telegram, run_live
from tests.test_socialdock_live_publishing import CHAT, SEND


@pytest.fixture(name="telegram")
def _telegram(pg_app):
    clock = ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    pg_app.config["CLOCK"] = clock
    client = pg_app.test_client()
    _, key = workspace()
    with FakeTelegram() as fake:
        fake.add_chat(CHAT)
        configure_platform(pg_app, "telegram", fake, client_id="", client_secret="")
        yield fake, client, key, connect_telegram(client, key, fake, CHAT, BOT_TOKEN), clock


def _post(client, key, account_id, **extra) -> str:
    answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Hello", "targets": [{"platform": "telegram", "account_id": account_id}], **extra})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["data"]["post_id"]


def _target(client, key, post_id) -> dict:
    return client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"]["targets"][0]


def test_a_platform_that_keeps_failing_ends_the_target_after_bounded_attempts(pg_app, telegram):
    fake, client, key, account_id, clock = telegram
    post_id = _post(client, key, account_id)
    fake.arm("POST", SEND, status(502, times=live.MAX_ATTEMPTS, body='{"ok": false, "error_code": 502, '
                                                                    '"description": "Bad Gateway"}'))
    for _attempt in range(live.MAX_ATTEMPTS - 1):
        run_live(pg_app)
        waiting = _target(client, key, post_id)
        assert waiting["status"] == "publishing" and "HTTP 502" in waiting["error"]
        clock.advance(seconds=31)
    run_live(pg_app)
    failed = _target(client, key, post_id)
    assert failed["status"] == "failed"
    assert failed["error"].startswith(f"gave up after {live.MAX_ATTEMPTS} attempts: Telegram is unavailable")
    assert fake.published() == []


def test_disconnecting_through_the_api_withdraws_scheduled_live_targets(pg_app, telegram):
    fake, client, key, account_id, clock = telegram
    post_id = _post(client, key, account_id, publish_now=False,
                    scheduled_at=(clock() + timedelta(hours=1)).isoformat())
    answer = client.delete(f"{PREFIX}/accounts/{account_id}", headers=auth(key)).get_json()["data"]
    assert answer == {"success": True, "withdrawn_targets": 1, "still_publishing": 0}
    assert _target(client, key, post_id)["status"] == "failed"
    clock.advance(hours=2)
    assert run_live(pg_app) == 0 and fake.published() == []


@pytest.mark.parametrize("path", [
    "/socialdock/oauth/threads/callback", "/socialdock/oauth/threads/callback?state=" + "x" * 5000 + "&code=1",
    "/socialdock/oauth/%3Cscript%3E/callback?state=a&code=b", "/socialdock/oauth/start?token=tok_nope",
    "/socialdock/connect?token=" + "tok_" + "a" * 200,
])
def test_connect_pages_answer_bad_input_with_a_4xx_page(pg_app, path):
    answer = pg_app.test_client().get(path)
    assert 400 <= answer.status_code < 500 and answer.mimetype == "text/html"


def test_connect_forms_answer_bad_input_with_a_4xx_page(pg_app, telegram):
    _fake, client, _key, _account_id, _clock = telegram
    for path, data in (("/socialdock/oauth/threads/choose", {}),
                       ("/socialdock/oauth/threads/choose", {"pick": "\x00" * 10, "platform_account_id": "1"}),
                       ("/socialdock/connect", {"token": "tok_missing", "step": "bot", "bot_token": "x"})):
        answer = client.post(path, data=data)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)


def test_live_publishing_works_on_both_databases(app):
    """PostgreSQL claims with SKIP LOCKED; SQLite (embedded mode) serialises writers instead."""
    app.config["CLOCK"] = ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    client = app.test_client()
    _, key = workspace()
    with FakeTelegram() as fake:
        fake.add_chat(CHAT)
        configure_platform(app, "telegram", fake, client_id="", client_secret="")
        account_id = connect_telegram(client, key, fake, CHAT, BOT_TOKEN)
        post_id = _post(client, key, account_id)
        fake.arm("POST", SEND, status(429, body='{"ok": false, "error_code": 429, "description": "Too Many '
                                                'Requests: retry after 5", "parameters": {"retry_after": 5}}'))
        run_live(app)
        assert "slow down" in _target(client, key, post_id)["error"]
        app.config["CLOCK"].advance(seconds=6)
        assert run_live(app) == 1
    assert _target(client, key, post_id)["status"] == "published" and len(fake.published()) == 1


def test_two_workers_never_hold_one_target_and_one_whose_lease_expired_stops_writing(pg_app, telegram):
    fake, client, key, account_id, clock = telegram
    post_id = _post(client, key, account_id)
    (taken,) = live.claim(clock(), "worker-a")
    assert live.claim(clock(), "worker-b") == []
    clock.advance(minutes=11)  # worker-a stalled past its lease
    assert live.claim(clock(), "worker-b") == [taken]
    live.publish_target(taken, "worker-a")  # wakes up: its first save finds the lease gone, it sends nothing
    assert fake.published() == [] and _target(client, key, post_id)["status"] == "publishing"
    clock.advance(seconds=2)  # worker-a took the chat's one-a-second slot before it stopped
    live.publish_target(taken, "worker-b")
    assert len(fake.published()) == 1 and _target(client, key, post_id)["status"] == "published"


def test_an_adapter_s_own_settings_reach_it_as_app_credentials_extra(pg_app):
    with FakeTelegram() as fake:
        configure_platform(pg_app, "telegram", fake, client_id="", client_secret="", extra={"chunk_bytes": 1024})
        assert app_credentials(ADAPTER).extra == {"chunk_bytes": 1024} and app_credentials(ADAPTER).api_base == fake.url
    pg_app.config["SOCIALDOCK_TELEGRAM_EXTRA"] = '{"chunk_bytes": 2048}'  # as the environment gives it
    assert app_credentials(ADAPTER).extra == {"chunk_bytes": 2048}
