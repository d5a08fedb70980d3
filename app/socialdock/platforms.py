"""What each platform takes (the page's "Platform Notes", as rules) and who publishes a target there.

One adapter per platform, one interface (`Publisher`): this issue has two, LinkedIn through our extension and
post engine (live keys) and the sandbox (test keys, every platform); the platforms' own APIs plug in beside
them (`register_publisher`) without changing the API's code. A rule a request breaks answers 400 naming the
target and the field.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from app.models import DOCK_PLATFORMS
from app.socialdock.errors import bad_request


@dataclass(frozen=True)
class Capabilities:
    text: bool = True
    images: bool = True
    video: bool = True
    carousel: bool = True
    analytics: bool = True
    requires_title: bool = False
    requires_video: bool = False
    required_metadata: tuple[str, ...] = ()
    # metadata field -> allowed values
    metadata_choices: dict = field(default_factory=dict)
    max_text: int | None = None


CAPABILITIES = {
    "facebook": Capabilities(max_text=63206),
    "instagram": Capabilities(max_text=2200),
    "linkedin": Capabilities(carousel=False, max_text=3000),
    "threads": Capabilities(video=False, carousel=False, analytics=False, max_text=500),
    "tiktok": Capabilities(text=False, images=False, carousel=False, requires_video=True, max_text=2200,
                           metadata_choices={"privacy_level": ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS",
                                                               "FOLLOWER_OF_CREATOR", "SELF_ONLY")}),
    "reddit": Capabilities(video=False, carousel=False, analytics=False, requires_title=True,
                           required_metadata=("subreddit",), max_text=40000),
    "telegram": Capabilities(carousel=False, analytics=False, required_metadata=("chat_id",), max_text=4096),
    "youtube": Capabilities(images=False, carousel=False, requires_title=True, requires_video=True, max_text=5000,
                            metadata_choices={"privacy": ("public", "unlisted", "private")}),
}
assert set(CAPABILITIES) == set(DOCK_PLATFORMS)


def media_kind(mime_type: str | None) -> str | None:
    if not mime_type:
        return None
    return "image" if mime_type.startswith("image/") else "video" if mime_type.startswith("video/") else None


def check_target(index: int, platform: str, text: str, title: str | None, media: list[dict], metadata: dict) -> None:
    """Refuse (400, naming `targets[index].field`) what this platform does not take."""
    rules = CAPABILITIES[platform]
    where = f"targets[{index}] ({platform})"
    kinds = [media_kind(item.get("mime_type")) for item in media]
    if rules.requires_title and not (title or "").strip():
        raise bad_request(f"{where}.title: {platform} requires a title")
    if not rules.images and "image" in kinds:
        raise bad_request(f"{where}.media_urls: {platform} does not take images")
    if rules.requires_video and "video" not in kinds:
        raise bad_request(f"{where}.media_urls: {platform} requires a video attachment")
    if not rules.video and "video" in kinds:
        raise bad_request(f"{where}.media_urls: {platform} does not take video")
    if not rules.carousel and len(media) > 1:
        raise bad_request(f"{where}.media_urls: {platform} takes one media item per post, not a carousel")
    if rules.max_text and len(text) > rules.max_text:
        raise bad_request(f"{where}.text: at most {rules.max_text} characters on {platform}")
    for name in rules.required_metadata:
        value = metadata.get(name)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            raise bad_request(f"{where}.metadata.{name}: required for {platform}")
    for name, allowed in rules.metadata_choices.items():
        if name in metadata and metadata[name] not in allowed:
            raise bad_request(f"{where}.metadata.{name}: must be one of {', '.join(allowed)}")


@dataclass
class TargetJob:
    """What a publisher is handed: one target of one post, already checked against the platform's rules."""

    target_id: object
    team_id: object
    platform: str
    text: str
    title: str | None
    media: list[dict]
    metadata: dict
    publish_at: datetime | None


class Publisher(Protocol):
    """How a target reaches its platform. `schedule` runs in the request's transaction: it records whatever will
    publish the target (an engine post, a due time); the outcome arrives later, through `targets.finish`."""

    def schedule(self, job: TargetJob, account, target) -> None: ...

    def reschedule(self, job: TargetJob, target) -> None: ...

    def withdraw(self, target, reason: str | None, now: datetime) -> bool:
        """Take back a target not yet handed to its platform and, with a `reason`, end it failed with that reason;
        False (nothing done) when it is being published now."""
        ...


@dataclass
class PublishResult:
    published: bool
    platform_post_id: str | None = None
    platform_post_url: str | None = None
    error: str | None = None  # in words a person understands, when not published


class DuePublisher(Publisher, Protocol):
    """A publisher whose `schedule` sets the target's `due_at`; once due, a worker (`app.socialdock.due`) hands the
    target to `publish`. The sandbox is one; the platforms' own APIs (issue 14) are the next."""

    def publish(self, job: TargetJob) -> PublishResult: ...


_PUBLISHERS: dict[tuple[str, str], Publisher] = {}


def register_publisher(mode: str, platform: str, publisher: Publisher) -> None:
    _PUBLISHERS[(mode, platform)] = publisher


def publisher_for(mode: str, platform: str) -> Publisher | None:
    return _PUBLISHERS.get((mode, platform)) or _PUBLISHERS.get((mode, "*"))
