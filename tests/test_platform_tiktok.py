"""The TikTok adapter against the loopback fake: Login Kit round trip, a chunked video direct post, resuming after
dropped chunks, never twice after a lost answer, refresh (rotating), revocation, limits and metrics."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, MediaItem, PlatformError, PublishRequest
from app.platforms.oauth import pkce_pair
from app.platforms.tiktok import ADAPTER, chunk_plan
from tests.fakes.base import lose_answer, reset, status
from tests.fakes.context import app_for, context, media_file
from tests.fakes.tiktok import FakeTikTok

CHUNK = 64 * 1024
VIDEO_BYTES = 3 * CHUNK + 5000  # three chunks: the last carries the trailing 5000 bytes
REDIRECT = "https://app.example/connect/tiktok/callback"
ACCOUNT = Identity("open-1", "fakecreator", "Fake Creator")


@pytest.fixture
def fake():
    with FakeTikTok() as running:
        running.min_chunk = 1
        yield running


@pytest.fixture
def app(fake):
    return app_for(ADAPTER, fake, chunk_size=CHUNK, poll_interval=0)


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * (VIDEO_BYTES // 256) + b"\x01" *
                     (VIDEO_BYTES - 12 - 256 * (VIDEO_BYTES // 256)))
    return media_file(str(path))


def _connect(adapter, app):
    verifier, challenge = pkce_pair()
    answer = requests.get(adapter.authorize_url(app, REDIRECT, "state-1", challenge), allow_redirects=False)
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    return adapter.exchange_code(app, code, REDIRECT, verifier)


def _ctx(app, tokens, video, **kwargs):
    return context(app, tokens, ACCOUNT, text="Our launch clip #new", media=[video], **kwargs)


def _chunk_ranges(fake):
    return [seen["headers"].get("Content-Range") for seen in fake.requests if seen["method"] == "PUT"]


def _arm_when_saved(ctx, fake, key, value, method, path, fault):
    """Arm `fault` the moment the adapter checkpoints key=value (e.g. after the first chunk is acknowledged)."""
    save = ctx.save

    def watching(**values):
        save(**values)
        if values.get(key) == value:
            fake.arm(method, path, fault)

    ctx.save = watching


def test_oauth_round_trip_with_pkce_and_a_wrong_code_refused(fake, app):
    verifier, challenge = pkce_pair()
    url = ADAPTER.authorize_url(app, REDIRECT, "state-1", challenge)
    query = parse_qs(urlparse(url).query)
    assert urlparse(url).path == "/v2/auth/authorize/"
    assert query["client_key"] == ["test-client"] and query["redirect_uri"] == [REDIRECT]
    assert query["state"] == ["state-1"] and query["response_type"] == ["code"]
    assert set(query["scope"][0].split(",")) >= {"user.info.basic", "video.publish", "video.upload"}
    assert query["code_challenge"] == [challenge] and query["code_challenge_method"] == ["S256"]

    answer = requests.get(url, allow_redirects=False)
    assert answer.status_code == 302
    back = parse_qs(urlparse(answer.headers["Location"]).query)
    assert back["state"] == ["state-1"]
    tokens = ADAPTER.exchange_code(app, back["code"][0], REDIRECT, verifier)
    assert tokens.access_token and tokens.refresh_token and tokens.expires_at and tokens.refresh_expires_at
    assert tokens.extra["open_id"] == "open-1"

    with pytest.raises(PlatformError) as refused:
        ADAPTER.exchange_code(app, "not-a-code", REDIRECT, verifier)
    assert refused.value.kind is ErrorKind.DISCONNECT and "invalid_grant" in refused.value.detail


def test_a_code_with_the_wrong_verifier_is_refused(fake, app):
    _, challenge = pkce_pair()
    answer = requests.get(ADAPTER.authorize_url(app, REDIRECT, "s", challenge), allow_redirects=False)
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    with pytest.raises(PlatformError) as refused:
        ADAPTER.exchange_code(app, code, REDIRECT, pkce_pair()[0])
    assert refused.value.kind is ErrorKind.DISCONNECT


def test_refresh_rotates_the_refresh_token_and_the_old_one_is_spent(fake, app):
    tokens = _connect(ADAPTER, app)
    renewed = ADAPTER.refresh(app, tokens)
    assert renewed.refresh_token and renewed.refresh_token != tokens.refresh_token
    assert renewed.access_token != tokens.access_token
    with pytest.raises(PlatformError) as spent:
        ADAPTER.refresh(app, tokens)
    assert spent.value.kind is ErrorKind.DISCONNECT
    assert ADAPTER.refresh(app, renewed).access_token


def test_identities_list_the_signed_in_creator(fake, app):
    [identity] = ADAPTER.identities(app, _connect(ADAPTER, app))
    assert (identity.platform_account_id, identity.username, identity.display_name) == \
        ("open-1", "fakecreator", "Fake Creator")


def test_a_video_is_posted_in_chunks_with_its_caption(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    published = publish_once(ADAPTER, ctx, refresh=lambda: pytest.fail("no refresh needed"))
    [post] = fake.published()
    assert post["text"] == "Our launch clip #new" and post["kind"] == "video"
    assert published.platform_post_id == post["id"]
    assert published.platform_post_url == f"https://www.tiktok.com/@fakecreator/video/{post['id']}"
    assert _chunk_ranges(fake) == [f"bytes 0-{CHUNK - 1}/{VIDEO_BYTES}", f"bytes {CHUNK}-{2 * CHUNK - 1}/{VIDEO_BYTES}",
                                   f"bytes {2 * CHUNK}-{VIDEO_BYTES - 1}/{VIDEO_BYTES}"]
    assert ctx.checkpoint["publish_id"].startswith("v_pub_file") and ctx.checkpoint["chunks_done"] == 3


def test_a_post_still_processing_is_awaited_on_the_next_attempt_without_uploading_again(fake, video):
    fake.processing_polls = 2
    app = app_for(ADAPTER, fake, chunk_size=CHUNK, poll_interval=0, status_polls=1)
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    with pytest.raises(PlatformError) as processing:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert processing.value.kind is ErrorKind.RETRY_LATER and "processing" in processing.value.message
    with pytest.raises(PlatformError):
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", "/v2/post/publish/video/init/") == 1 and len(_chunk_ranges(fake)) == 3


def test_a_dropped_chunk_is_resent_after_asking_tiktok_what_arrived(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    _arm_when_saved(ctx, fake, "chunks_done", 1, "PUT", "/video/", reset())
    publish_once(ADAPTER, ctx, refresh=lambda: None)
    ranges = _chunk_ranges(fake)
    assert ranges.count(f"bytes 0-{CHUNK - 1}/{VIDEO_BYTES}") == 1  # the acknowledged chunk is not sent again
    assert ranges.count(f"bytes {CHUNK}-{2 * CHUNK - 1}/{VIDEO_BYTES}") == 2  # the dropped one is
    assert fake.calls("POST", "/v2/post/publish/status/fetch/") >= 2
    assert len(fake.published()) == 1


def test_an_upload_broken_off_resumes_from_the_checkpoint_on_the_next_attempt(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    _arm_when_saved(ctx, fake, "chunks_done", 1, "PUT", "/video/", reset(times=3))
    with pytest.raises(PlatformError) as broken:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert broken.value.kind is ErrorKind.RETRY_LATER and ctx.checkpoint["chunks_done"] == 1
    assert fake.published() == []

    publish_once(ADAPTER, ctx, refresh=lambda: None)
    ranges = _chunk_ranges(fake)
    assert ranges.count(f"bytes 0-{CHUNK - 1}/{VIDEO_BYTES}") == 1
    assert fake.calls("POST", "/v2/post/publish/video/init/") == 1 and len(fake.published()) == 1


def test_the_last_chunk_whose_answer_was_lost_is_not_sent_again(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    _arm_when_saved(ctx, fake, "chunks_done", 2, "PUT", "/video/", lose_answer())
    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert len(_chunk_ranges(fake)) == 3 and [post["id"] for post in fake.published()] == [published.platform_post_id]


def test_an_init_whose_answer_was_lost_ends_with_exactly_one_post(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    fake.arm("POST", "/v2/post/publish/video/init/", lose_answer())
    with pytest.raises(PlatformError) as lost:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert lost.value.kind is ErrorKind.RETRY_LATER and lost.value.maybe_happened
    assert ctx.checkpoint["unconfirmed"] is True and fake.calls("POST", "/v2/video/list/") == 1

    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert len(fake.published()) == 1 and fake.published()[0]["id"] == published.platform_post_id
    assert fake.calls("POST", "/v2/post/publish/video/init/") == 2  # the lost one never received a byte


def test_find_published_recognises_our_post_in_the_account_videos(fake, app, video):
    first = _ctx(app, _connect(ADAPTER, app), video)
    published = ADAPTER.publish(first)
    again = _ctx(app, first.tokens, video)  # a checkpoint that lost the publish id
    again.started_at = first.started_at
    assert ADAPTER.find_published(again).platform_post_id == published.platform_post_id
    other = context(app, first.tokens, ACCOUNT, text="Something else", media=[video])
    assert ADAPTER.find_published(other) is None


def test_an_expired_token_is_refreshed_once_and_the_post_goes_out(fake, app, video):
    tokens = _connect(ADAPTER, app)
    ctx = _ctx(app, tokens, video)
    fake.expire_access_tokens()
    with pytest.raises(PlatformError) as expired:
        ADAPTER.publish(ctx)
    assert expired.value.kind is ErrorKind.REFRESH_TOKEN
    refreshed = []
    publish_once(ADAPTER, ctx, refresh=lambda: refreshed.append(1) or ADAPTER.refresh(app, ctx.tokens))
    assert refreshed == [1] and ctx.tokens.refresh_token != tokens.refresh_token and len(fake.published()) == 1


def test_a_revoked_connection_disconnects(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    fake.revoke()
    with pytest.raises(PlatformError) as revoked:
        publish_once(ADAPTER, ctx, refresh=lambda: ADAPTER.refresh(app, ctx.tokens))
    assert revoked.value.kind is ErrorKind.DISCONNECT and fake.published() == []


def test_a_429_is_retry_later_with_its_wait(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    fake.arm("POST", "/v2/post/publish/video/init/", status(429, retry_after=7, body='{"error": {"code": '
             '"rate_limit_exceeded", "message": "", "log_id": "x"}}'))
    with pytest.raises(PlatformError) as limited:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert limited.value.kind is ErrorKind.RETRY_LATER and limited.value.retry_after == 7
    assert not limited.value.maybe_happened and fake.published() == []
    assert publish_once(ADAPTER, ctx, refresh=lambda: None) and len(fake.published()) == 1


def test_the_init_limit_of_six_a_minute_is_declared_and_answered(fake, app, video):
    assert any(limit.action == "upload_init" and (limit.count, limit.seconds) == (6, 60) for limit in ADAPTER.limits)
    tokens = _connect(ADAPTER, app)
    for number in range(6):
        ADAPTER.publish(context(app, tokens, ACCOUNT, text=f"clip {number}", media=[video]))
    with pytest.raises(PlatformError) as seventh:
        ADAPTER.publish(context(app, tokens, ACCOUNT, text="clip 7", media=[video]))
    assert seventh.value.kind is ErrorKind.RETRY_LATER and len(fake.published()) == 6


def test_tiktok_error_codes_are_told_in_words(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    fake.arm("POST", "/v2/post/publish/video/init/", status(403, body='{"data": {}, "error": {"code": '
             '"spam_risk_too_many_posts", "message": "too many", "log_id": "x"}}'))
    with pytest.raises(PlatformError) as daily:
        ADAPTER.publish(ctx)
    assert daily.value.kind is ErrorKind.RETRY_LATER and "daily limit" in daily.value.message
    assert "spam_risk_too_many_posts" in daily.value.detail

    fake.arm("POST", "/v2/post/publish/video/init/", status(403, body='{"data": {}, "error": {"code": '
             '"unaudited_client_can_only_post_to_private_accounts", "message": "", "log_id": "x"}}'))
    with pytest.raises(PlatformError) as private:
        ADAPTER.publish(_ctx(app, ctx.tokens, video))
    assert private.value.kind is ErrorKind.BAD_REQUEST and "SELF_ONLY" in private.value.message


def test_a_privacy_level_the_account_does_not_offer_is_refused(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video, metadata={"privacy_level": "FOLLOWER_OF_CREATOR"})
    with pytest.raises(PlatformError) as refused:
        ADAPTER.publish(ctx)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and "FOLLOWER_OF_CREATOR" in refused.value.message
    assert fake.calls("POST", "/v2/post/publish/video/init/") == 0


def test_check_refuses_what_tiktok_will_not_take(tmp_path, video):
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    avi = tmp_path / "clip.avi"
    avi.write_bytes(b"RIFF" + b"\x00" * 64)
    huge = MediaItem(url="http://127.0.0.1:9/m", mime_type="video/mp4", size_bytes=5 * 1024 ** 3, kind="video",
                     file_name="huge.mp4", open=lambda: None)
    cases = {"text only": [], "an image": [media_file(str(image))], "an AVI": [media_file(str(avi))],
             "a 5 GB video": [huge], "two videos": [video, video]}
    for what, media in cases.items():
        request = PublishRequest("A caption", None, tuple(media), {}, "0" * 32)
        with pytest.raises(PlatformError) as refused:
            ADAPTER.check(request)
        assert refused.value.kind is ErrorKind.BAD_REQUEST and refused.value.message.startswith("TikTok"), what
    long_caption = PublishRequest("x" * 2201, None, (video,), {}, "0" * 32)
    with pytest.raises(PlatformError, match="2200"):
        ADAPTER.check(long_caption)


def test_chunk_plan_follows_the_media_transfer_rules():
    mb = 1024 * 1024
    assert chunk_plan(3 * mb, 10 * mb) == (3 * mb, 1)  # under 5 MB: whole
    assert chunk_plan(25 * mb + 7, 10 * mb) == (10 * mb, 2)  # the last chunk takes the trailing bytes
    chunk, count = chunk_plan(4 * 1024 * mb, 5 * mb)
    assert count <= 1000 and chunk * count <= 4 * 1024 * mb < chunk * (count + 2)


def test_metrics_of_a_post_and_the_account(fake, app, video):
    ctx = _ctx(app, _connect(ADAPTER, app), video)
    published = ADAPTER.publish(ctx)
    assert ADAPTER.post_metrics(ctx, published.platform_post_id) == {"views": 1500, "likes": 120, "comments": 14,
                                                                     "shares": 9}
    assert ADAPTER.account_metrics(ctx) == {"followers": 1200, "following": 80, "posts": 31}
