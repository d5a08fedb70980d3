"""The Facebook Pages adapter against a loopback fake of the Graph API: connect, publish text, photos and a video
that Facebook pulls from our media URL, and never twice."""

import json
from urllib.parse import parse_qs, urlparse

import pytest

from app.platforms import facebook, registry
from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, PlatformError
from app.platforms.meta_graph import classify, usage_wait
from tests.fakes.base import lose_answer, reset, status
from tests.fakes.context import app_for, context, media_file
from tests.fakes.media_host import MediaHost
from tests.fakes.meta import FakeFacebook
from tests.meta_helpers import connected, follow_consent, hosted, jpeg, mp4, png

ADAPTER = facebook.ADAPTER
PAGE = "1000001"


@pytest.fixture
def fake():
    with FakeFacebook() as running:
        yield running


@pytest.fixture
def host(tmp_path):
    with MediaHost(tmp_path) as serving:
        yield serving


@pytest.fixture
def page(fake):
    app, tokens = connected(ADAPTER, fake)
    [identity] = ADAPTER.identities(app, tokens)
    return app, identity


def page_context(page, **kwargs):
    app, identity = page
    return context(app, identity.tokens, identity, **kwargs)


def refresher(ctx):
    return lambda: ADAPTER.refresh(ctx.app, ctx.tokens)


def test_oauth_round_trip_gives_a_long_lived_token(fake):
    app = app_for(ADAPTER, fake)
    url, query = follow_consent(ADAPTER, app)
    sent = parse_qs(urlparse(url).query)
    assert urlparse(url).path == "/dialog/oauth"
    assert sent["client_id"] == ["test-client"] and sent["state"] == ["st-123"]
    assert sent["redirect_uri"] == ["https://app.example/callback"] and sent["response_type"] == ["code"]
    assert "pages_manage_posts" in sent["scope"][0].split(",")
    assert query["state"] == "st-123"

    tokens = ADAPTER.exchange_code(app, query["code"], "https://app.example/callback", None)
    assert fake.tokens[tokens.access_token]["kind"] == "user"  # the long-lived one, not the dialog's short token
    assert tokens.expires_at is not None and tokens.refresh_token is None

    with pytest.raises(PlatformError) as used:
        ADAPTER.exchange_code(app, query["code"], "https://app.example/callback", None)
    assert used.value.kind is ErrorKind.DISCONNECT
    assert used.value.message == "Facebook did not grant access: This authorization code has been used."
    with pytest.raises(PlatformError) as wrong:
        ADAPTER.exchange_code(app, "not-a-code", "https://app.example/callback", None)
    assert wrong.value.kind is ErrorKind.DISCONNECT


def test_identities_are_the_pages_each_with_its_page_token(fake):
    app, tokens = connected(ADAPTER, fake)
    [identity] = ADAPTER.identities(app, tokens)
    assert (identity.platform_account_id, identity.display_name, identity.username) == (PAGE, "Acme Bakery",
                                                                                         "acmebakery")
    assert fake.tokens[identity.tokens.access_token]["kind"] == "page"
    assert identity.tokens.refresh_token == tokens.access_token and identity.tokens.extra == {"page_id": PAGE}
    assert "CREATE_CONTENT" in identity.extra["tasks"]


def test_publish_text(fake, page):
    ctx = page_context(page, text="Fresh bread at 7")
    published = ADAPTER.publish(ctx)
    assert fake.published() == [{"id": published.platform_post_id, "text": "Fresh bread at 7", "media": 0,
                                 "kind": "text"}]
    assert ctx.checkpoint["platform_post_id"] == published.platform_post_id
    assert published.platform_post_url.endswith(published.platform_post_id)


def test_publish_one_photo_fetched_from_our_media_url(fake, page, host, tmp_path):
    photo = hosted(host, jpeg(tmp_path / "bread.jpg", 5000))
    published = ADAPTER.publish(page_context(page, text="Look", media=[photo]))
    assert fake.published() == [{"id": published.platform_post_id, "text": "Look", "media": 1, "kind": "image"}]
    assert fake.fetched[0]["size"] == 5000


def test_publish_several_photos_as_one_post(fake, page, host, tmp_path):
    media = [hosted(host, jpeg(tmp_path / "a.jpg")), hosted(host, png(tmp_path / "b.png"))]
    ctx = page_context(page, text="Two loaves", media=media)
    ADAPTER.check(ctx.request)
    published = ADAPTER.publish(ctx)
    assert fake.published() == [{"id": published.platform_post_id, "text": "Two loaves", "media": 2,
                                 "kind": "image"}]
    assert len(ctx.checkpoint["photos"]) == 2 and all(not p["published"] for p in fake.photos.values())


