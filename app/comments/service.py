"""Comments: drafted (by a person or a tool), approved by a person, then posted by the extension."""

from app.errors import ApiError
from app.extensions import db
from app.models import Comment
from app.models.types import utcnow
from app.paging import Page, page_newest_first
from app.scoping import get_for_team, team_select

LIST_LIMIT = 200


def list_comments(team_id, status: str | None = None) -> list[Comment]:
    statement = team_select(Comment, team_id)
    if status:
        statement = statement.where(Comment.status == status)
    return list(db.session.scalars(statement.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(LIST_LIMIT)))


def comments_page(team_id, before=None, after=None, size: int = 50) -> Page:
    """A page of the team's comments, newest first (links: `comments_before` / `comments_after` a comment)."""
    anchor_id = after or before
    anchor = None if anchor_id is None else db.session.execute(
        team_select(Comment, team_id, Comment.created_at, Comment.id).where(Comment.id == anchor_id)).first()
    return page_newest_first(team_select(Comment, team_id), (Comment.created_at, Comment.id), anchor,
                             after is not None, size, names=("comments_before", "comments_after"))


def get_comment(team_id, comment_id) -> Comment:
    return get_for_team(Comment, team_id, comment_id, "comment")


def create_draft(team_id, data: dict) -> Comment:
    comment = Comment(team_id=team_id, post_url=data["postUrl"], content=data["content"], status="draft")
    db.session.add(comment)
    db.session.flush()
    return comment


def _draft(team_id, comment_id, doing: str) -> Comment:
    comment = get_for_team(Comment, team_id, comment_id, "comment", for_update=True)
    if comment.status != "draft":
        raise ApiError(409, f"only a draft comment can be {doing}; this comment is {comment.status}")
    return comment


def approve(team_id, comment_id) -> Comment:
    """A person's approval makes the comment due: the planner hands it to the extension."""
    comment = _draft(team_id, comment_id, "approved")
    now = utcnow()
    comment.status, comment.approved_at, comment.updated_at = "approved", now, now
    db.session.flush()
    return comment


def withdraw(team_id, comment_id) -> Comment:
    comment = _draft(team_id, comment_id, "withdrawn")
    comment.status, comment.status_reason, comment.updated_at = "withdrawn", "withdrawn through the API", utcnow()
    db.session.flush()
    return comment
