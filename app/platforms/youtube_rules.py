"""What YouTube takes, checked before anything is sent, and the video resource (snippet and status) a post becomes.

Metadata read (docs/platforms/tiktok-youtube.md): `privacy` public | unlisted | private (the API's documented
field; `privacy_status`, its older name, is still read and must agree), `tags` (texts, 500 characters in all as
YouTube counts them), `category_id` (a YouTube video category's number, 22 "People & Blogs" by default) and
`made_for_kids` (true or false).
"""

from __future__ import annotations

from app.platforms import metadata_rules as rules
from app.platforms.base import ErrorKind, PlatformError, PublishRequest

PLATFORM = "YouTube"
MAX_VIDEO_BYTES = 256 * 1024 ** 3
MAX_TITLE, MAX_DESCRIPTION_BYTES = 100, 5000
PRIVACY = ("public", "unlisted", "private")
MAX_TAG_CHARACTERS = 500
DEFAULT_CATEGORY = "22"


def _refuse(message: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"{PLATFORM}: {message}")


def title_of(request: PublishRequest) -> str:
    if request.title:
        return request.title.strip()
    first_line = (request.text or "").strip().splitlines()[0] if (request.text or "").strip() else ""
    return first_line[:MAX_TITLE].strip()


def privacy_of(metadata: dict) -> str:
    privacy = rules.text(metadata, "privacy", PLATFORM, max_length=0, choices=PRIVACY)
    alias = rules.text(metadata, "privacy_status", PLATFORM, max_length=0, choices=PRIVACY)
    if privacy and alias and privacy != alias:
        raise rules.refuse(PLATFORM, "privacy_status", f"the same as metadata.privacy ({privacy}) when both are given")
    return privacy or alias or "public"


def tags_of(metadata: dict) -> list[str]:
    tags = rules.text_list(metadata, "tags", PLATFORM, max_items=MAX_TAG_CHARACTERS, max_length=MAX_TAG_CHARACTERS)
    tags = [tag.strip() for tag in tags or [] if tag.strip()]
    # YouTube counts a tag with a space as quoted, and the commas between tags
    counted = sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + max(len(tags) - 1, 0)
    if counted > MAX_TAG_CHARACTERS or any("<" in tag or ">" in tag for tag in tags):
        raise rules.refuse(PLATFORM, "tags", f"texts without < or > of at most {MAX_TAG_CHARACTERS} characters in all")
    return tags


def category_of(metadata: dict) -> str:
    value = metadata.get("category_id")
    if value is None:
        return DEFAULT_CATEGORY
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        return value
    raise rules.refuse(PLATFORM, "category_id", "a YouTube video category's number (e.g. 22 or \"22\")")


def check_request(request: PublishRequest) -> None:
    if len(request.media) != 1 or request.media[0].kind != "video":
        raise _refuse("a post needs exactly one video (text alone or images are not taken)")
    video = request.media[0]
    if not (video.mime_type.startswith("video/") or video.mime_type == "application/octet-stream"):
        raise _refuse(f"{video.mime_type} is not a video format")
    if video.size_bytes > MAX_VIDEO_BYTES or video.size_bytes <= 0:
        raise _refuse("the video must be between 1 byte and 256 GB")
    title = title_of(request)
    if not rules.sendable(title) or not rules.sendable(request.text or ""):
        raise _refuse("the title and description must not carry NUL or invalid (unpaired surrogate) characters")
    if not title or len(title) > MAX_TITLE or "<" in title or ">" in title:
        raise _refuse("a video needs a title of 1-100 characters without < or > (the post's title, or its text's "
                      "first line)")
    if len((request.text or "").encode()) > MAX_DESCRIPTION_BYTES or "<" in request.text or ">" in request.text:
        raise _refuse("the description (the post's text) must be at most 5000 bytes without < or >")
    video_resource(request)  # every metadata field it reads is checked there


def video_resource(request: PublishRequest) -> dict:
    """The snippet and status videos.insert is sent; raises BAD_REQUEST naming a metadata field it cannot take."""
    metadata = request.metadata
    snippet = {"title": title_of(request), "description": request.text or "", "categoryId": category_of(metadata)}
    tags = tags_of(metadata)
    if tags:
        snippet["tags"] = tags
    made_for_kids = rules.flag(metadata, "made_for_kids", PLATFORM)
    status = {"privacyStatus": privacy_of(metadata), "selfDeclaredMadeForKids": bool(made_for_kids)}
    return {"snippet": snippet, "status": status}
