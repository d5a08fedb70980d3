"""Scheduled LinkedIn posts: only a post still `scheduled` can be changed or cancelled."""

from sqlalchemy import func

from app.actions.service import cancel_actions
from app.errors import ApiError
from app.extensions import db
from app.models import Action, Post
from app.models.types import utcnow
from app.paging import Page, page_newest_first
from app.posts.hooks import post_ended
from app.scoping import get_for_team, team_select

LIST_LIMIT = 200


def list_posts(team_id) -> list[Post]:
    return list(db.session.scalars(
        team_select(Post, team_id).order_by(Post.created_at.desc(), Post.id.desc()).limit(LIST_LIMIT)
    ))


def shown_at():
    """When a post is shown: when it was published, else when it is scheduled, else when it was created."""
    return func.coalesce(Post.published_at, Post.scheduled_for, Post.created_at)


def posts_page(team_id, before=None, after=None, size: int = 50) -> Page:
    """A page of the team's posts by `shown_at`, latest first: the `size` just before post `before`, just after
    post `after`, or the latest."""
    moment = shown_at()
    anchor_id = after or before
    anchor = None if anchor_id is None else db.session.execute(
        team_select(Post, team_id, moment, Post.id).where(Post.id == anchor_id)).first()
    return page_newest_first(team_select(Post, team_id), (moment, Post.id), anchor, after is not None, size)


def get_post(team_id, post_id) -> Post:
    return get_for_team(Post, team_id, post_id, "post")


def create_post(team_id, data: dict) -> Post:
    post = Post(team_id=team_id, content=data["content"], scheduled_for=data.get("scheduledFor"),
                link_url=data.get("linkUrl"), first_comment=data.get("firstComment"), status="scheduled")
    db.session.add(post)
    db.session.flush()
    return post


def _scheduled(team_id, post_id, doing: str) -> Post:
    post = get_for_team(Post, team_id, post_id, "post", for_update=True)
    if post.status == "publishing":
        raise ApiError(409, f"the extension is publishing this post now; it cannot be {doing} (see its status "
                            "once the extension reports)")
    if post.status != "scheduled":
        raise ApiError(409, f"only a scheduled post can be {doing}; this post is {post.status}")
    return post


def _withdraw_pending_actions(post: Post) -> None:
    # The planner creates the post's action shortly before it is due; one not yet leased is taken back.
    cancel_actions(Action.post_id == post.id, "the post was changed or cancelled through the API", utcnow())


def update_post(team_id, post_id, changes: dict) -> Post:
    post = _scheduled(team_id, post_id, "changed")
    mapping = {"content": "content", "scheduledFor": "scheduled_for", "linkUrl": "link_url",
               "firstComment": "first_comment"}
    for field, attribute in mapping.items():
        if field in changes:
            setattr(post, attribute, changes[field])
    _withdraw_pending_actions(post)
    post.updated_at = utcnow()
    db.session.flush()
    return post


def cancel_post(team_id, post_id) -> Post:
    post = _scheduled(team_id, post_id, "cancelled")
    _withdraw_pending_actions(post)
    post.status, post.status_reason, post.updated_at = "cancelled", "cancelled through the API", utcnow()
    post_ended(post, post.updated_at)
    db.session.flush()
    return post
