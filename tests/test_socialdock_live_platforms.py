"""One text post to every text-capable platform at once (Facebook, Threads, LinkedIn, Reddit, Telegram), each
connected through our endpoints with its real adapter against its fake; each target published once, with its
platform id, and one post_published per target."""

import json

from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta_facebook import FakeFacebook
from tests.fakes.meta_threads import FakeThreads
from tests.fakes.reddit import FakeReddit
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.socialdock_helpers import PREFIX, auth, workspace
from tests.socialdock_live_helpers import configure_platform, connect_oauth, connect_telegram, run_live
from tests.test_socialdock_live_publishing import _clock, _receiver  # noqa: F401  (fixtures)
from tests.test_webhook_helpers import run_worker

CHAT = "-1007770001"


def test_one_text_post_reaches_five_platforms_once_each(pg_app, clock, receiver):
    client = pg_app.test_client()
    _, key = workspace()
    fakes = {"facebook": FakeFacebook(), "threads": FakeThreads(), "linkedin": FakeLinkedIn(),
             "reddit": FakeReddit(), "telegram": FakeTelegram()}
    for fake in fakes.values():
        fake.start()
    try:
        fakes["telegram"].add_chat(CHAT)
        accounts = {}
        for platform, fake in fakes.items():
            if platform == "telegram":
                configure_platform(pg_app, platform, fake, client_id="", client_secret="")
                accounts[platform] = connect_telegram(client, key, fake, CHAT, BOT_TOKEN)
            else:
                configure_platform(pg_app, platform, fake, extra={"poll_interval": 0.01, "poll_attempts": 5})
                accounts[platform] = connect_oauth(client, key, platform, choose=None)
        hook = client.post(f"{PREFIX}/webhooks", headers=auth(key), json={
            "url": receiver.url("/dock"), "events": ["post_published", "post_failed"]})
        assert hook.status_code == 200
        answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "Launch day, everywhere", "title": "Launch day",
            "targets": [{"platform": platform, "account_id": account_id,
                         "metadata": {"subreddit": "test"} if platform == "reddit" else {}}
                        for platform, account_id in accounts.items()]})
        assert answer.status_code == 200, answer.get_json()
        post_id = answer.get_json()["data"]["post_id"]
        while run_live(pg_app):
            clock.advance(seconds=2)
        post = client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"]
        for target in post["targets"]:
            fake = fakes[target["platform"]]
            assert target["status"] == "published", target
            assert [item["id"] for item in fake.published()] == [target["platform_post_id"]], target["platform"]
        assert post["status"] == "published"
        run_worker(pg_app)
        events = [json.loads(request["body"]) for request in receiver.received("/dock")]
        assert sorted(event["data"]["target"]["platform"] for event in events) == sorted(accounts)
        assert {event["event"] for event in events} == {"post_published"}
    finally:
        for fake in fakes.values():
            fake.stop()
