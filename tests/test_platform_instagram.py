"""The Instagram adapter against a loopback fake of Instagram's content publishing: containers that Instagram
fills from our media URLs, their status polled, one media_publish per post, never twice."""

from urllib.parse import parse_qs, urlparse

import pytest

from app.platforms import instagram
from app.platforms.attempt import publish_once
from app.platforms.base import AppCredentials, ErrorKind, PlatformError
from tests.fakes.base import lose_answer, status
from tests.fakes.context import app_for, context, media_file
from tests.fakes.media_host import MediaHost
from tests.fakes.meta import FakeInstagram
from tests.meta_helpers import connected, follow_consent, hosted, jpeg, mp4

ADAPTER = instagram.ADAPTER
IG = FakeInstagram.owner_id


@pytest.fixture
def fake():
    with FakeInstagram() as running:
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


def ig_context(account, **kwargs):
    app, tokens, identity = account
    return context(app, tokens, identity, **kwargs)


def refresher(ctx):
    return lambda: ADAPTER.refresh(ctx.app, ctx.tokens)


def test_oauth_round_trip_through_facebook_login(fake):
    app = app_for(ADAPTER, fake)
    url, query = follow_consent(ADAPTER, app)
    sent = parse_qs(urlparse(url).query)
    assert urlparse(url).path == "/dialog/oauth" and sent["client_id"] == ["test-client"]
    assert sent["redirect_uri"] == ["https://app.example/callback"] and sent["state"] == ["st-123"]
    assert "instagram_content_publish" in sent["scope"][0].split(",") and query["state"] == "st-123"
    tokens = ADAPTER.exchange_code(app, query["code"], "https://app.example/callback", None)
    assert fake.tokens[tokens.access_token]["kind"] == "user" and tokens.expires_at is not None
    with pytest.raises(PlatformError) as wrong:
        ADAPTER.exchange_code(app, "wrong", "https://app.example/callback", None)
    assert wrong.value.kind is ErrorKind.DISCONNECT


def test_identities_are_the_business_accounts_linked_to_the_pages(account):
    _, _, identity = account
    assert (identity.platform_account_id, identity.username) == (IG, "acme")
    assert identity.tokens is None and identity.extra["page_id"] == "1000001"


def test_instagram_login_connects_refreshes_and_publishes(fake, host, tmp_path):
    app, tokens = connected(ADAPTER, fake, login="instagram", token_base=fake.url)
    url = ADAPTER.authorize_url(app, "https://app.example/callback", "s", None)
    assert urlparse(url).path == "/oauth/authorize" and "instagram_business_content_publish" in url
    assert fake.tokens[tokens.access_token]["kind"] == "ig-user" and tokens.extra["user_id"] == IG
    [identity] = ADAPTER.identities(app, tokens)
    assert identity.platform_account_id == IG
    renewed = ADAPTER.refresh(app, tokens)
    assert renewed.access_token != tokens.access_token and renewed.extra["user_id"] == IG
    published = ADAPTER.publish(context(app, renewed, identity, text="Via Instagram Login",
                                        media=[hosted(host, jpeg(tmp_path / "a.jpg"))]))
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]


def test_publish_an_image(fake, account, host, tmp_path):
    ctx = ig_context(account, text="Croissants #fresh", media=[hosted(host, jpeg(tmp_path / "c.jpg", 4096))])
    published = ADAPTER.publish(ctx)
    assert fake.published() == [{"id": published.platform_post_id, "text": "Croissants #fresh", "media": 1,
                                 "kind": "image"}]
    assert published.platform_post_url == f"https://www.instagram.com/p/{published.platform_post_id}/"
    assert fake.fetched[0]["size"] == 4096 and fake.calls("GET", f"/{ctx.checkpoint['container_id']}") >= 2


def test_publish_a_reel(fake, account, host, tmp_path):
    published = ADAPTER.publish(ig_context(account, text="Behind the oven",
                                           media=[hosted(host, mp4(tmp_path / "r.mp4"))]))
    assert fake.published() == [{"id": published.platform_post_id, "text": "Behind the oven", "media": 1,
                                 "kind": "video"}]


def test_publish_a_carousel(fake, account, host, tmp_path):
    media = [hosted(host, jpeg(tmp_path / "1.jpg")), hosted(host, jpeg(tmp_path / "2.jpg")),
             hosted(host, mp4(tmp_path / "3.mp4"))]
    ctx = ig_context(account, text="Three", media=media)
    ADAPTER.check(ctx.request)
    published = ADAPTER.publish(ctx)
    assert fake.published() == [{"id": published.platform_post_id, "text": "Three", "media": 3,
                                 "kind": "carousel"}]
    assert len(ctx.checkpoint["children"]) == 3


