"""REST endpoints for comments (filled in by its issue)."""

from flask_smorest import Blueprint

blueprint = Blueprint("comments", __name__, url_prefix="/api/v1/comments", description="Comments")
