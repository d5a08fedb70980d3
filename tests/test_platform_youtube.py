"""The YouTube adapter against the loopback fake: Google OAuth round trip, a resumable upload in 256 KiB chunks,
resuming after a dropped connection with the `bytes */TOTAL` probe, never twice after a lost answer, refresh
without a new refresh token, revocation, quota and rate limits, checks and metrics."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, MediaItem, PlatformError, PublishRequest
from app.platforms.oauth import pkce_pair
from app.platforms.youtube import ADAPTER
from app.platforms.youtube_errors import seconds_until_quota_reset
from tests.fakes.base import lose_answer, reset, status
from tests.fakes.context import app_for, context, media_file
from tests.fakes.youtube import CHANNEL, UPLOADS, FakeYouTube

KIB = 1024
CHUNK = 256 * KIB
VIDEO_BYTES = 2 * CHUNK + 12345  # three chunks
REDIRECT = "https://app.example/connect/youtube/callback"
ACCOUNT = Identity(CHANNEL, "@fakechannel", "Fake Channel", extra={"uploads_playlist": UPLOADS})
UPLOAD = "/upload/youtube/v3/videos"


@pytest.fixture
def fake():
    with FakeYouTube() as running:
        yield running


@pytest.fixture
def app(fake):
    return app_for(ADAPTER, fake, chunk_size=CHUNK)


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "talk.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * ((VIDEO_BYTES - 12) // 256)
                     + b"\x02" * ((VIDEO_BYTES - 12) % 256))
    return media_file(str(path))


def _connect(app):
    verifier, challenge = pkce_pair()
    answer = requests.get(ADAPTER.authorize_url(app, REDIRECT, "state-9", challenge), allow_redirects=False)
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    return ADAPTER.exchange_code(app, code, REDIRECT, verifier)


def _ctx(app, tokens, video, **kwargs):
    kwargs.setdefault("title", "Launch talk")
    return context(app, tokens, ACCOUNT, text="The whole launch talk, in one video.", media=[video], **kwargs)


def _puts(fake):
    return [seen["headers"].get("Content-Range") for seen in fake.requests if seen["method"] == "PUT"]


def _arm_when_saved(ctx, fake, key, value, fault):
    save = ctx.save

    def watching(**values):
        save(**values)
        if values.get(key) == value:
            fake.arm("PUT", UPLOAD, fault)

    ctx.save = watching


def test_oauth_round_trip_offline_with_pkce_and_a_wrong_code_refused(fake, app):
    verifier, challenge = pkce_pair()
    url = ADAPTER.authorize_url(app, REDIRECT, "state-9", challenge)
    query = parse_qs(urlparse(url).query)
    assert urlparse(url).path == "/o/oauth2/v2/auth"
    assert query["client_id"] == ["test-client"] and query["redirect_uri"] == [REDIRECT]
    assert query["state"] == ["state-9"] and query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert "https://www.googleapis.com/auth/youtube.upload" in query["scope"][0].split(" ")
    assert query["code_challenge"] == [challenge] and query["code_challenge_method"] == ["S256"]

    answer = requests.get(url, allow_redirects=False)
    back = parse_qs(urlparse(answer.headers["Location"]).query)
    assert answer.status_code == 302 and back["state"] == ["state-9"]
    tokens = ADAPTER.exchange_code(app, back["code"][0], REDIRECT, verifier)
    assert tokens.access_token.startswith("ya29.") and tokens.refresh_token and tokens.expires_at

    with pytest.raises(PlatformError) as refused:
        ADAPTER.exchange_code(app, back["code"][0], REDIRECT, verifier)  # a code is good once
    assert refused.value.kind is ErrorKind.DISCONNECT and "invalid_grant" in refused.value.detail


def test_wrong_app_credentials_are_a_disconnect_not_a_token_refresh(fake):
    wrong = app_for(ADAPTER, fake)
    wrong = type(wrong)(**{**wrong.__dict__, "client_secret": "not-the-secret"})
    with pytest.raises(PlatformError) as refused:
        ADAPTER.exchange_code(wrong, "4/whatever", REDIRECT, None)
    assert refused.value.kind is ErrorKind.DISCONNECT and "client id or secret" in refused.value.message


def test_a_refresh_brings_no_refresh_token_and_the_old_one_keeps_working(fake, app):
    tokens = _connect(app)
    renewed = ADAPTER.refresh(app, tokens)
    assert renewed.access_token != tokens.access_token and renewed.refresh_token is None
    assert ADAPTER.refresh(app, tokens).access_token


def test_identities_are_the_login_channels(fake, app):
    [channel] = ADAPTER.identities(app, _connect(app))
    assert (channel.platform_account_id, channel.username, channel.display_name) == \
        (CHANNEL, "@fakechannel", "Fake Channel")
    assert channel.extra["uploads_playlist"] == UPLOADS


def test_a_video_is_uploaded_in_256_kib_chunks_with_its_title_and_description(fake, app, video):
    ctx = _ctx(app, _connect(app), video, metadata={"privacy_status": "unlisted", "tags": ["launch"]})
    published = publish_once(ADAPTER, ctx, refresh=lambda: pytest.fail("no refresh needed"))
    [post] = fake.published()
    assert (post["title"], post["text"], post["size"]) == ("Launch talk", "The whole launch talk, in one video.",
                                                           VIDEO_BYTES)
    assert fake.videos[0]["status"]["privacyStatus"] == "unlisted" and fake.videos[0]["snippet"]["tags"] == ["launch"]
    assert published.platform_post_id == post["id"]
    assert published.platform_post_url == f"https://www.youtube.com/watch?v={post['id']}"
    assert _puts(fake) == [f"bytes 0-{CHUNK - 1}/{VIDEO_BYTES}", f"bytes {CHUNK}-{2 * CHUNK - 1}/{VIDEO_BYTES}",
                           f"bytes {2 * CHUNK}-{VIDEO_BYTES - 1}/{VIDEO_BYTES}"]
    start = next(seen for seen in fake.requests if seen["method"] == "POST" and seen["path"] == UPLOAD)
    assert start["args"] == {"uploadType": "resumable", "part": "snippet,status"}
    assert start["headers"]["X-Upload-Content-Length"] == str(VIDEO_BYTES)
    assert ctx.checkpoint["session_url"].startswith(fake.url)


def test_a_dropped_chunk_is_resumed_after_the_bytes_probe(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    _arm_when_saved(ctx, fake, "uploaded", CHUNK, reset())
    publish_once(ADAPTER, ctx, refresh=lambda: None)
    puts = _puts(fake)
    assert f"bytes */{VIDEO_BYTES}" in puts  # asked what arrived
    assert puts.count(f"bytes 0-{CHUNK - 1}/{VIDEO_BYTES}") == 1  # and did not send it again
    assert puts.count(f"bytes {CHUNK}-{2 * CHUNK - 1}/{VIDEO_BYTES}") == 2
    assert [post["size"] for post in fake.published()] == [VIDEO_BYTES]


def test_an_upload_broken_off_resumes_on_the_next_attempt_from_what_youtube_has(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    # the chunk, then the probe's four tries (reads are retried three times): this attempt gives up
    _arm_when_saved(ctx, fake, "uploaded", CHUNK, reset(times=5))
    with pytest.raises(PlatformError) as broken:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert broken.value.kind is ErrorKind.RETRY_LATER and fake.published() == []

    publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert fake.calls("POST", UPLOAD) == 1 and _puts(fake).count(f"bytes 0-{CHUNK - 1}/{VIDEO_BYTES}") == 1
    assert [post["size"] for post in fake.published()] == [VIDEO_BYTES]


def test_the_final_chunk_whose_answer_was_lost_is_found_by_the_probe(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    _arm_when_saved(ctx, fake, "uploaded", 2 * CHUNK, lose_answer())
    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert _puts(fake)[-1] == f"bytes */{VIDEO_BYTES}"


def test_a_lost_final_answer_across_attempts_ends_with_exactly_one_video(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    _arm_when_saved(ctx, fake, "uploaded", 2 * CHUNK, lose_answer(times=5))
    with pytest.raises(PlatformError) as lost:
        publish_once(ADAPTER, ctx, refresh=lambda: None)  # the four tries of the probe lose their answers too
    assert lost.value.kind is ErrorKind.RETRY_LATER
    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]


def test_a_session_whose_answer_was_lost_ends_with_exactly_one_video(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    fake.arm("POST", UPLOAD, lose_answer())
    with pytest.raises(PlatformError) as lost:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert lost.value.maybe_happened and ctx.checkpoint["unconfirmed"] is True
    assert fake.calls("GET", "/youtube/v3/playlistItems") == 1  # the channel was asked first

    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert len(fake.published()) == 1 and fake.published()[0]["id"] == published.platform_post_id


def test_an_expired_session_is_answered_from_the_channel_uploads(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    published = ADAPTER.publish(ctx)
    fake.expire_sessions()
    ctx.checkpoint.pop("video_id")
    assert ADAPTER.find_published(ctx).platform_post_id == published.platform_post_id
    other = _ctx(app, ctx.tokens, video, title="Another talk")
    assert ADAPTER.find_published(other) is None


def test_an_expired_token_is_refreshed_once_and_the_upload_goes_out(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    fake.expire_access_tokens()
    refreshed = []
    publish_once(ADAPTER, ctx, refresh=lambda: refreshed.append(1) or ADAPTER.refresh(app, ctx.tokens))
    assert refreshed == [1] and len(fake.published()) == 1


def test_a_revoked_connection_disconnects(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    fake.revoke()
    with pytest.raises(PlatformError) as revoked:
        publish_once(ADAPTER, ctx, refresh=lambda: ADAPTER.refresh(app, ctx.tokens))
    assert revoked.value.kind is ErrorKind.DISCONNECT and "revoked" in revoked.value.message
    assert fake.published() == []


def test_a_429_is_retry_later_with_its_wait(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    fake.arm("POST", UPLOAD, status(429, retry_after=11))
    with pytest.raises(PlatformError) as limited:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert limited.value.kind is ErrorKind.RETRY_LATER and limited.value.retry_after == 11
    assert fake.published() == []


def test_a_spent_quota_waits_for_midnight_pacific(fake, app, video):
    fake.quota_spent = True
    with pytest.raises(PlatformError) as spent:
        ADAPTER.publish(_ctx(app, _connect(app), video))
    assert spent.value.kind is ErrorKind.RETRY_LATER and "quota" in spent.value.message
    assert abs(spent.value.retry_after - seconds_until_quota_reset()) < 5
    assert seconds_until_quota_reset(datetime(2026, 7, 1, 6, 30, tzinfo=UTC)) == 30 * 60  # 23:30 PDT
    assert seconds_until_quota_reset(datetime(2026, 12, 1, 7, 0, tzinfo=UTC)) == 60 * 60  # 23:00 PST


def test_youtube_error_reasons_are_told_in_words(fake, app, video):
    tokens = _connect(app)
    cases = {"uploadLimitExceeded": (400, ErrorKind.RETRY_LATER), "rateLimitExceeded": (403, ErrorKind.RETRY_LATER),
             "insufficientPermissions": (403, ErrorKind.DISCONNECT), "forbidden": (403, ErrorKind.BAD_REQUEST),
             "invalidCategoryId": (400, ErrorKind.BAD_REQUEST)}
    for reason, (code, kind) in cases.items():
        body = {"error": {"code": code, "message": "m", "errors": [{"domain": "youtube.video", "reason": reason}]}}
        fake.arm("POST", UPLOAD, status(code, body=json.dumps(body)))
        with pytest.raises(PlatformError) as refused:
            ADAPTER.publish(_ctx(app, tokens, video))
        assert refused.value.kind is kind and refused.value.message.startswith("YouTube"), reason
        assert reason in refused.value.detail
    assert fake.published() == []


def test_check_refuses_what_youtube_will_not_take(tmp_path, video):
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    huge = MediaItem(url="http://127.0.0.1:9/m", mime_type="video/mp4", size_bytes=300 * 1024 ** 3, kind="video",
                     file_name="huge.mp4", open=lambda: None)
    cases = {"text only": ("Title", "text", ()), "an image": ("Title", "text", (media_file(str(image)),)),
             "a 300 GB video": ("Title", "text", (huge,)), "no title": (None, "", (video,)),
             "a long title": ("x" * 101, "text", (video,)), "angle brackets": ("<b>", "text", (video,)),
             "a long description": ("Title", "x" * 5001, (video,))}
    for what, (title, text, media) in cases.items():
        with pytest.raises(PlatformError) as refused:
            ADAPTER.check(PublishRequest(text, title, media, {}, "0" * 32))
        assert refused.value.kind is ErrorKind.BAD_REQUEST and refused.value.message.startswith("YouTube"), what
    ADAPTER.check(PublishRequest("First line is the title\nmore", None, (video,), {}, "0" * 32))


def test_the_upload_limit_is_declared_per_app():
    assert any((limit.action, limit.count, limit.seconds, limit.scope) == ("publish", 100, 86400, "app")
               for limit in ADAPTER.limits)


def test_metrics_of_a_video_and_the_channel(fake, app, video):
    ctx = _ctx(app, _connect(app), video)
    published = ADAPTER.publish(ctx)
    assert ADAPTER.post_metrics(ctx, published.platform_post_id) == {"views": 4200, "likes": 310, "comments": 27}
    assert ADAPTER.account_metrics(ctx) == {"followers": 2500, "posts": 41}
