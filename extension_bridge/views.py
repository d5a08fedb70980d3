"""Endpoints the browser extension calls (heartbeat, scraped leads, action leases, results)."""

from flask_smorest import Blueprint

blueprint = Blueprint(
    "extension", __name__, url_prefix="/api/v1/extension", description="Protocol spoken by the browser extension"
)
