"""LinkedIn media against the loopback LinkedIn: images (one, several), a video uploaded in parts and resumed after
a dropped part, upload URLs that expired between attempts, a lost finalize or initialize answer, each ending with
exactly one post."""

from __future__ import annotations

import pytest

from app.platforms.base import ErrorKind, PlatformError
from app.platforms.linkedin import ADAPTER
from tests.fakes.base import lose_answer, reset
from tests.fakes.context import app_for, context, media_file
from tests.fakes.linkedin import FakeLinkedIn
from tests.linkedin_helpers import PART, fresh_tokens, member, organization
from tests.platform_media import write_mp4, write_png


@pytest.fixture
def fake():
    with FakeLinkedIn(video_part_size=PART) as running:
        yield running


@pytest.fixture
def app(fake):
    return app_for(ADAPTER, fake, video_poll_seconds=0)


def test_image_posts_single_and_several(fake, app, tmp_path):
    one = media_file(write_png(tmp_path, "a.png"))
    two = media_file(write_png(tmp_path, "b.png"))
    ADAPTER.publish(context(app, fresh_tokens(fake), organization(), text="One picture", title="Alt", media=[one]))
    ADAPTER.publish(context(app, fresh_tokens(fake), organization(), text="Two pictures", media=[one, two]))
    assert [(post["kind"], post["media"], post["author"]) for post in fake.published()] == [
        ("image", 1, "urn:li:organization:2414183"), ("image", 2, "urn:li:organization:2414183")]
    assert fake.posts[0]["body"]["content"]["media"]["title"] == "Alt"
    assert all(image["bytes"] == one.size_bytes for image in fake.images.values())


def test_video_in_parts_resumes_after_a_dropped_part(fake, app, tmp_path):
    video = media_file(write_mp4(tmp_path, 4 * PART + 1000))
    ctx = context(app, fresh_tokens(fake), member(fake), text="Watch this", media=[video])
    fake.arm("PUT", "/dms-uploads/part/2", reset())

    with pytest.raises(PlatformError) as interrupted:
        ADAPTER.publish(ctx)
    assert interrupted.value.kind is ErrorKind.RETRY_LATER and not interrupted.value.maybe_happened
    etags = ctx.checkpoint["media"][0]["etags"]
    assert all(etags[:2]) and etags[2:] == [None, None, None]
    assert fake.published() == []

    published = ADAPTER.publish(ctx)
    assert [fake.calls("PUT", f"/dms-uploads/part/{n}") for n in range(5)] == [1, 1, 2, 1, 1]
    assert fake.calls("POST", "/rest/videos") == 2  # one initializeUpload, one finalizeUpload
    assert fake.published() == [{"id": published.platform_post_id, "text": "Watch this", "author": fake.member_urn,
                                 "media": 1, "kind": "video"}]


def test_upload_urls_that_expired_between_attempts_start_the_upload_afresh(fake, app, tmp_path):
    video = media_file(write_mp4(tmp_path, 3 * PART))
    ctx = context(app, fresh_tokens(fake), member(fake), text="A day later", media=[video])
    fake.arm("PUT", "/dms-uploads/part/1", reset())
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)
    ctx.checkpoint["media"][0]["expires_at"] = 0  # the saved part URLs' uploadUrlsExpireAt has passed
    ADAPTER.publish(ctx)
    assert len(fake.videos) == 2 and fake.calls("PUT", "/dms-uploads/part/0") == 2
    assert [post["kind"] for post in fake.published()] == ["video"]


def test_a_lost_finalize_answer_is_checked_not_repeated(fake, app, tmp_path):
    video = media_file(write_mp4(tmp_path, 2 * PART))
    ctx = context(app, fresh_tokens(fake), member(fake), text="Finalize once", media=[video])
    fake.arm("PUT", "/dms-uploads/part/0", reset())
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)  # initialized, the first part dropped
    fake.arm("POST", "/rest/videos", lose_answer())  # the next POST is the finalize: done, but the answer is lost
    with pytest.raises(PlatformError) as lost:
        ADAPTER.publish(ctx)
    assert lost.value.kind is ErrorKind.RETRY_LATER and not lost.value.maybe_happened

    ADAPTER.publish(ctx)
    assert fake.calls("POST", "/rest/videos") == 2  # one initializeUpload, one finalizeUpload: the status said done
    assert len(fake.published()) == 1 and len(fake.videos) == 1


def test_a_lost_upload_initialization_starts_afresh_and_still_posts_once(fake, app, tmp_path):
    video = media_file(write_mp4(tmp_path, 2 * PART))
    ctx = context(app, fresh_tokens(fake), member(fake), text="Init twice", media=[video])
    fake.arm("POST", "/rest/videos", lose_answer())
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)
    ADAPTER.publish(ctx)
    assert len(fake.published()) == 1 and len(fake.videos) == 2  # the first upload was abandoned, never posted
