"""REST endpoints for leads (filled in by its issue)."""

from flask_smorest import Blueprint

blueprint = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads")
