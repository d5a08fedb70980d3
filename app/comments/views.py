"""`/api/v1/comments`: draft, list, approve (makes it due for the extension) and withdraw comments."""

from flask import g
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.comments import service
from app.comments.schemas import CommentInputSchema, CommentListSchema, CommentSchema
from app.common.schemas import StrictSchema
from app.extensions import db
from app.models import COMMENT_STATUSES

blueprint = Blueprint("comments", __name__, url_prefix="/api/v1/comments", description="Comments")


class CommentListQuerySchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(COMMENT_STATUSES))


@blueprint.get("")
@blueprint.arguments(CommentListQuerySchema, location="query")
@blueprint.response(200, CommentListSchema)
def list_comments(query):
    """Your comments (most recent 200), optionally by status."""
    return {"comments": service.list_comments(g.team_id, query.get("status"))}


@blueprint.post("")
@blueprint.arguments(CommentInputSchema, example={
    "postUrl": "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000000/",
    "content": "Great point about pipeline hygiene."})
@blueprint.response(201, CommentSchema)
def create_comment(data):
    """Draft a comment on a LinkedIn post; nothing is posted until it is approved."""
    comment = service.create_draft(g.team_id, data)
    db.session.commit()
    return comment


@blueprint.get("/<comment_id>")
@blueprint.response(200, CommentSchema)
def get_comment(comment_id):
    """One comment."""
    return service.get_comment(g.team_id, comment_id)


@blueprint.post("/<comment_id>/approve")
@blueprint.response(200, CommentSchema)
def approve_comment(comment_id):
    """Approve a draft: it becomes due and the extension posts it (then `comment.posted` fires)."""
    comment = service.approve(g.team_id, comment_id)
    db.session.commit()
    return comment


@blueprint.delete("/<comment_id>")
@blueprint.response(200, CommentSchema)
def withdraw_comment(comment_id):
    """Withdraw a draft (it stays listed as withdrawn); any other status -> 409."""
    comment = service.withdraw(g.team_id, comment_id)
    db.session.commit()
    return comment
