"""`/api/v1/analytics`: the team's outreach overview."""

from flask import g
from flask_smorest import Blueprint

from app import clock
from app.analytics.schemas import OverviewQuerySchema, OverviewSchema
from app.analytics.service import overview

blueprint = Blueprint("analytics", __name__, url_prefix="/api/v1/analytics", description="Outreach analytics")


@blueprint.get("/overview")
@blueprint.arguments(OverviewQuerySchema, location="query")
@blueprint.response(200, OverviewSchema)
def get_overview(query):
    """Invites, acceptances, messages, replies and posts published, per UTC day and in total."""
    return overview(g.team_id, query["period"], clock.now())
