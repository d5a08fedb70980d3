"""Every adapter's `check()` against whatever JSON a post's metadata may carry: a number, list, object or boolean
where text is wanted, a huge string, a NUL, a lone surrogate, NaN. What comes out is None (the post is taken) or a
PlatformError BAD_REQUEST naming the field, never another exception: one would be a 500 when the post is made and
an "unexpected" error retried for hours when it is published. Where an adapter builds what it sends from the
metadata in one place (YouTube's video resource, TikTok's post_info), a taken post must also build and encode."""

import io
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.platforms.base import ErrorKind, MediaItem, PlatformError, PublishRequest
from app.platforms.registry import adapter_for
from app.platforms.tiktok_post_info import post_info
from app.platforms.tiktok_rules import PRIVACY_LEVELS
from app.platforms.youtube_rules import video_resource


def _item(mime_type: str, size: int = 2048) -> MediaItem:
    return MediaItem(url="https://media.example/f", mime_type=mime_type, size_bytes=size,
                     kind=mime_type.split("/")[0], file_name="f", open=lambda: io.BytesIO(b"\x00" * size))


VIDEO, IMAGE = _item("video/mp4", 200 * 1024), _item("image/jpeg")
# A post each platform takes with no metadata but what it requires (the generated metadata may override it).
TAKEN = {
    "facebook": ("facebook", "Launch day", None, (), {}),
    "instagram": ("instagram", "Launch day", None, (IMAGE,), {}),
    "threads": ("threads", "Launch day", None, (), {}),
    "linkedin": ("linkedin", "Launch day", None, (), {}),
    "reddit": ("reddit", "Launch day", "Launch", (), {"subreddit": "python"}),
    "tiktok": ("tiktok", "Launch day", None, (VIDEO,), {}),
    "tiktok photos": ("tiktok", "Launch day", "Launch", (IMAGE, IMAGE), {}),
    "telegram": ("telegram", "Launch day", None, (), {}),
    "youtube": ("youtube", "Launch day", "Launch", (VIDEO,), {}),
}
READ_FIELDS = ("privacy", "privacy_status", "tags", "category_id", "made_for_kids", "privacy_level",
               "disable_comment", "disable_duet", "disable_stitch", "auto_add_music", "brand_content_toggle",
               "brand_organic_toggle", "is_aigc", "video_cover_timestamp_ms", "duration_seconds", "photo_cover_index",
               "subreddit", "title", "url", "flair_id", "flair_text", "nsfw", "spoiler", "visibility", "chat_id",
               "media_urls")
AWKWARD_TEXT = st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "x" * 100_000, "http://\ud800.example",
                                "https://example.com/a", "https://example.com/\x00", "PUBLIC", "SELF_ONLY", "private",
                                "unlisted", "22", "@channel_name", "-1001234", "r/python", "12345678901234567890123"])
TEXT = st.text(max_size=20) | AWKWARD_TEXT
SCALAR = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-2 ** 70, max_value=2 ** 70)
          | st.floats() | TEXT)
JSON = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8)
METADATA = st.dictionaries(st.sampled_from(READ_FIELDS) | st.text(max_size=8), JSON, max_size=6)