def test_an_image_instagram_cannot_fetch_is_explained(fake, account, tmp_path):
    unreachable = media_file(jpeg(tmp_path / "x.jpg"), url="http://127.0.0.1:9/media/x.jpg")
    with pytest.raises(PlatformError) as refused:
        ADAPTER.publish(ig_context(account, media=[unreachable]))
    assert refused.value.kind is ErrorKind.BAD_REQUEST
    assert "could not download the file from our server" in refused.value.message
    assert "SOCIALDOCK_PUBLIC_BASE_URL" in refused.value.message and "2207052" in refused.value.detail


def test_a_video_instagram_cannot_fetch_fails_in_the_container_status(fake, account, tmp_path):
    unreachable = media_file(mp4(tmp_path / "x.mp4"), url="http://127.0.0.1:9/media/x.mp4")
    with pytest.raises(PlatformError) as refused:
        ADAPTER.publish(ig_context(account, media=[unreachable]))
    assert refused.value.kind is ErrorKind.BAD_REQUEST and "could not download the file" in refused.value.message
    assert fake.published() == []


def test_an_expired_token_is_refreshed_and_the_publish_retried_once(fake, account, host, tmp_path):
    fake.expire_access_tokens()
    ctx = ig_context(account, text="Renewed", media=[hosted(host, jpeg(tmp_path / "a.jpg"))])
    with pytest.raises(PlatformError) as expired:
        ADAPTER.publish(ctx)
    assert expired.value.kind is ErrorKind.REFRESH_TOKEN
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]


def test_429_on_publish_then_the_finished_container_is_published_once(fake, account, host, tmp_path):
    fake.arm("POST", f"/{IG}/media_publish", status(429, retry_after=9))
    ctx = ig_context(account, text="Later", media=[hosted(host, jpeg(tmp_path / "a.jpg"))])
    with pytest.raises(PlatformError) as limited:
        ADAPTER.publish(ctx)
    assert (limited.value.kind, limited.value.retry_after) == (ErrorKind.RETRY_LATER, 9)
    published = ADAPTER.publish(ctx)
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", f"/{IG}/media") == 1  # the container was reused


def test_a_lost_publish_answer_ends_with_exactly_one_post(fake, account, host, tmp_path):
    fake.arm("POST", f"/{IG}/media_publish", lose_answer())
    ctx = ig_context(account, text="Only once", media=[hosted(host, jpeg(tmp_path / "a.jpg"))])
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]
    assert publish_once(ADAPTER, ctx, refresher(ctx)).platform_post_id == published.platform_post_id
    assert fake.calls("POST", f"/{IG}/media_publish") == 1


def test_a_published_container_is_never_published_again(fake, account, host, tmp_path):
    media = [hosted(host, jpeg(tmp_path / "a.jpg"))]
    first = ig_context(account, text="Crash after publish", media=media)
    published = ADAPTER.publish(first)
    # an attempt that died after media_publish, before anything was recorded but the container
    again = ig_context(account, text="Crash after publish", media=media,
                       checkpoint={"container_id": first.checkpoint["container_id"]})
    assert ADAPTER.publish(again).platform_post_id == published.platform_post_id
    assert len(fake.published()) == 1 and fake.calls("POST", f"/{IG}/media_publish") == 1


def test_a_dropped_carousel_item_resumes_into_one_post(fake, account, host, tmp_path):
    media = [hosted(host, jpeg(tmp_path / "1.jpg")), hosted(host, jpeg(tmp_path / "2.jpg"))]
    fake.arm("POST", f"/{IG}/media", lose_answer())
    ctx = ig_context(account, text="Resumed carousel", media=media)
    with pytest.raises(PlatformError) as lost:
        publish_once(ADAPTER, ctx, refresher(ctx))
    assert lost.value.kind is ErrorKind.RETRY_LATER and fake.published() == []
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert fake.published() == [{"id": published.platform_post_id, "text": "Resumed carousel", "media": 2,
                                 "kind": "carousel"}]


def test_a_container_still_processing_is_waited_for_not_recreated(fake, account, host, tmp_path):
    fake.processing_reads = 8  # more than one attempt's reads (poll_attempts=5)
    ctx = ig_context(account, text="Slow", media=[hosted(host, mp4(tmp_path / "v.mp4"))])
    with pytest.raises(PlatformError) as processing:
        ADAPTER.publish(ctx)
    assert processing.value.kind is ErrorKind.RETRY_LATER and "still processing" in processing.value.message
    published = ADAPTER.publish(ctx)
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", f"/{IG}/media") == 1


