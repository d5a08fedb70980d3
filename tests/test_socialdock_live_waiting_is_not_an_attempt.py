"""Review of issue 14: waiting in the platform's limits is not an attempt. A target queued behind others for a
chat's one-message-a-second limit must still get its retries when the platform then has a passing problem."""

from datetime import UTC, datetime

import pytest

from app.clock import ManualClock
from app.socialdock import live
from tests.fakes.base import status
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.socialdock_helpers import PREFIX, auth, workspace
from tests.socialdock_live_helpers import configure_platform, connect_telegram, run_live

CHAT = "-1005550001"
SEND = f"/bot{BOT_TOKEN}/sendMessage"


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


def test_a_target_that_waited_its_turn_is_not_given_up_on_its_first_passing_error(pg_app, telegram):
    fake, client, key, account_id, clock = telegram
    posts = []
    for index in range(live.MAX_ATTEMPTS + 1):
        answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": f"Message {index}", "targets": [{"platform": "telegram", "account_id": account_id}]})
        assert answer.status_code == 200, answer.get_json()
        posts.append(answer.get_json()["data"]["post_id"])
    for _run in range(live.MAX_ATTEMPTS):  # one message a second per chat: one goes per run, the others wait
        run_live(pg_app)
        clock.advance(seconds=1)
    assert len(fake.published()) == live.MAX_ATTEMPTS
    fake.arm("POST", SEND, status(502, body='{"ok": false, "error_code": 502, "description": "Bad Gateway"}'))
    for _run in range(5):
        run_live(pg_app)
        clock.advance(seconds=31)
    last = client.get(f"{PREFIX}/posts/{posts[-1]}", headers=auth(key)).get_json()["data"]["targets"][0]
    assert last["status"] == "published", last
