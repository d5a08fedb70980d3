"""REST endpoints for campaigns (filled in by its issue)."""

from flask_smorest import Blueprint

blueprint = Blueprint("campaigns", __name__, url_prefix="/api/v1/campaigns", description="Campaigns")
