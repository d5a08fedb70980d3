"""A create whose answer never came back is never sent twice: a broken connection, a gateway's 502/504 after the
platform acted, a platform's own 500 after it acted. Any 5xx answer to a write may have happened, so the publisher
asks the platform (`find_published`) before anything is sent again."""

import json

import pytest
import requests

from app.platforms import facebook, reddit, tiktok, youtube
from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, PlatformError, TokenSet
from app.platforms.linkedin import ADAPTER as LINKEDIN
from app.platforms.oauth import pkce_pair
from app.platforms.telegram import ADAPTER
from tests.fakes.base import after_acting, lose_answer
from tests.fakes.context import app_for, context, media_file
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.meta import FakeFacebook
from tests.fakes.reddit import FakeReddit
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.fakes.tiktok import FakeTikTok
from tests.fakes.youtube import CHANNEL, UPLOADS, FakeYouTube
from tests.linkedin_helpers import PART, fresh_tokens, member
from tests.meta_helpers import connected

CHAT = "-1001234567890"


def _refresh():
    raise AssertionError("no refresh expected")


def _attempts(adapter, ctx, times: int = 3) -> list:
    """The publisher's attempts until one publishes (a RETRY_LATER leaves the target for the next attempt); what
    each one ended with."""
    outcomes = []
    for _ in range(times):
        try:
            outcomes.append(publish_once(adapter, ctx, _refresh))
            break
        except PlatformError as error:
            assert error.kind is ErrorKind.RETRY_LATER, error.message
            outcomes.append(error)
    return outcomes


def _telegram(fake, text="Our announcement"):
    fake.add_chat(CHAT)
    known = fake.person_posts(CHAT, "/connect 123456")
    return context(app_for(ADAPTER, fake), TokenSet(BOT_TOKEN),
                   Identity(CHAT, "docknews", "Dock News", extra={"last_post_id": known}), text=text)


def test_telegram_lost_answer_in_a_busy_chat_is_not_sent_twice():
    """25 messages of other people since our last known one: the probe walks past them all to ours."""
    with FakeTelegram() as fake:
        ctx = _telegram(fake)
        for index in range(25):
            fake.person_posts(CHAT, f"chatter {index}")
        fake.arm("POST", f"/bot{BOT_TOKEN}/sendMessage", lose_answer())
        assert _attempts(ADAPTER, ctx)[-1].platform_post_id == fake.published()[0]["id"]
        assert [post["text"] for post in fake.published()] == ["Our announcement"]


@pytest.mark.parametrize("code", [500, 502, 504])
def test_telegram_5xx_after_sending_is_not_sent_twice(code):
    with FakeTelegram() as fake:
        ctx = _telegram(fake)
        fake.arm("POST", f"/bot{BOT_TOKEN}/sendMessage", after_acting(code))
        outcomes = _attempts(ADAPTER, ctx)
        assert [post["text"] for post in fake.published()] == ["Our announcement"]
        assert outcomes[0].platform_post_id == fake.published()[0]["id"]  # found by asking, at once


def test_telegram_unreadable_200_after_sending_is_not_sent_twice():
    with FakeTelegram() as fake:
        ctx = _telegram(fake)
        fake.arm("POST", f"/bot{BOT_TOKEN}/sendMessage", after_acting(200, body="<html>ok</html>"))
        _attempts(ADAPTER, ctx)
        assert [post["text"] for post in fake.published()] == ["Our announcement"]


def test_linkedin_gateway_timeout_after_posting_is_not_posted_twice():
    with FakeLinkedIn(video_part_size=PART) as fake:
        ctx = context(app_for(LINKEDIN, fake, video_poll_seconds=0), fresh_tokens(fake), member(fake))
        fake.arm("POST", "/rest/posts", after_acting(504, body="upstream timed out"))
        _attempts(LINKEDIN, ctx)
        assert len(fake.published()) == 1


