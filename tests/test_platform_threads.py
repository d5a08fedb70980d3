"""The Threads adapter against a loopback fake of graph.threads.net: OAuth with the long-lived token exchange and
refresh, text / image / video / carousel containers published once, metrics from insights."""

from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from app.platforms import threads
from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, PlatformError
from tests.fakes.base import lose_answer, reset, status
from tests.fakes.context import app_for, context, media_file
from tests.fakes.media_host import MediaHost
from tests.fakes.meta import FakeThreads
from tests.meta_helpers import connected, follow_consent, hosted, jpeg, mp4, png

ADAPTER = threads.ADAPTER
USER = FakeThreads.owner_id


@pytest.fixture
def fake():
    with FakeThreads() as running:
        yield running


@pytest.fixture
def host(tmp_path):
    with MediaHost(tmp_path) as serving:
        yield serving


@pytest.fixture
def account(fake):
    app, tokens = connected(ADAPTER, fake)
    [identity] = ADAPTER.identities(app, tokens)
    return app, tokens, identity


def th_context(account, **kwargs):
    app, tokens, identity = account
    return context(app, tokens, identity, **kwargs)


def refresher(ctx):
    return lambda: ADAPTER.refresh(ctx.app, ctx.tokens)


def test_oauth_round_trip_and_long_lived_token(fake):
    app = app_for(ADAPTER, fake)
    url, query = follow_consent(ADAPTER, app)
    sent = parse_qs(urlparse(url).query)
    assert urlparse(url).path == "/oauth/authorize" and sent["client_id"] == ["test-client"]
    assert sent["redirect_uri"] == ["https://app.example/callback"] and sent["state"] == ["st-123"]
    assert set(sent["scope"][0].split(",")) >= {"threads_basic", "threads_content_publish"}
    tokens = ADAPTER.exchange_code(app, query["code"], "https://app.example/callback", None)
    assert fake.tokens[tokens.access_token]["kind"] == "user"  # th_exchange_token's, not the short-lived one
    assert tokens.extra["user_id"] == USER and tokens.expires_at is not None
    with pytest.raises(PlatformError) as wrong:
        ADAPTER.exchange_code(app, "wrong", "https://app.example/callback", None)
    assert wrong.value.kind is ErrorKind.DISCONNECT


def test_refresh_renews_the_long_lived_token(fake, account):
    app, tokens, _ = account
    renewed = ADAPTER.refresh(app, tokens)
    assert renewed.access_token != tokens.access_token and renewed.refresh_token is None
    assert renewed.extra["user_id"] == USER and fake.calls("GET", "/refresh_access_token") == 1


def test_identity_is_the_profile(account):
    _, _, identity = account
    assert (identity.platform_account_id, identity.username) == (USER, "acme")


def test_publish_text(fake, account):
    ctx = th_context(account, text="Hello Threads")
    ADAPTER.check(ctx.request)
    published = ADAPTER.publish(ctx)
    assert fake.published() == [{"id": published.platform_post_id, "text": "Hello Threads", "media": 0,
                                 "kind": "text"}]
    assert published.platform_post_url.endswith(published.platform_post_id)


def test_publish_image_video_and_carousel(fake, account, host, tmp_path):
    ADAPTER.publish(th_context(account, text="Image", media=[hosted(host, png(tmp_path / "a.png"))]))
    ADAPTER.publish(th_context(account, text="Video", media=[hosted(host, mp4(tmp_path / "v.mp4"))]))
    ADAPTER.publish(th_context(account, text="Carousel", media=[hosted(host, jpeg(tmp_path / "1.jpg")),
                                                                 hosted(host, jpeg(tmp_path / "2.jpg"))]))
    assert [(item["text"], item["kind"], item["media"]) for item in fake.published()] == [
        ("Image", "image", 1), ("Video", "video", 1), ("Carousel", "carousel", 2)]
    assert len(fake.fetched) == 4


def test_media_threads_cannot_fetch_is_explained(fake, account, tmp_path):
    for name, make in (("x.jpg", jpeg), ("x.mp4", mp4)):
        unreachable = media_file(make(tmp_path / name), url=f"http://127.0.0.1:9/media/{name}")
        with pytest.raises(PlatformError) as refused:
            ADAPTER.publish(th_context(account, text="x", media=[unreachable]))
        assert refused.value.kind is ErrorKind.BAD_REQUEST
        assert "Threads could not download the file from our server" in refused.value.message
        assert "SOCIALDOCK_PUBLIC_BASE_URL" in refused.value.message
    assert fake.published() == []


def test_an_expired_token_is_refreshed_and_the_publish_retried_once(fake, account):
    fake.expire_access_tokens()
    ctx = th_context(account, text="Renewed")
    with pytest.raises(PlatformError) as expired:
        ADAPTER.publish(ctx)
    assert expired.value.kind is ErrorKind.REFRESH_TOKEN
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]


