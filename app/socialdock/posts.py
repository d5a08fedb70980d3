"""SocialDock posts: one post, one target per account, each published by its platform's publisher.

A post's status follows from its targets (targets.post_status). Only a post whose targets all wait (`scheduled`)
can be changed (409 otherwise, saying why); deleting withdraws what has not gone out (published copies stay on
their platforms).
"""

import mimetypes
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from app.clock import now as clock_now
from app.errors import ApiError
from app.extensions import db
from app.models import DockAccount, DockMedia, DockPost, DockTarget
from app.scoping import team_select
from app.socialdock import accounts, targets
from app.socialdock.errors import DockError, bad_request, conflict, not_found
from app.socialdock.ids import parse_id, public_id
from app.socialdock.keys import DockCaller
from app.socialdock.media import media_url, storage_name_of
from app.socialdock.platforms import TargetJob, check_target, publisher_for


def _media(caller: DockCaller, urls: list[str]) -> list[dict]:
    """Each URL as a media reference: our own media (its id and sniffed type), else an outside URL whose type is
    only guessed from its name (it is fetched and checked when a platform adapter uploads it)."""
    found = []
    for url in urls:
        name = storage_name_of(url)
        row = db.session.scalar(team_select(DockMedia, caller.team_id).where(
            DockMedia.storage_name == name, DockMedia.mode == caller.mode)) if name else None
        if row is not None:
            found.append({"id": public_id("media", row.id), "url": media_url(row), "mime_type": row.mime_type})
        else:
            guessed = mimetypes.guess_type(urlsplit(url).path)[0]
            found.append({"id": None, "url": url, "mime_type": guessed})
    return found


MAX_MEDIA = 20


def _target_media(caller: DockCaller, index: int, metadata: dict) -> list[dict] | None:
    """`targets[i].metadata.media_urls`: this target's own media instead of the post's (None: the post's)."""
    if "media_urls" not in metadata:
        return None
    urls = metadata["media_urls"]
    if not isinstance(urls, list) or len(urls) > MAX_MEDIA or not all(
            isinstance(url, str) and 0 < len(url) <= 2000 for url in urls):
        raise bad_request(f"targets[{index}].metadata.media_urls: a list of at most {MAX_MEDIA} URLs "
                          "(an empty list publishes this target without media)")
    return _media(caller, urls)


def _job(post: DockPost, target: DockTarget) -> TargetJob:
    return TargetJob(target.id, post.team_id, target.platform, post.text, post.title, targets.media_of(post, target),
                     dict(target.metadata_ or {}), post.scheduled_at)


def create_post(caller: DockCaller, data: dict) -> tuple[DockPost, list[DockTarget]]:
    now = clock_now()
    publish_at = None if data["publish_now"] else data.get("scheduled_at")
    if not data["publish_now"]:
        if publish_at is None:
            raise bad_request("scheduled_at: required when publish_now is false")
        if publish_at <= now:
            raise bad_request("scheduled_at: must be in the future")
    media = _media(caller, data["media_urls"])
    seen = set()
    chosen = []
    for index, target in enumerate(data["targets"]):
        account = accounts.active_account_for(caller, index, target["platform"], target["account_id"])
        if account.id in seen:
            raise bad_request(f"targets[{index}].account_id: the post already targets this account")
        seen.add(account.id)
        if caller.mode == "live" and account.platform_account_id and target["platform"] == "telegram":
            target["metadata"].setdefault("chat_id", account.platform_account_id)  # the account is the chat
        own = _target_media(caller, index, target["metadata"])
        chosen_media = media if own is None else own
        check_target(index, target["platform"], data["text"], data.get("title"), chosen_media, target["metadata"])
        if caller.mode == "live" and account.linkedin_account_id is not None and chosen_media:
            raise bad_request(f"targets[{index}] (linkedin).media_urls: the extension publishes text posts only "
                              "for now; send the post without media_urls")
        publisher = publisher_for(caller.mode, target["platform"])
        if publisher is None:
            raise bad_request(f"targets[{index}].platform: {target['platform']} cannot publish with a live key yet")
        if hasattr(publisher, "check"):  # the platform's own rules (the live API publishers)
            publisher.check(index, account, data["text"], data.get("title"), chosen_media, target["metadata"])
        chosen.append((account, target, own))
    post = DockPost(team_id=caller.team_id, mode=caller.mode, text=data["text"], title=data.get("title"),
                    tags=data["tags"], media=media, scheduled_at=publish_at, status="scheduled")
    db.session.add(post)
    db.session.flush()
    rows = []
    for account, target, own in chosen:
        row = DockTarget(team_id=caller.team_id, post_id=post.id, account_id=account.id, platform=target["platform"],
                         metadata_=target["metadata"], media=own, status="scheduled", metrics={})
        db.session.add(row)
        db.session.flush()
        publisher_for(caller.mode, row.platform).schedule(_job(post, row), account, row)
        rows.append(row)
    db.session.flush()
    targets.refresh_post(post, now)
    return post, rows


