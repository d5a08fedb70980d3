"""REST endpoints for posts (filled in by its issue)."""

from flask_smorest import Blueprint

blueprint = Blueprint("posts", __name__, url_prefix="/api/v1/posts", description="Posts")
