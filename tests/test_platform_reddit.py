"""The Reddit adapter against a loopback Reddit (tests/fakes/reddit.py): OAuth with basic auth, the identity,
self / link / image posts (media asset upload, resumed after a dropped upload), json.errors in words, the
rate-limit headers, 401 refreshed once, 429, a lost answer ending with one post, revoked access, the rules and the
numbers."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.platforms import registry
from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, MediaItem, PlatformError, TokenSet
from app.platforms.reddit import ADAPTER
from app.platforms.reddit_api import wait_from
from tests.fakes.base import lose_answer, reset, status
from tests.fakes.context import app_for, context, media_file
from tests.fakes.reddit import FakeReddit
from tests.platform_media import write_png

SUBREDDIT = {"subreddit": "r/python"}


@pytest.fixture
def fake():
    with FakeReddit() as running:
        yield running


@pytest.fixture
def app(fake):
    return app_for(ADAPTER, fake)


def _tokens(fake) -> TokenSet:
    access, refresh = fake.issue_tokens()
    return TokenSet(access_token=access, refresh_token=refresh)


def _user(fake) -> Identity:
    return Identity("t2_1w72", fake.username, f"u/{fake.username}", extra={"kind": "user"})


def _ctx(fake, app, tokens=None, **kwargs):
    kwargs.setdefault("title", "Show and tell")
    kwargs.setdefault("metadata", SUBREDDIT)
    return context(app, tokens or _tokens(fake), _user(fake), **kwargs)


def _no_refresh():
    pytest.fail("no refresh expected")


def test_registered():
    assert registry.adapter_for("reddit") is ADAPTER


def test_oauth_round_trip_with_basic_auth_and_a_wrong_code_refused(fake, app):
    url = ADAPTER.authorize_url(app, "https://app.example/cb", "st4te", None)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(fake.url + "/api/v1/authorize?")
    assert query["client_id"] == ["test-client"] and query["redirect_uri"] == ["https://app.example/cb"]
    assert query["state"] == ["st4te"] and query["duration"] == ["permanent"]
    assert set(query["scope"][0].split(" ")) == {"submit", "identity", "read"}

    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == ["st4te"]
    tokens = ADAPTER.exchange_code(app, back["code"][0], "https://app.example/cb", None)
    assert tokens.access_token and tokens.refresh_token and tokens.expires_at
    assert fake.requests[-1]["headers"]["Authorization"].startswith("Basic ")

    with pytest.raises(PlatformError) as refused:
        ADAPTER.exchange_code(app, back["code"][0], "https://app.example/cb", None)
    assert refused.value.kind is ErrorKind.DISCONNECT and "invalid_grant" in refused.value.message

    with pytest.raises(PlatformError) as made_up:
        ADAPTER.exchange_code(app, "not-a-code", "https://app.example/cb", None)
    assert made_up.value.kind is ErrorKind.DISCONNECT
    assert requests.get(url.replace("client_id=test-client", "client_id=someone-else"), allow_redirects=False,
                        timeout=5).status_code == 400

    renewed = ADAPTER.refresh(app, tokens)
    assert renewed.access_token != tokens.access_token and renewed.refresh_token is None  # the caller keeps the old

    wrong_secret = dataclasses.replace(app, client_secret="nope")
    with pytest.raises(PlatformError) as bad_app:
        ADAPTER.refresh(wrong_secret, tokens)
    assert bad_app.value.kind is ErrorKind.DISCONNECT and "client id or secret" in bad_app.value.message


def test_identity_is_the_user(fake, app):
    (user,) = ADAPTER.identities(app, _tokens(fake))
    assert (user.platform_account_id, user.username, user.display_name) == ("t2_1w72", "ada_lovelace",
                                                                            "u/ada_lovelace")


def test_self_post_with_a_unique_user_agent(fake, app):
    published = ADAPTER.publish(_ctx(fake, app, text="Body text"))
    assert published.platform_post_id.startswith("t3_") and "/r/python/comments/" in published.platform_post_url
    assert fake.published() == [{"id": published.platform_post_id, "text": "Body text", "title": "Show and tell",
                                 "subreddit": "python", "kind": "self", "media": 0}]
    assert {seen["headers"]["User-Agent"] for seen in fake.requests} == {"socialscalr-tests/1"}


def test_the_fake_refuses_a_generic_user_agent(fake):
    access, _ = fake.issue_tokens()
    answer = requests.get(fake.url + "/api/v1/me", headers={"Authorization": f"bearer {access}"}, timeout=5)
    assert answer.status_code == 403


def test_link_post(fake, app):
    ADAPTER.publish(_ctx(fake, app, metadata={**SUBREDDIT, "url": "https://example.com/article"}))
    assert fake.posts[0]["kind"] == "link" and fake.posts[0]["url"] == "https://example.com/article"


def test_image_post_through_the_media_store_found_in_the_submissions(fake, app, tmp_path):
    image = media_file(write_png(tmp_path))
    published = ADAPTER.publish(_ctx(fake, app, media=[image]))
    assert fake.published() == [{"id": published.platform_post_id, "text": "", "title": "Show and tell",
                                 "subreddit": "python", "kind": "image", "media": 1}]
    assert next(iter(fake.leases.values()))["bytes"] == image.size_bytes
    assert fake.calls("POST", "/s3-upload") == 1 and fake.calls("POST", "/api/submit") == 1


def test_an_image_still_processing_is_checked_never_resubmitted(fake, app, tmp_path):
    fake.image_listing_delay = 2  # the first two reads of the submissions do not list it yet
    ctx = _ctx(fake, app, media=[media_file(write_png(tmp_path))])
    with pytest.raises(PlatformError) as processing:
        publish_once(ADAPTER, ctx, _no_refresh)
    assert processing.value.kind is ErrorKind.RETRY_LATER and ctx.checkpoint["unconfirmed"]
    published = publish_once(ADAPTER, ctx, _no_refresh)
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", "/api/submit") == 1


def test_an_accepted_image_post_is_never_submitted_again_even_when_the_lookup_fails(fake, app, tmp_path):
    ctx = _ctx(fake, app, media=[media_file(write_png(tmp_path))])
    fake.arm("GET", f"/user/{fake.username}/submitted", status(500, times=2))  # the listing is down for a while
    with pytest.raises(PlatformError) as unsure:
        ADAPTER.publish(ctx)
    assert unsure.value.kind is ErrorKind.RETRY_LATER and unsure.value.maybe_happened
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)  # called directly again, it only looks (still down)
    published = ADAPTER.publish(ctx)
    assert fake.calls("POST", "/api/submit") == 1
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]


def test_an_interrupted_image_upload_resumes_on_the_same_lease(fake, app, tmp_path):
    ctx = _ctx(fake, app, media=[media_file(write_png(tmp_path))])
    fake.arm("POST", "/s3-upload", reset())
    with pytest.raises(PlatformError) as interrupted:
        ADAPTER.publish(ctx)
    assert interrupted.value.kind is ErrorKind.RETRY_LATER and not interrupted.value.maybe_happened
    ADAPTER.publish(ctx)
    assert fake.calls("POST", "/api/media/asset.json") == 1 and fake.calls("POST", "/s3-upload") == 2
    assert len(fake.published()) == 1


def test_an_upload_lease_that_expired_meanwhile_is_replaced(fake, app, tmp_path):
    ctx = _ctx(fake, app, media=[media_file(write_png(tmp_path))])
    fake.arm("POST", "/s3-upload", reset())
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)
    fake.expire_leases()
    published = ADAPTER.publish(ctx)
    assert fake.calls("POST", "/api/media/asset.json") == 2 and fake.calls("POST", "/s3-upload") == 3
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]


def test_json_errors_in_words(fake, app):
    with pytest.raises(PlatformError) as missing:
        ADAPTER.publish(_ctx(fake, app, metadata={"subreddit": "doesnotexist"}))
    assert missing.value.kind is ErrorKind.BAD_REQUEST
    assert missing.value.message == ("Reddit refused to post to r/doesnotexist: that subreddit doesn't exist (sr) "
                                     "[SUBREDDIT_NOEXIST]")

    fake.ratelimit_message = "you are doing that too much. try again in 5 minutes."
    with pytest.raises(PlatformError) as limited:
        ADAPTER.publish(_ctx(fake, app))
    assert limited.value.kind is ErrorKind.RETRY_LATER and limited.value.retry_after == 300
    assert "try again in 5 minutes" in limited.value.message
    assert fake.published() == []


def test_a_subreddit_that_requires_flair_names_it_and_a_flair_gets_the_post_through(fake, app):
    with pytest.raises(PlatformError) as no_flair:
        ADAPTER.publish(_ctx(fake, app, metadata={"subreddit": "askscience"}))
    assert no_flair.value.kind is ErrorKind.BAD_REQUEST and "must contain post flair" in no_flair.value.message
    ADAPTER.publish(_ctx(fake, app, metadata={"subreddit": "askscience", "flair_id": "c0ffee", "nsfw": True}))
    assert (fake.posts[0]["flair_id"], fake.posts[0]["nsfw"]) == ("c0ffee", True)


def test_wait_parsed_from_reddits_words():
    assert wait_from("try again in 30 seconds.") == 30
    assert wait_from("you are doing that too much. try again in 1 minute.") == 60
    assert wait_from("slow down") == 60


def test_a_spent_request_budget_waits_for_the_reset(fake, app):
    fake.budget, fake.reset_seconds = 1, 42
    ADAPTER.publish(_ctx(fake, app))  # answered with X-Ratelimit-Remaining: 0, reset in 42 s
    sent = len(fake.requests)
    with pytest.raises(PlatformError) as spent:
        ADAPTER.publish(_ctx(fake, app, title="Second"))
    assert spent.value.kind is ErrorKind.RETRY_LATER and 40 < spent.value.retry_after <= 42
    assert len(fake.requests) == sent and len(fake.published()) == 1  # nothing was sent


def test_429_is_retry_later_with_the_wait(fake, app):
    fake.arm("POST", "/api/submit", status(429, retry_after=9, body='{"message": "Too Many Requests"}'))
    with pytest.raises(PlatformError) as slowed:
        ADAPTER.publish(_ctx(fake, app))
    assert slowed.value.kind is ErrorKind.RETRY_LATER and slowed.value.retry_after == 9


def test_401_raises_refresh_and_publish_once_refreshes_and_retries_once(fake, app):
    tokens = _tokens(fake)
    fake.expire_access_tokens()
    ctx = _ctx(fake, app, tokens=tokens)
    with pytest.raises(PlatformError) as expired:
        ADAPTER.publish(ctx)
    assert expired.value.kind is ErrorKind.REFRESH_TOKEN

    def refresh():
        renewed = ADAPTER.refresh(app, tokens)
        renewed.refresh_token = renewed.refresh_token or tokens.refresh_token  # what the publisher does
        return renewed

    published = publish_once(ADAPTER, ctx, refresh)
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert ctx.tokens.refresh_token == tokens.refresh_token


def test_a_lost_publish_answer_ends_with_exactly_one_post(fake, app):
    ctx = _ctx(fake, app, text="Only once")
    fake.arm("POST", "/api/submit", lose_answer())
    first = publish_once(ADAPTER, ctx, _no_refresh)
    second = publish_once(ADAPTER, ctx, _no_refresh)
    assert first.platform_post_id == second.platform_post_id == fake.published()[0]["id"]
    assert len(fake.published()) == 1 and fake.calls("POST", "/api/submit") == 1


def test_revoked_access_disconnects(fake, app):
    tokens = _tokens(fake)
    fake.revoke()
    ctx = _ctx(fake, app, tokens=tokens)
    with pytest.raises(PlatformError) as revoked:
        publish_once(ADAPTER, ctx, lambda: ADAPTER.refresh(app, tokens))
    assert revoked.value.kind is ErrorKind.DISCONNECT and "connect the account again" in revoked.value.message
    assert fake.published() == []


def _item(kind: str, mime: str, size: int, name: str) -> MediaItem:
    return MediaItem(url="http://127.0.0.1:9/m", mime_type=mime, size_bytes=size, kind=kind, file_name=name,
                     open=lambda: pytest.fail("check reads no bytes"))


@pytest.mark.parametrize(("title", "metadata", "media", "rule"), [
    ("T", {}, [], "metadata.subreddit"),
    ("", SUBREDDIT, [], "needs a title"),
    ("x" * 301, SUBREDDIT, [], "at most 300"),
    ("T", SUBREDDIT, [_item("video", "video/mp4", 1000, "a.mp4")], "only image posts"),
    ("T", SUBREDDIT, [_item("image", "image/webp", 1000, "a.webp")], "JPEG, PNG or GIF"),
    ("T", SUBREDDIT, [_item("image", "image/png", 21 * 1024 * 1024, "big.png")], "at most 20 MB"),
    ("T", SUBREDDIT, [_item("image", "image/png", 10, "a.png")] * 2, "one image"),
    ("T", {**SUBREDDIT, "url": "https://x.example"}, [_item("image", "image/png", 10, "a.png")], "not both"),
    ("T", {**SUBREDDIT, "url": "javascript:alert(1)"}, [], "http(s) link"),
    ("T", {**SUBREDDIT, "flair_id": ["x"]}, [], "metadata.flair_id"),
])
def test_check_refuses_what_reddit_will_not_take(fake, app, title, metadata, media, rule):
    ctx = context(app, _tokens(fake), _user(fake), title=title, metadata=metadata, media=media)
    with pytest.raises(PlatformError) as refused:
        ADAPTER.check(ctx.request)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and rule in refused.value.message
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)
    assert fake.requests == []


def test_metrics(fake, app):
    ctx = _ctx(fake, app)
    post = ADAPTER.publish(ctx).platform_post_id
    assert ADAPTER.post_metrics(ctx, post) == {"score": 42, "likes": 45, "comments": 5, "upvote_ratio": 0.93}
    assert ADAPTER.account_metrics(ctx) == {"followers": 87, "karma": 1234}


def test_a_garbled_answer_is_retry_later_not_a_crash(fake, app):
    fake.arm("GET", "/api/v1/me", status(200, body="<html>upstream error</html>"))
    with pytest.raises(PlatformError) as garbled:
        ADAPTER.identities(app, _tokens(fake))
    assert garbled.value.kind is ErrorKind.RETRY_LATER