def _posts_of(caller: DockCaller):
    return team_select(DockPost, caller.team_id).where(DockPost.mode == caller.mode)


def list_posts(caller: DockCaller, status: str | None, platform: str | None, limit: int, offset: int):
    statement = _posts_of(caller)
    if status:
        statement = statement.where(DockPost.status == status)
    if platform:
        statement = statement.where(select(DockTarget.id).where(DockTarget.post_id == DockPost.id,
                                                                DockTarget.platform == platform).exists())
    total = db.session.scalar(statement.with_only_columns(func.count(DockPost.id)).order_by(None))
    rows = db.session.scalars(statement.order_by(DockPost.created_at.desc(), DockPost.id.desc())
                              .limit(limit).offset(offset)).all()
    return list(rows), total


def get_post(caller: DockCaller, post_id, for_update: bool = False) -> DockPost:
    key = parse_id("post", post_id)
    statement = _posts_of(caller).where(DockPost.id == key)
    if for_update:
        statement = statement.with_for_update()
    post = db.session.scalar(statement) if key else None
    if post is None:
        raise not_found("post", post_id)
    return post


def with_targets(post: DockPost) -> DockPost:
    return targets.shown(post)


def update_post(caller: DockCaller, post_id, changes: dict) -> DockPost:
    post = get_post(caller, post_id, for_update=True)
    rows = targets.targets_of(post)
    if post.status != "scheduled" or any(row.status != "scheduled" for row in rows):
        raise conflict(f"Only scheduled posts can be updated; this post is {post.status}.")
    if "scheduled_at" in changes and post.scheduled_at is None:
        raise conflict("This post is being published now (publish_now); it cannot be rescheduled.")
    for field in ("text", "title", "tags", "scheduled_at"):
        if field in changes:
            setattr(post, field, changes[field])
    for index, row in enumerate(rows):
        media = targets.media_of(post, row)
        check_target(index, row.platform, post.text, post.title, media, dict(row.metadata_ or {}))
        publisher = publisher_for(caller.mode, row.platform)
        account = db.session.get(DockAccount, row.account_id) if row.account_id else None
        if hasattr(publisher, "check") and account is not None:  # the platform's own rules, again
            publisher.check(index, account, post.text, post.title, media, dict(row.metadata_ or {}))
        try:
            publisher_for(caller.mode, row.platform).reschedule(_job(post, row), row)
        except ApiError as error:
            if isinstance(error, DockError):
                raise
            raise conflict(f"Only scheduled posts can be updated: {error.message}") from None
    post.updated_at = clock_now()
    db.session.flush()
    return post


def delete_post(caller: DockCaller, post_id) -> None:
    """Delete the post; what has not gone out is withdrawn (409 while a target is being published)."""
    post = get_post(caller, post_id, for_update=True)
    rows = targets.targets_of(post)
    if any(row.status == "publishing" for row in rows):
        raise conflict("A target of this post is being published right now; delete it once it has ended.")
    now = clock_now()
    waiting = [row for row in rows if row.status == "scheduled"]
    db.session.execute(delete(DockTarget).where(DockTarget.post_id == post.id).execution_options(
        synchronize_session="fetch"))
    db.session.delete(post)
    db.session.flush()
    for row in waiting:  # no event: the post no longer exists
        publisher = publisher_for(caller.mode, row.platform)
        if publisher is not None and not publisher.withdraw(row, None, now):
            raise conflict("A target of this post is being published right now; delete it once it has ended.")