def test_publish_video(fake, page, host, tmp_path):
    ctx = page_context(page, text="Our oven", media=[hosted(host, mp4(tmp_path / "clip.mp4"))])
    ADAPTER.check(ctx.request)
    published = ADAPTER.publish(ctx)
    assert fake.published() == [{"id": published.platform_post_id, "text": "Our oven", "media": 1, "kind": "video"}]


def test_media_facebook_cannot_fetch_is_explained(fake, page, tmp_path):
    unreachable = media_file(jpeg(tmp_path / "x.jpg"), url="http://127.0.0.1:9/media/x.jpg")
    with pytest.raises(PlatformError) as refused:
        ADAPTER.publish(page_context(page, text="x", media=[unreachable]))
    assert refused.value.kind is ErrorKind.BAD_REQUEST
    assert "could not download the file from our server" in refused.value.message
    assert "SOCIALDOCK_PUBLIC_BASE_URL" in refused.value.message and '"code": 324' in refused.value.detail
    assert fake.published() == []


def test_an_expired_page_token_is_refreshed_and_the_publish_retried_once(fake, page):
    fake.expire_access_tokens()
    ctx = page_context(page, text="After the refresh")
    with pytest.raises(PlatformError) as expired:
        ADAPTER.publish(ctx)
    assert expired.value.kind is ErrorKind.REFRESH_TOKEN

    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert fake.tokens[ctx.tokens.access_token] == {"kind": "page", "state": "ok", "page_id": PAGE}
    assert fake.tokens[ctx.tokens.refresh_token]["kind"] == "user"


def test_a_plain_401_asks_for_a_refresh(fake, page):
    fake.arm("POST", f"/{PAGE}/feed", status(401, body='{"error": {"message": "x", "code": 190}}'))
    with pytest.raises(PlatformError) as refused:
        ADAPTER.publish(page_context(page))
    assert refused.value.kind is ErrorKind.REFRESH_TOKEN


def test_429_is_retry_later_with_the_wait(fake, page):
    fake.arm("POST", f"/{PAGE}/feed", status(429, retry_after=7))
    with pytest.raises(PlatformError) as limited:
        ADAPTER.publish(page_context(page))
    assert (limited.value.kind, limited.value.retry_after) == (ErrorKind.RETRY_LATER, 7)
    assert fake.published() == []


def test_a_page_rate_limit_body_is_retry_later(fake, page):
    body = json.dumps({"error": {"message": "(#32) Page request limit reached", "type": "OAuthException",
                                 "code": 32, "fbtrace_id": "A1"}})
    fake.arm("POST", f"/{PAGE}/feed", status(400, body=body))
    with pytest.raises(PlatformError) as limited:
        ADAPTER.publish(page_context(page))
    assert limited.value.kind is ErrorKind.RETRY_LATER and limited.value.retry_after > 0


def test_a_lost_answer_ends_with_exactly_one_post(fake, page):
    fake.arm("POST", f"/{PAGE}/feed", lose_answer())
    ctx = page_context(page, text="Only once")
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert publish_once(ADAPTER, ctx, refresher(ctx)).platform_post_id == published.platform_post_id
    assert fake.calls("POST", f"/{PAGE}/feed") == 1 and len(fake.published()) == 1


def test_a_photo_upload_dropped_mid_way_resumes_into_one_post(fake, page, host, tmp_path):
    media = [hosted(host, jpeg(tmp_path / "a.jpg")), hosted(host, jpeg(tmp_path / "b.jpg"))]
    fake.arm("POST", f"/{PAGE}/photos", lose_answer())
    ctx = page_context(page, text="Resumed", media=media)
    with pytest.raises(PlatformError) as lost:
        publish_once(ADAPTER, ctx, refresher(ctx))
    assert lost.value.kind is ErrorKind.RETRY_LATER and fake.published() == []

    fake.arm("POST", f"/{PAGE}/photos", reset())  # the next photo never reaches Facebook
    with pytest.raises(PlatformError):
        publish_once(ADAPTER, ctx, refresher(ctx))
    published = publish_once(ADAPTER, ctx, refresher(ctx))
    assert fake.published() == [{"id": published.platform_post_id, "text": "Resumed", "media": 2, "kind": "image"}]


def test_a_revoked_connection_disconnects(fake, page):
    fake.revoke()
    ctx = page_context(page)
    with pytest.raises(PlatformError) as revoked:
        publish_once(ADAPTER, ctx, refresher(ctx))
    assert revoked.value.kind is ErrorKind.DISCONNECT and "revoked" in revoked.value.message
    shown = f"{revoked.value.message} {revoked.value.detail}"
    assert ctx.tokens.access_token not in shown and ctx.tokens.refresh_token not in shown
    with pytest.raises(PlatformError) as renewing:
        ADAPTER.refresh(ctx.app, ctx.tokens)
    assert renewing.value.kind is ErrorKind.DISCONNECT


