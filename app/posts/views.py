"""`/api/v1/posts`: schedule, list, read, change and cancel LinkedIn posts."""

from flask import g
from flask_smorest import Blueprint

from app.extensions import db
from app.posts import service
from app.posts.schemas import PostInputSchema, PostListSchema, PostSchema, PostUpdateSchema

blueprint = Blueprint("posts", __name__, url_prefix="/api/v1/posts", description="Posts")


@blueprint.get("")
@blueprint.response(200, PostListSchema)
def list_posts():
    """Your scheduled and published posts (most recent 200)."""
    return {"posts": service.list_posts(g.team_id)}


@blueprint.post("")
@blueprint.arguments(PostInputSchema, example={
    "content": "Thoughts on Q4...", "scheduled_for": "2026-06-01T13:00:00Z", "link_url": "https://socialscalr.com",
    "first_comment": "More on this..."})
@blueprint.response(201, PostSchema)
def create_post(data):
    """Schedule a LinkedIn post (no `scheduled_for`: as soon as the extension is online)."""
    post = service.create_post(g.team_id, data)
    db.session.commit()
    return post


@blueprint.get("/<post_id>")
@blueprint.response(200, PostSchema)
def get_post(post_id):
    """One post."""
    return service.get_post(g.team_id, post_id)


@blueprint.route("/<post_id>", methods=["PATCH", "PUT"])
@blueprint.arguments(PostUpdateSchema, example={"content": "Updated thoughts on Q4...",
                                                "scheduled_for": "2026-06-01T15:00:00Z"})
@blueprint.response(200, PostSchema)
def update_post(changes, post_id):
    """Change a scheduled post (PATCH or PUT: only the fields given change); any other status -> 409."""
    post = service.update_post(g.team_id, post_id, changes)
    db.session.commit()
    return post


@blueprint.delete("/<post_id>")
@blueprint.response(200, PostSchema)
def cancel_post(post_id):
    """Cancel a scheduled post (it stays listed as cancelled); any other status -> 409."""
    post = service.cancel_post(g.team_id, post_id)
    db.session.commit()
    return post
