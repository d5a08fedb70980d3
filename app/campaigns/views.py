"""`/api/v1/campaigns`: list, create, read, edit (incl. status), delete, preview templates."""

from flask import g
from flask_smorest import Blueprint

from app.campaigns import service
from app.campaigns.schemas import (
    CampaignDetailSchema,
    CampaignInputSchema,
    CampaignListSchema,
    CampaignSchema,
    CampaignUpdateSchema,
    PreviewInputSchema,
    PreviewSchema,
)
from app.extensions import db

blueprint = Blueprint("campaigns", __name__, url_prefix="/api/v1/campaigns", description="Campaigns")


@blueprint.get("")
@blueprint.response(200, CampaignListSchema)
def list_campaigns():
    """Your campaigns, up to 200, most recent first."""
    return {"campaigns": service.list_campaigns(g.team_id)}


@blueprint.post("")
@blueprint.arguments(CampaignInputSchema, example={
    "name": "Q4 founders", "search_url": "https://www.linkedin.com/search/results/people/?keywords=founder",
    "targeting": {"titleKeywords": ["founder", "ceo"]}, "templates": {"note": "Hi {{first_name|there}}, ..."}})
@blueprint.response(201, CampaignSchema)
def create_campaign(data):
    """Create a campaign (snake_case or camelCase fields): a draft, or active when it has a note or message."""
    campaign = service.create_campaign(g.team_id, data)
    db.session.commit()
    return campaign


@blueprint.get("/<campaign_id>")
@blueprint.response(200, CampaignDetailSchema)
def get_campaign(campaign_id):
    """One campaign, with its lead counts by status and its analytics (rates, actions today, limits left)."""
    return service.get_campaign(g.team_id, campaign_id, with_analytics=True)


@blueprint.route("/<campaign_id>", methods=["PATCH", "PUT"])
@blueprint.arguments(CampaignUpdateSchema, example={"status": "paused"})
@blueprint.response(200, CampaignSchema)
def update_campaign(changes, campaign_id):
    """Rename, change status (activate, pause, complete, archive), edit targeting, templates, settings.

    PATCH and PUT are the same: only the fields given change.
    """
    campaign = service.update_campaign(g.team_id, campaign_id, changes)
    db.session.commit()
    return campaign


@blueprint.delete("/<campaign_id>")
@blueprint.response(204)
def delete_campaign(campaign_id):
    """Delete the campaign, its leads and their pending actions (409 while the extension is carrying one out)."""
    service.delete_campaign(g.team_id, campaign_id)
    db.session.commit()


@blueprint.post("/<campaign_id>/preview")
@blueprint.arguments(PreviewInputSchema, example={"sample": {"first_name": "Ada", "company": "Analytical Engines"}})
@blueprint.response(200, PreviewSchema)
def preview(data, campaign_id):
    """Render the templates for given leads (default: the 20 most recent) or sample values; flags fallbacks."""
    return service.preview(g.team_id, campaign_id, data)