@pytest.mark.parametrize("files, rule", [
    ([("big.jpg", "image/jpeg", 4 * 1024 * 1024 + 1)], "larger than 4 MB"),
    ([("a.webp", "image/webp", 100)], "JPEG, PNG"),
    ([("a.jpg", "image/jpeg", 100), ("v.mp4", "video/mp4", 100)], "one video, or up to 10 images"),
    ([(f"{n}.jpg", "image/jpeg", 100) for n in range(11)], "at most 10 images"),
    ([("v.avi", "video/x-msvideo", 100)], "MP4 or MOV"),
])
def test_check_refuses_what_facebook_will_not_take(fake, page, tmp_path, files, rule):
    media = []
    for name, mime, size in files:
        path = tmp_path / name
        path.write_bytes(b"\0" * size)
        media.append(media_file(str(path), mime_type=mime))
    before = len(fake.requests)
    with pytest.raises(PlatformError) as refused:
        ADAPTER.check(page_context(page, media=media).request)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and rule in refused.value.message
    assert len(fake.requests) == before


def test_metrics(fake, page):
    ctx = page_context(page, text="Counted")
    published = ADAPTER.publish(ctx)
    assert ADAPTER.post_metrics(ctx, published.platform_post_id) == {"likes": 12, "comments": 3, "shares": 2}
    assert ADAPTER.account_metrics(ctx) == {"followers": 1520}


def test_usage_headers_at_100_percent_pause_reads_but_keep_a_write_s_id(fake, page):
    ctx = page_context(page, text="Budget")
    fake.app_usage = {"call_count": 100, "total_time": 40, "total_cputime": 20}
    published = ADAPTER.publish(ctx)  # the post exists: its id is kept
    assert ctx.checkpoint["platform_post_id"] == published.platform_post_id
    with pytest.raises(PlatformError) as spent:
        ADAPTER.post_metrics(ctx, published.platform_post_id)
    assert spent.value.kind is ErrorKind.RETRY_LATER and spent.value.retry_after == 600
    fake.app_usage = {"call_count": 1}
    fake.business_usage = {PAGE: [{"type": "pages", "call_count": 100, "total_cputime": 5, "total_time": 5,
                                   "estimated_time_to_regain_access": 5}]}
    with pytest.raises(PlatformError) as business:
        ADAPTER.account_metrics(ctx)
    assert business.value.retry_after == 300


@pytest.mark.parametrize("error, kind", [
    ({"code": 190, "error_subcode": 463}, ErrorKind.REFRESH_TOKEN),
    ({"code": 190}, ErrorKind.REFRESH_TOKEN),
    ({"code": 190, "error_subcode": 458}, ErrorKind.DISCONNECT),
    ({"code": 190, "error_subcode": 460}, ErrorKind.DISCONNECT),
    ({"code": 190, "error_subcode": 467}, ErrorKind.DISCONNECT),
    ({"code": 4}, ErrorKind.RETRY_LATER),
    ({"code": 17}, ErrorKind.RETRY_LATER),
    ({"code": 613}, ErrorKind.RETRY_LATER),
    ({"code": 80001}, ErrorKind.RETRY_LATER),
    ({"code": 100, "message": "(#100) Invalid parameter"}, ErrorKind.BAD_REQUEST),
    ({"code": 200}, ErrorKind.BAD_REQUEST),
    ({"code": 10}, ErrorKind.BAD_REQUEST),
    ({"code": 2, "is_transient": True}, ErrorKind.RETRY_LATER),
    ({"code": 9004, "error_subcode": 2207052}, ErrorKind.BAD_REQUEST),
    ({"code": 9007, "error_subcode": 2207027}, ErrorKind.RETRY_LATER),
    ({"code": 9, "error_subcode": 2207042}, ErrorKind.RETRY_LATER),
    ({"code": 368}, ErrorKind.RETRY_LATER),
])
def test_graph_errors_are_classified(error, kind):
    classified = classify("Facebook", {"message": "m", **error}, status=400)
    assert classified.kind is kind
    assert json.loads(classified.detail)["code"] == error["code"]


def test_usage_headers_below_100_percent_do_not_pause():
    assert usage_wait({"X-App-Usage": '{"call_count": 99, "total_time": 10}'}) is None
    assert usage_wait({"X-App-Usage": "not json"}) is None


def test_the_three_meta_adapters_are_registered_with_meta_s_hosts():
    assert registry.adapter_for("facebook") is ADAPTER
    assert registry.adapter_for("instagram").default_api_base == "https://graph.facebook.com/v21.0"
    assert registry.adapter_for("threads").default_api_base == "https://graph.threads.net/v1.0"
    assert registry.adapter_for("threads").default_auth_base == "https://threads.net"
