"""REST endpoints for analytics (filled in by its issue)."""

from flask_smorest import Blueprint

blueprint = Blueprint("analytics", __name__, url_prefix="/api/v1/analytics", description="Analytics")
