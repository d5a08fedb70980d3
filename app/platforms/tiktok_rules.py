"""What TikTok takes, checked before anything is sent, and how a video is cut into chunks (the Content Posting
API's media requirements and Media Transfer Guide)."""

from __future__ import annotations

from app.platforms import metadata_rules as rules
from app.platforms.base import ErrorKind, PlatformError, PublishRequest

MB = 1024 * 1024
MIN_CHUNK = 5 * MB  # chunks are 5-64 MB; the last may carry the trailing bytes (up to 128 MB)
MAX_CHUNK = 64 * MB
DEFAULT_CHUNK = 10 * MB
MAX_CHUNKS = 1000
MAX_VIDEO_BYTES = 4 * 1024 * MB
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
PHOTO_TYPES = ("image/jpeg", "image/webp")  # photo posts take JPEG and WebP only
MAX_PHOTO_BYTES = 20 * MB
MAX_PHOTOS = 35
MAX_CAPTION = 2200  # a video's caption (post_info.title)
MAX_PHOTO_TITLE, MAX_PHOTO_DESCRIPTION = 90, 4000
PLATFORM = "TikTok"
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
FLAGS = ("disable_comment", "disable_duet", "disable_stitch", "auto_add_music", "brand_content_toggle",
         "brand_organic_toggle", "is_aigc")
MAX_DURATION_SECONDS = 24 * 3600


def refuse(message: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"{PLATFORM}: {message}")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def caption(request: PublishRequest) -> str:
    return request.text or request.title or ""


def is_photo_post(request: PublishRequest) -> bool:
    return bool(request.media) and all(item.kind == "image" for item in request.media)


def check_request(request: PublishRequest) -> None:
    if not request.media:
        raise refuse("a post needs a video or photos; text alone is not taken")
    if not rules.sendable(request.text or "") or not rules.sendable(request.title or ""):
        raise refuse("the caption and title must not carry NUL or invalid (unpaired surrogate) characters")
    check_metadata(request)
    if is_photo_post(request):
        _check_photos(request)
        return
    if len(request.media) != 1 or request.media[0].kind != "video":
        raise refuse("a post carries one video, or 1-35 photos; not several videos or videos with photos")
    video = request.media[0]
    if video.mime_type not in VIDEO_TYPES:
        raise refuse(f"the video must be MP4, MOV or WebM, not {video.mime_type}")
    if video.size_bytes > MAX_VIDEO_BYTES:
        raise refuse("the video is larger than 4 GB")
    if video.size_bytes <= 0:
        raise refuse("the video file is empty")
    if utf16_length(caption(request)) > MAX_CAPTION:
        raise refuse(f"the caption is longer than {MAX_CAPTION} characters")


def _check_photos(request: PublishRequest) -> None:
    if len(request.media) > MAX_PHOTOS:
        raise refuse(f"a photo post carries at most {MAX_PHOTOS} photos")
    for photo in request.media:
        if photo.mime_type not in PHOTO_TYPES:
            raise refuse(f"photos must be JPEG or WebP, not {photo.mime_type}")
        if photo.size_bytes > MAX_PHOTO_BYTES:
            raise refuse("a photo is larger than 20 MB")
    if request.title and utf16_length(request.title) > MAX_PHOTO_TITLE:
        raise refuse(f"a photo post's title is longer than {MAX_PHOTO_TITLE} characters")
    if utf16_length(request.text or "") > MAX_PHOTO_DESCRIPTION:
        raise refuse(f"a photo post's description is longer than {MAX_PHOTO_DESCRIPTION} characters")


def check_metadata(request: PublishRequest) -> None:
    """Every metadata field the adapter reads (docs/platforms/tiktok-youtube.md), of the right type and range."""
    metadata = request.metadata
    rules.text(metadata, "privacy_level", PLATFORM, max_length=0, choices=PRIVACY_LEVELS)
    for name in FLAGS:
        rules.flag(metadata, name, PLATFORM)
    rules.integer(metadata, "video_cover_timestamp_ms", PLATFORM, minimum=0, maximum=MAX_DURATION_SECONDS * 1000)
    rules.number(metadata, "duration_seconds", PLATFORM, minimum=0, maximum=MAX_DURATION_SECONDS)
    rules.integer(metadata, "photo_cover_index", PLATFORM, minimum=0, maximum=max(len(request.media) - 1, 0))


def check_duration(request: PublishRequest, max_seconds) -> None:
    """The creator's longest allowed video (creator_info), when the post says how long its video is."""
    duration = request.metadata.get("duration_seconds")
    if isinstance(duration, (int, float)) and isinstance(max_seconds, int) and duration > max_seconds:
        raise refuse(f"the video lasts {int(duration)} s; this account may post at most {max_seconds} s")


def chunk_plan(size: int, preferred: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count): a video smaller than one chunk goes whole; otherwise count = size //
    chunk_size and the last chunk takes the trailing bytes; at most 1000 chunks."""
    if size <= preferred:
        return size, 1
    chunk = max(preferred, -(-size // MAX_CHUNKS))
    return chunk, size // chunk


def chunk_range(index: int, chunk: int, count: int, size: int) -> tuple[int, int]:
    first = index * chunk
    return first, (size - 1 if index == count - 1 else first + chunk - 1)