def test_reddit_bad_gateway_after_submitting_is_not_submitted_twice():
    with FakeReddit() as fake:
        access, refresh = fake.issue_tokens()
        ctx = context(app_for(reddit.ADAPTER, fake), TokenSet(access, refresh),
                      Identity("t2_1w72", fake.username, f"u/{fake.username}", extra={"kind": "user"}),
                      title="Show and tell", metadata={"subreddit": "r/python"})
        fake.arm("POST", "/api/submit", after_acting(502))
        outcomes = _attempts(reddit.ADAPTER, ctx)
        assert len(fake.published()) == 1 and fake.calls("POST", "/api/submit") == 1
        assert outcomes[0].platform_post_id == fake.published()[0]["id"]


@pytest.mark.parametrize("code", [500, 400])
def test_facebook_transient_error_after_posting_is_not_posted_twice(code):
    """Meta's own trouble (code 2, `is_transient`) may come after the post was made, whatever the HTTP status."""
    transient = json.dumps({"error": {"message": "An unexpected error has occurred. Please retry your request "
                                      "later.", "type": "OAuthException", "code": 2, "is_transient": True}})
    with FakeFacebook() as fake:
        app, tokens = connected(facebook.ADAPTER, fake)
        [page] = facebook.ADAPTER.identities(app, tokens)
        ctx = context(app, page.tokens, page, text="Only once")
        fake.arm("POST", f"/{page.platform_account_id}/feed", after_acting(code, body=transient))
        _attempts(facebook.ADAPTER, ctx)
        assert len(fake.published()) == 1 and fake.calls("POST", f"/{page.platform_account_id}/feed") == 1


def _tiktok_tokens(app):
    verifier, challenge = pkce_pair()
    answer = requests.get(tiktok.ADAPTER.authorize_url(app, "https://app.example/cb", "s", challenge),
                          allow_redirects=False)
    code = answer.headers["Location"].split("code=", 1)[1].split("&", 1)[0]
    return tiktok.ADAPTER.exchange_code(app, code, "https://app.example/cb", verifier)


def test_tiktok_gateway_timeout_after_a_photo_post_is_not_posted_twice(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2048 + b"\xff\xd9")
    photo = media_file(str(path), url="https://media.example/m/photo.jpg")
    with FakeTikTok() as fake:
        app = app_for(tiktok.ADAPTER, fake, poll_interval=0)
        ctx = context(app, _tiktok_tokens(app), Identity("open-1", "fakecreator", "Fake Creator"),
                      text="A photo from the launch", media=[photo])
        fake.arm("POST", "/v2/post/publish/content/init/", after_acting(504))
        outcomes = _attempts(tiktok.ADAPTER, ctx)
        assert len(fake.published()) == 1 and fake.calls("POST", "/v2/post/publish/content/init/") == 1
        assert outcomes[0].platform_post_id == fake.published()[0]["id"]


@pytest.mark.parametrize("answer", [after_acting(503), after_acting(200, body="<html>upstream</html>")],
                         ids=["503", "unreadable-200"])
def test_youtube_trouble_after_the_last_chunk_is_not_uploaded_twice(tmp_path, answer):
    size = 300 * 1024
    path = tmp_path / "talk.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x01" * (size - 12))
    with FakeYouTube() as fake:
        app = app_for(youtube.ADAPTER, fake, chunk_size=1024 * 1024)
        verifier, challenge = pkce_pair()
        answer_page = requests.get(youtube.ADAPTER.authorize_url(app, "https://app.example/cb", "s", challenge),
                                   allow_redirects=False)
        code = answer_page.headers["Location"].split("code=", 1)[1].split("&", 1)[0]
        tokens = youtube.ADAPTER.exchange_code(app, code, "https://app.example/cb", verifier)
        account = Identity(CHANNEL, "@fakechannel", "Fake Channel", extra={"uploads_playlist": UPLOADS})
        ctx = context(app, tokens, account, title="Launch talk", text="The talk.", media=[media_file(str(path))])
        fake.arm("POST", "/upload/youtube/v3/videos", after_acting(500))  # the session was made all the same
        fake.arm("PUT", "/upload/youtube/v3/videos", answer)  # the one chunk: the video exists
        outcomes = _attempts(youtube.ADAPTER, ctx)
        assert len(fake.published()) == 1
        assert outcomes[-1].platform_post_id == fake.published()[0]["id"]
