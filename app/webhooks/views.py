"""REST endpoints for webhooks (filled in by its issue)."""

from flask_smorest import Blueprint

blueprint = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhooks")