def test_429_is_retry_later_with_the_wait(fake, account):
    fake.arm("POST", f"/{USER}/threads", status(429, retry_after=4))
    with pytest.raises(PlatformError) as limited:
        ADAPTER.publish(th_context(account, text="Slow down"))
    assert (limited.value.kind, limited.value.retry_after) == (ErrorKind.RETRY_LATER, 4)


def test_a_lost_publish_answer_ends_with_exactly_one_post(fake, account):
    fake.arm("POST", f"/{USER}/threads_publish", lose_answer())
    ctx = th_context(account, text="Only once")
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]
    assert publish_once(ADAPTER, ctx, refresher(ctx)).platform_post_id == published.platform_post_id
    assert fake.calls("POST", f"/{USER}/threads_publish") == 1


def test_a_publish_reset_before_threads_acted_is_sent_again_once(fake, account):
    fake.arm("POST", f"/{USER}/threads_publish", reset())
    ctx = th_context(account, text="Dropped")
    with pytest.raises(PlatformError) as dropped:
        publish_once(ADAPTER, ctx, refresher(ctx))
    assert dropped.value.kind is ErrorKind.RETRY_LATER and fake.published() == []
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", f"/{USER}/threads") == 1  # the same container, published once


def test_a_failed_video_says_why(fake, account, host, tmp_path):
    ctx = th_context(account, text="Bad video", media=[hosted(host, mp4(tmp_path / "v.mp4"))])
    fake.video_fetch_error = "INVALID_DURATION"
    fake.fetch = lambda url: None  # Threads downloads it but refuses its duration
    with pytest.raises(PlatformError) as refused:
        ADAPTER.publish(ctx)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and "duration" in refused.value.message


def test_the_daily_publishing_limit_waits(fake, account):
    fake.media.extend({"id": str(n), "text": "", "kind": "text", "count": 0, "at": fake.now()} for n in range(250))
    with pytest.raises(PlatformError) as limited:
        ADAPTER.publish(th_context(account, text="251st"))
    assert limited.value.kind is ErrorKind.RETRY_LATER and "250 API posts" in limited.value.message


def test_a_revoked_connection_disconnects(fake, account):
    fake.revoke()
    ctx = th_context(account, text="Gone")
    with pytest.raises(PlatformError) as revoked:
        publish_once(ADAPTER, ctx, refresher(ctx))
    assert revoked.value.kind is ErrorKind.DISCONNECT
    with pytest.raises(PlatformError) as renewing:
        ADAPTER.refresh(ctx.app, ctx.tokens)
    assert renewing.value.kind is ErrorKind.DISCONNECT


@pytest.mark.parametrize("files, text, rule", [
    ([], "", "needs text or at least one image"),
    ([], "x" * 501, "the limit is 500"),
    ([("a.gif", "image/gif", 100)], "", "JPEG or PNG"),
    ([("big.png", "image/png", 8 * 1024 * 1024 + 1)], "", "larger than 8 MB"),
    ([(f"{n}.jpg", "image/jpeg", 10) for n in range(21)], "", "at most 20"),
    ([("v.webm", "video/webm", 100)], "", "MP4 or MOV"),
])
def test_check_refuses_what_threads_will_not_take(fake, account, tmp_path, files, text, rule):
    media = []
    for name, mime, size in files:
        path = tmp_path / name
        path.write_bytes(b"\0" * size)
        media.append(media_file(str(path), mime_type=mime))
    before = len(fake.requests)
    with pytest.raises(PlatformError) as refused:
        ADAPTER.check(th_context(account, text=text, media=media).request)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and rule in refused.value.message
    assert len(fake.requests) == before


def test_metrics(fake, account):
    ctx = th_context(account, text="Counted")
    published = ADAPTER.publish(ctx)
    # shares add up Threads' reposts (3), quotes (1) and shares (4)
    assert ADAPTER.post_metrics(ctx, published.platform_post_id) == {"views": 880, "likes": 37, "comments": 5,
                                                                       "shares": 8}
    assert ADAPTER.account_metrics(ctx) == {"followers": 321}


def test_the_fake_takes_the_client_it_was_given_and_refuses_another():
    with FakeThreads(client_id="th-app", client_secret="th-secret") as other:
        app = app_for(ADAPTER, other)  # test-client / test-secret
        refused = requests.get(ADAPTER.authorize_url(app, "https://app.example/callback", "s", None),
                               allow_redirects=False, timeout=5)
        assert refused.status_code == 400 and refused.json()["error"]["message"] == "Invalid App ID"
        ours = replace(app, client_id="th-app", client_secret="th-secret")
        _, query = follow_consent(ADAPTER, ours)
        assert ADAPTER.exchange_code(ours, query["code"], "https://app.example/callback", None).access_token


def test_a_lost_answer_is_matched_to_our_post_by_its_text(fake, account):
    ADAPTER.publish(th_context(account, text="Posted a moment before"))
    fake.arm("POST", f"/{USER}/threads_publish", lose_answer())
    ctx = th_context(account, text="Mine")
    found = publish_once(ADAPTER, ctx, refresher(ctx))
    assert {item["id"]: item["text"] for item in fake.published()}[found.platform_post_id] == "Mine"
    assert len(fake.published()) == 2
