"""Posts at their time, first comments after their post, approved comments at once.

A post goes through the account it names (SocialDock's LinkedIn targets name one), else the team's default
account; comments go through the default account. They are not paced by the invite and
message limits: a person chose their time. A post or comment whose action failed
three times ends `failed` (a post emits `post.failed`).
"""

from datetime import datetime, timedelta

from sqlalchemy import false, func, or_, select

from app.actions.service import create_action
from app.common.fields import utc_iso
from app.extensions import db
from app.models import Action, Comment, Post
from app.posts.hooks import post_ended
from app.posts.schemas import PostSchema
from app.webhooks.outbox import emit

MAX_ATTEMPTS = 3
# A post's action is created this early, so it is due at its minute, not at the next tick.
POST_LEAD_TIME = timedelta(minutes=2)
RETRY_DELAY = timedelta(minutes=5)
OPEN = ("pending", "leased", "started", "unknown")


def _attempts(column, row_id) -> tuple[int, int, str | None]:
    """(open actions, failed actions, last error) of a post or comment."""
    rows = db.session.execute(
        select(Action.status, Action.error).where(column == row_id).order_by(Action.created_at)
    ).all()
    failed = [error for status, error in rows if status == "failed"]
    return sum(1 for status, _ in rows if status in OPEN), len(failed), failed[-1] if failed else None


def _post_failed_data(post, now: datetime) -> dict:
    return {"post": PostSchema().dump(post), "reason": post.status_reason, "occurredAt": utc_iso(now)}


def plan_posts(account, now: datetime) -> int:
    created = 0
    posts = db.session.scalars(
        select(Post)
        .where(
            Post.team_id == account.team_id,
            or_(Post.account_id == account.id,
                Post.account_id.is_(None) if account.is_default else false()),
            Post.status.in_(("scheduled", "publishing")),
            or_(Post.scheduled_for.is_(None), Post.scheduled_for <= now + POST_LEAD_TIME),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for post in posts:
        open_count, failed, last_error = _attempts(Action.post_id, post.id)
        if open_count:
            continue
        if failed >= MAX_ATTEMPTS:
            post.status, post.status_reason, post.updated_at = "failed", last_error or "could not be published", now
            emit(post.team_id, "post.failed", _post_failed_data(post, now))
            post_ended(post, now)
            continue
        due_at = (now + RETRY_DELAY) if failed else (post.scheduled_for or now)
        create_action(post.team_id, account.id, "post", post=post, text=post.content, due_at=due_at)
        created += 1
    return created


def plan_comments(account, now: datetime) -> int:
    for post in db.session.scalars(
        select(Post).where(
            Post.team_id == account.team_id,
            Post.status == "published",
            Post.first_comment.is_not(None),
            ~select(Comment.id).where(Comment.post_id == Post.id).exists(),
        )
    ):
        db.session.add(
            Comment(team_id=post.team_id, post_id=post.id, post_url=post.linkedin_url, content=post.first_comment,
                    status="approved", approved_at=now)
        )
    db.session.flush()
    created = 0
    for comment in db.session.scalars(
        select(Comment).where(Comment.team_id == account.team_id, Comment.status.in_(("approved", "posting")))
        .with_for_update(skip_locked=True)
    ):
        open_count, failed, last_error = _attempts(Action.comment_id, comment.id)
        done = db.session.scalar(
            select(func.count(Action.id)).where(Action.comment_id == comment.id, Action.status == "done")
        )
        if open_count or done:
            continue
        if failed >= MAX_ATTEMPTS:
            comment.status, comment.status_reason = "failed", last_error or "could not be posted"
            continue
        due_at = (now + RETRY_DELAY) if failed else now
        create_action(comment.team_id, account.id, "comment", comment=comment, text=comment.content, due_at=due_at)
        created += 1
    return created


def plan_posts_and_comments(account, now: datetime) -> int:
    """Every account publishes the posts that name it; the team's default account also those that name none, and
    the comments."""
    created = plan_posts(account, now)
    if account.is_default:
        created += plan_comments(account, now)
    return created