def _encoded(payload: dict) -> bytes:
    """What the adapter would send, encoded strictly (UTF-8 without surrogates, no NaN)."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _request(case: str, metadata: dict) -> PublishRequest:
    _, text, title, media, required = TAKEN[case]
    return PublishRequest(text, title, media, {**required, **metadata}, "0" * 32)


def _checked(case: str, metadata: dict) -> PublishRequest | None:
    request = _request(case, metadata)
    try:
        adapter_for(TAKEN[case][0]).check(request)
    except PlatformError as error:
        assert error.kind is ErrorKind.BAD_REQUEST, error.message
        assert "metadata." in error.message or not metadata, error.message
        return None
    return request


@pytest.mark.parametrize("case", sorted(TAKEN))
def test_each_platform_takes_its_plain_post(case):
    assert _checked(case, {}) is not None


@pytest.mark.parametrize("case", sorted(TAKEN))
@settings(max_examples=300, deadline=None, database=None)
@given(metadata=METADATA)
@example(metadata={"tags": 5})
@example(metadata={"duration_seconds": float("nan")})
@example(metadata={"photo_cover_index": "1"})
@example(metadata={"chat_id": {"id": 1}})
@example(metadata={"flair_text": "\ud800"})
@example(metadata={"url": ["https://example.com"]})
@example(metadata={"visibility": ["PUBLIC"]})
@example(metadata={"photo_cover_index": 2, "auto_add_music": "yes"})
def test_any_metadata_is_taken_or_refused_as_a_bad_request(case, metadata):
    request = _checked(case, metadata)
    if request is not None and case == "youtube":
        _encoded(video_resource(request))
    if request is not None and case.startswith("tiktok"):
        _encoded(post_info(request, {"privacy_level_options": list(PRIVACY_LEVELS)}))


@pytest.mark.parametrize(("case", "metadata", "field"), [
    ("youtube", {"tags": 5}, "tags"),
    ("youtube", {"made_for_kids": "yes"}, "made_for_kids"),
    ("tiktok", {"privacy_level": ["SELF_ONLY"]}, "privacy_level"),
    ("tiktok", {"disable_comment": "false"}, "disable_comment"),
    ("tiktok", {"brand_content_toggle": 1}, "brand_content_toggle"),
    ("tiktok", {"video_cover_timestamp_ms": "1000"}, "video_cover_timestamp_ms"),
    ("tiktok", {"duration_seconds": float("inf")}, "duration_seconds"),
    ("tiktok", {"photo_cover_index": 3}, "photo_cover_index"),
    ("tiktok photos", {"photo_cover_index": 2}, "photo_cover_index"),
    ("tiktok photos", {"auto_add_music": None, "photo_cover_index": -1}, "photo_cover_index"),
    ("tiktok photos", {"auto_add_music": "yes"}, "auto_add_music"),
    ("reddit", {"subreddit": ["python"]}, "subreddit"),
    ("reddit", {"subreddit": True}, "subreddit"),
    ("reddit", {"title": {"t": 1}}, "title"),
    ("reddit", {"url": "https://example.com/\ud800"}, "url"),
    ("reddit", {"flair_text": "a\x00b"}, "flair_text"),
    ("reddit", {"nsfw": "true"}, "nsfw"),
    ("reddit", {"spoiler": 1}, "spoiler"),
    ("linkedin", {"visibility": 7}, "visibility"),
    ("linkedin", {"url": "https://example.com/" + "a" * 3000}, "url"),
    ("telegram", {"chat_id": [1]}, "chat_id"),
    ("telegram", {"chat_id": True}, "chat_id"),
    ("telegram", {"chat_id": "-100 123"}, "chat_id"),
])
def test_a_wrong_value_is_refused_naming_its_field(case, metadata, field):
    with pytest.raises(PlatformError) as refused:
        adapter_for(TAKEN[case][0]).check(_request(case, metadata))
    assert refused.value.kind is ErrorKind.BAD_REQUEST
    assert f"metadata.{field}" in refused.value.message


@pytest.mark.parametrize(("case", "metadata"), [
    ("tiktok", {"privacy_level": "SELF_ONLY", "disable_duet": True, "video_cover_timestamp_ms": 1500,
                "duration_seconds": 12.5, "is_aigc": False}),
    ("reddit", {"subreddit": "r/python", "flair_text": "News", "nsfw": False, "url": "https://example.com/a"}),
    ("reddit", {"subreddit": 12345}),
    ("tiktok photos", {"photo_cover_index": 1, "auto_add_music": False, "privacy_level": "SELF_ONLY"}),
    ("linkedin", {"visibility": "CONNECTIONS", "url": "https://example.com/a"}),
    ("telegram", {"chat_id": -1001234567890}),
    ("telegram", {"chat_id": "@launch_channel"}),
    ("youtube", {"privacy": "unlisted", "tags": ["a", "b c"], "category_id": "22", "made_for_kids": False}),
])
def test_right_values_are_taken(case, metadata):
    adapter_for(TAKEN[case][0]).check(_request(case, metadata))
