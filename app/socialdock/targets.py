"""A target's end (published or failed), the event that reports it, and the post's status that follows.

Each end emits `post_published` / `post_failed` to the workspace's SocialDock endpoints of the key's mode, in the
same transaction as the change (app.webhooks.outbox). The payload (docs/socialdock.md, "Webhooks") is stable:
`{"post_id", "post": {...}, "target": {...}, "sandbox"}`.
"""

from datetime import datetime

from sqlalchemy import select

from app.common.fields import utc_iso
from app.extensions import db
from app.models import DockPost, DockTarget, Post
from app.socialdock.ids import public_id
from app.webhooks.outbox import emit

OPEN_STATUSES = ("scheduled", "publishing")


def post_status(statuses: list[str]) -> str:
    """publishing while any target is; scheduled while any waits; then failed if any failed, else published.

    (Which targets failed is in each target's own status.)"""
    if "publishing" in statuses:
        return "publishing"
    if "scheduled" in statuses:
        return "scheduled"
    if "failed" in statuses:
        return "failed"
    return "published"


def media_of(post: DockPost, target: DockTarget) -> list[dict]:
    """What this target publishes: its own media when the request named some (`metadata.media_urls`), else the
    post's (platforms differ: TikTok and YouTube need a video that Threads and Reddit do not take)."""
    return list(target.media if target.media is not None else post.media or [])


def targets_of(post: DockPost) -> list[DockTarget]:
    return list(db.session.scalars(
        select(DockTarget).where(DockTarget.team_id == post.team_id, DockTarget.post_id == post.id)
        .order_by(DockTarget.created_at, DockTarget.id)
    ))


def shown(post: DockPost) -> DockPost:
    """The post with its targets as a client sees them now: a LinkedIn target waiting while the extension holds
    its post is `publishing` (the engine moves its post between scheduled and publishing as leases come and go,
    so this is read, not stored); the post's status follows."""
    rows = targets_of(post)
    holding = {row.engine_post_id for row in rows if row.status == "scheduled" and row.engine_post_id}
    if holding:
        holding = set(db.session.scalars(select(Post.id).where(Post.id.in_(holding), Post.status == "publishing")))
    for row in rows:
        row.shown_status = "publishing" if row.engine_post_id in holding else row.status
    post.targets = rows
    post.shown_status = post_status([row.shown_status for row in rows]) if rows else post.status
    return post


def refresh_post(post: DockPost, now: datetime) -> None:
    targets = targets_of(post)
    post.status = post_status([target.status for target in targets])
    published = [target.published_at for target in targets if target.published_at]
    post.published_at = max(published) if published and post.status == "published" else post.published_at
    post.updated_at = now


def event_data(post: DockPost, target: DockTarget) -> dict:
    return {
        "post_id": public_id("post", post.id),
        "post": {"id": public_id("post", post.id), "status": post.status, "text": post.text, "title": post.title,
                 "scheduled_at": utc_iso(post.scheduled_at), "tags": list(post.tags or [])},
        "target": {"platform": target.platform, "account_id": public_id("account", target.account_id),
                   "status": target.status, "platform_post_id": target.platform_post_id,
                   "platform_post_url": target.platform_post_url, "published_at": utc_iso(target.published_at),
                   "error": target.error},
        "sandbox": post.mode == "test",
    }


def ended_unsent(target: DockTarget, reason: str) -> str:
    """Why a target ends without being published; one whose last request's answer was lost (`unconfirmed`: the
    platform may have it) says so instead of claiming nothing was sent."""
    if (target.checkpoint or {}).get("unconfirmed"):
        return f"{reason}; it may have been published: check the account before posting it again"
    return reason


def finish(target: DockTarget, now: datetime, *, published: bool, platform_post_id: str | None = None,
           platform_post_url: str | None = None, error: str | None = None) -> None:
    """End an open target (the caller commits); a target already ended is left alone (no second event)."""
    if target.status not in OPEN_STATUSES:
        return
    post = db.session.get(DockPost, target.post_id)
    if published:
        target.status, target.error, target.published_at = "published", None, now
        target.platform_post_id, target.platform_post_url = platform_post_id, platform_post_url
    else:
        target.status, target.error = "failed", (error or "publishing failed")[:300]
    target.updated_at = now
    db.session.flush()
    refresh_post(post, now)
    emit(post.team_id, "post_published" if published else "post_failed", event_data(post, target),
         audience=f"socialdock:{post.mode}")
