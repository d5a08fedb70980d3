"""TikTok photo posts (content/init, PULL_FROM_URL from our media store), the video rules creator_info sets, and
uploads TikTok's processing refuses."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, PlatformError
from app.platforms.oauth import pkce_pair
from app.platforms.tiktok import ADAPTER
from tests.fakes.base import lose_answer
from tests.fakes.context import app_for, context, media_file
from tests.fakes.tiktok import FakeTikTok

ACCOUNT = Identity("open-1", "fakecreator", "Fake Creator")
INIT = "/v2/post/publish/content/init/"


@pytest.fixture
def fake():
    with FakeTikTok() as running:
        yield running


@pytest.fixture
def app(fake):
    return app_for(ADAPTER, fake, poll_interval=0)


@pytest.fixture
def tokens(fake, app):
    verifier, challenge = pkce_pair()
    answer = requests.get(ADAPTER.authorize_url(app, "https://app.example/cb", "s", challenge), allow_redirects=False)
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    return ADAPTER.exchange_code(app, code, "https://app.example/cb", verifier)


@pytest.fixture
def photos(tmp_path):
    items = []
    for number in (1, 2):
        path = tmp_path / f"photo{number}.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2048 + b"\xff\xd9")
        items.append(media_file(str(path), url=f"https://media.example/m/photo{number}.jpg"))
    return items


def _ctx(app, tokens, media, **kwargs):
    return context(app, tokens, ACCOUNT, text="Two photos from the launch", media=media, **kwargs)


def test_photos_are_posted_from_our_media_urls(fake, app, tokens, photos):
    published = publish_once(ADAPTER, _ctx(app, tokens, photos), refresh=lambda: None)
    [post] = fake.published()
    assert (post["text"], post["kind"], post["media"]) == ("Two photos from the launch", "image", 2)
    assert fake.pulled == [["https://media.example/m/photo1.jpg", "https://media.example/m/photo2.jpg"]]
    assert published.platform_post_id == post["id"] and "/photo/" in published.platform_post_url


def test_a_lost_photo_init_visible_on_the_account_is_recognised(fake, app, tokens, photos):
    ctx = _ctx(app, tokens, photos)
    fake.arm("POST", INIT, lose_answer())
    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", INIT) == 1


def test_a_lost_photo_init_not_yet_visible_is_not_sent_again(fake, app, tokens, photos):
    fake.in_moderation = True
    ctx = _ctx(app, tokens, photos)
    fake.arm("POST", INIT, lose_answer())
    for _ in range(2):
        with pytest.raises(PlatformError) as unsure:
            publish_once(ADAPTER, ctx, refresh=lambda: None)
        assert unsure.value.kind is ErrorKind.BAD_REQUEST and "cannot appear twice" in unsure.value.message
    assert fake.calls("POST", INIT) == 1 and len(fake.published()) == 1


def test_photo_rules_are_checked_before_sending(fake, app, tokens, photos, tmp_path):
    png = tmp_path / "shot.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    for media, words in (([media_file(str(png))], "JPEG or WebP"), (photos * 18, "at most 35")):
        with pytest.raises(PlatformError) as refused:
            ADAPTER.publish(_ctx(app, tokens, media))
        assert refused.value.kind is ErrorKind.BAD_REQUEST and words in refused.value.message
    with pytest.raises(PlatformError, match="90 characters"):
        ADAPTER.publish(_ctx(app, tokens, photos, title="t" * 91))
    assert fake.calls("POST", INIT) == 0


def test_a_video_longer_than_the_creator_may_post_is_refused(fake, app, tokens, tmp_path):
    path = tmp_path / "long.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    ctx = context(app, tokens, ACCOUNT, text="A long one", media=[media_file(str(path))],
                  metadata={"duration_seconds": 601})
    with pytest.raises(PlatformError) as refused:
        ADAPTER.publish(ctx)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and "at most 600 s" in refused.value.message
    assert fake.calls("POST", "/v2/post/publish/video/init/") == 0


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    return media_file(str(path))


def test_a_video_tiktok_refuses_in_processing_fails_in_words(fake, app, tokens, clip):
    fake.fail_reasons = ["frame_rate_check_failed"]
    with pytest.raises(PlatformError) as refused:
        publish_once(ADAPTER, context(app, tokens, ACCOUNT, text="Too fast", media=[clip]), refresh=lambda: None)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and "frame rate" in refused.value.message
    assert refused.value.detail == "frame_rate_check_failed" and fake.published() == []


def test_a_transient_processing_failure_starts_a_fresh_upload_next_time(fake, app, tokens, clip):
    fake.fail_reasons = ["internal"]
    ctx = context(app, tokens, ACCOUNT, text="Second time lucky", media=[clip])
    with pytest.raises(PlatformError) as failed:
        publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert failed.value.kind is ErrorKind.RETRY_LATER and ctx.checkpoint["publish_id"] is None
    published = publish_once(ADAPTER, ctx, refresh=lambda: None)
    assert [post["id"] for post in fake.published()] == [published.platform_post_id]
    assert fake.calls("POST", "/v2/post/publish/video/init/") == 2
