"""One post to many platforms at once, each connected through our endpoints with its real adapter against its fake:
a text post to Facebook, Threads, LinkedIn, Reddit and Telegram; a video post to Facebook, Instagram, LinkedIn,
TikTok, Telegram and YouTube (media from our store, uploaded or pulled from our public URL). Each target published
once with its platform id, one post_published per target. One post reaches all eight: the page's Platform Notes
exclude each other (Threads and Reddit take no video, TikTok and YouTube need one), so the Threads and Reddit targets
name their own media (`metadata.media_urls: []`, a text post there)."""

import json
import threading

from werkzeug.serving import make_server

from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta_facebook import FakeFacebook
from tests.fakes.meta_instagram import FakeInstagram
from tests.fakes.meta_threads import FakeThreads
from tests.fakes.reddit import FakeReddit
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.fakes.tiktok import FakeTikTok
from tests.fakes.youtube import FakeYouTube
from tests.meta_helpers import mp4
from tests.socialdock_helpers import PREFIX, MediaServer, auth, workspace
from tests.socialdock_live_helpers import configure_platform, connect_oauth, connect_telegram, run_live, store_media
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


def test_one_post_reaches_all_eight_platforms_once_each(pg_app, clock, receiver, tmp_path):
    """One post, eight targets: the video goes to Facebook, Instagram, LinkedIn, TikTok, Telegram and YouTube (from our
    media store, uploaded or pulled from our public URL); Threads and Reddit, which take no video, get the text."""
    server = make_server("127.0.0.1", 0, pg_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    media_server = MediaServer()
    pg_app.config.update(SOCIALDOCK_PUBLIC_BASE_URL=f"http://127.0.0.1:{server.server_port}",
                         SOCIALDOCK_MEDIA_DIR=str(tmp_path), SOCIALDOCK_MEDIA_TRUSTED_ORIGINS=[media_server.origin])
    client = pg_app.test_client()
    _, key = workspace()
    fakes = {"facebook": FakeFacebook(), "instagram": FakeInstagram(), "linkedin": FakeLinkedIn(),
             "tiktok": FakeTikTok(), "telegram": FakeTelegram(), "youtube": FakeYouTube(), "threads": FakeThreads(),
             "reddit": FakeReddit()}
    extra = {"poll_interval": 0, "poll_attempts": 5, "chunk_size": 64 * 1024, "video_poll_seconds": 0,
             "status_polls": 3}
    fakes["tiktok"].min_chunk = 64 * 1024  # a 300 KB video spans several chunks
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
                configure_platform(pg_app, platform, fake, extra=extra)
                accounts[platform] = connect_oauth(client, key, platform)
        assert client.post(f"{PREFIX}/webhooks", headers=auth(key), json={
            "url": receiver.url("/video"), "events": ["post_published", "post_failed"]}).status_code == 200
        video = mp4(tmp_path / "clip.mp4")
        with open(video, "rb") as handle:
            url = store_media(client, key, media_server, handle.read(), "clip.mp4")
        metadata = {"tiktok": {"privacy_level": "SELF_ONLY"}, "youtube": {"privacy": "unlisted"},
                    "threads": {"media_urls": []}, "reddit": {"subreddit": "test", "media_urls": []}}
        refused = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "Launch video", "title": "Launch video", "media_urls": [url],
            "targets": [{"platform": "threads", "account_id": accounts["threads"]}]})
        assert refused.status_code == 400
        assert "targets[0] (threads).media_urls: threads does not take video" in refused.get_json()["error"]["details"]
        answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "Launch video", "title": "Launch video", "media_urls": [url],
            "targets": [{"platform": platform, "account_id": account_id, "metadata": metadata.get(platform, {})}
                        for platform, account_id in accounts.items()]})
        assert answer.status_code == 200, answer.get_json()
        post_id = answer.get_json()["data"]["post_id"]
        for _run in range(10):
            if not run_live(pg_app):
                break
            clock.advance(seconds=10)
        post = client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"]
        assert sorted(target["platform"] for target in post["targets"]) == sorted(fakes)
        for target in post["targets"]:
            assert target["status"] == "published", target
            assert [item["id"] for item in fakes[target["platform"]].published()] == [target["platform_post_id"]]
        assert post["status"] == "published"
        assert [item["text"] for item in fakes["threads"].published()] == ["Launch video"]
        assert [video["status"]["privacyStatus"] for video in fakes["youtube"].videos] == ["unlisted"]
        run_worker(pg_app)
        events = [json.loads(request["body"]) for request in receiver.received("/video")]
        assert sorted((event["event"], event["data"]["target"]["platform"]) for event in events) == sorted(
            ("post_published", platform) for platform in accounts)
    finally:
        for fake in fakes.values():
            fake.stop()
        media_server.close()
        server.shutdown()