def test_an_expired_container_is_created_again(fake, account, host, tmp_path):
    ctx = ig_context(account, text="Expired", media=[hosted(host, jpeg(tmp_path / "a.jpg"))])
    fake.arm("POST", f"/{IG}/media_publish", status(503, retry_after=1))
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)
    fake.containers[ctx.checkpoint["container_id"]]["status"] = "EXPIRED"
    published = ADAPTER.publish(ctx)
    assert [item["id"] for item in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", f"/{IG}/media") == 2


def test_the_daily_publishing_limit_waits(fake, account, host, tmp_path):
    fake.media.extend({"id": str(n), "text": "", "kind": "image", "count": 1, "at": fake.now()} for n in range(50))
    with pytest.raises(PlatformError) as limited:
        ADAPTER.publish(ig_context(account, text="51st", media=[hosted(host, jpeg(tmp_path / "a.jpg"))]))
    assert limited.value.kind is ErrorKind.RETRY_LATER and "50 API posts per 24 hours" in limited.value.message
    assert fake.calls("POST", f"/{IG}/media_publish") == 0


def test_a_revoked_connection_disconnects(fake, account, host, tmp_path):
    fake.revoke()
    ctx = ig_context(account, media=[hosted(host, jpeg(tmp_path / "a.jpg"))])
    with pytest.raises(PlatformError) as revoked:
        publish_once(ADAPTER, ctx, refresher(ctx))
    assert revoked.value.kind is ErrorKind.DISCONNECT


@pytest.mark.parametrize("files, text, rule", [
    ([], "text only", "at least one image or video"),
    ([("a.png", "image/png", 100)], "", "images must be JPEG"),
    ([("big.jpg", "image/jpeg", 8 * 1024 * 1024 + 1)], "", "larger than 8 MB"),
    ([(f"{n}.jpg", "image/jpeg", 100) for n in range(11)], "", "at most 10"),
    ([("a.jpg", "image/jpeg", 100)], "x" * 2201, "limit is 2200"),
    ([("a.jpg", "image/jpeg", 100)], "#a " * 31, "30 hashtags"),
    ([("v.avi", "video/x-msvideo", 100)], "", "MP4 or MOV"),
])
def test_check_refuses_what_instagram_will_not_take(fake, account, tmp_path, files, text, rule):
    media = []
    for name, mime, size in files:
        path = tmp_path / name
        path.write_bytes(b"\0" * size)
        media.append(media_file(str(path), mime_type=mime))
    before = len(fake.requests)
    with pytest.raises(PlatformError) as refused:
        ADAPTER.check(ig_context(account, text=text, media=media).request)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and rule in refused.value.message
    assert refused.value.message.startswith("Instagram: ") and len(fake.requests) == before


def test_metrics(fake, account, host, tmp_path):
    ctx = ig_context(account, text="Counted", media=[hosted(host, jpeg(tmp_path / "a.jpg"))])
    published = ADAPTER.publish(ctx)
    assert ADAPTER.post_metrics(ctx, published.platform_post_id) == {"reach": 410, "likes": 37, "comments": 5,
                                                                       "shares": 4, "views": 880}
    assert ADAPTER.account_metrics(ctx) == {"followers": 2048, "following": 150, "posts": 41}


@pytest.mark.parametrize("said, words", [
    ("2207052", "could not download the file from our server"),
    ("Error: Media download has failed with error code 2207052", "could not download the file from our server"),
    ("Error: Media upload has failed with error code 2207026", "could not process the media"),
    ("", "could not process the media"),
])
def test_a_container_error_is_said_in_words(said, words):
    error = ADAPTER.container_error(said)
    assert error.kind is ErrorKind.BAD_REQUEST and words in error.message


def test_instagram_login_is_chosen_by_configuring_graph_instagram_com():
    app = AppCredentials(platform="instagram", client_id="c", client_secret="s",
                         api_base="https://graph.instagram.com/v21.0", auth_base="https://www.instagram.com")
    url = urlparse(ADAPTER.authorize_url(app, "https://app.example/cb", "s1", None))
    assert (url.netloc, url.path) == ("www.instagram.com", "/oauth/authorize")
    assert "instagram_business_basic" in parse_qs(url.query)["scope"][0]
    default = AppCredentials(platform="instagram", client_id="c", client_secret="s",
                             api_base=ADAPTER.default_api_base, auth_base=ADAPTER.default_auth_base)
    assert urlparse(ADAPTER.authorize_url(default, "https://app.example/cb", "s1", None)).path == "/v21.0/dialog/oauth"
