"""Campaigns: create, edit, status changes, delete, and template previews."""

from sqlalchemy import delete, update

from app import clock
from app.analytics.service import campaign_analytics
from app.engine.withdrawals import withdraw_campaign_actions
from app.errors import ApiError
from app.extensions import db
from app.leads.counts import campaign_lead_counts
from app.models import Action, Campaign, Lead, LinkedInAccount
from app.models.types import utcnow
from app.scoping import get_for_team, team_select
from app.templating import CONNECTION_NOTE_MAX, MESSAGE_MAX, lead_values, render_report, validate_template

LIST_LIMIT = 200
PREVIEW_DEFAULT_LEADS = 20
# Allowed status changes; setting the current status again is a no-op.
TRANSITIONS = {
    "draft": {"active", "archived"},
    "active": {"paused", "completed", "archived"},
    "paused": {"active", "completed", "archived"},
    "completed": {"archived"},
    "archived": set(),
}
# What the planner reads: a change to any of these takes back what was planned under the old value.
PLANNED_FROM = ("status", "templates", "targeting", "linkedinAccountId", "settings")


def validate_templates(templates: dict) -> None:
    if templates.get("note"):
        validate_template(templates["note"], "templates.note", CONNECTION_NOTE_MAX)
    if templates.get("message"):
        validate_template(templates["message"], "templates.message", MESSAGE_MAX)
    for index, step in enumerate(templates.get("followUps") or []):
        validate_template(step["body"], f"templates.followUps.{index}.body", MESSAGE_MAX)


def _attach_counts(team_id, campaigns: list[Campaign]) -> list[Campaign]:
    """Each campaign's leads by status, kept by the database as leads change (app/leads/counts.py)."""
    counts = campaign_lead_counts(team_id, [campaign.id for campaign in campaigns])
    for campaign in campaigns:
        campaign.lead_counts = counts[campaign.id].by_status
    return campaigns


def list_campaigns(team_id) -> list[Campaign]:
    campaigns = db.session.scalars(
        team_select(Campaign, team_id).order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(LIST_LIMIT)
    ).all()
    return _attach_counts(team_id, list(campaigns))


def get_campaign(team_id, campaign_id, with_analytics: bool = False) -> Campaign:
    campaign = _attach_counts(team_id, [get_for_team(Campaign, team_id, campaign_id, "campaign")])[0]
    if with_analytics:
        campaign.analytics = campaign_analytics(campaign, clock.now())
    return campaign


def missing_to_start(templates: dict | None) -> list[str]:
    """What a campaign lacks before it can start: something to say (a connection note or a first message).

    Without either, an active campaign would only send blank invites; that is never what a client meant.
    """
    templates = templates or {}
    return [] if templates.get("note") or templates.get("message") else ["templates.note or templates.message"]


def _require_ready_to_start(templates: dict | None) -> None:
    missing = missing_to_start(templates)
    if missing:
        raise ApiError(400, f"status: cannot start a campaign without {', '.join(missing)}; add one, or keep it "
                            "a draft", {"missingToStart": missing})


def create_campaign(team_id, data: dict) -> Campaign:
    templates = data.get("templates") or {}
    validate_templates(templates)
    status = data.get("status") or "draft"
    if status == "active":
        _require_ready_to_start(templates)
    campaign = Campaign(
        team_id=team_id, name=data["name"], status=status, search_url=data.get("searchUrl"),
        targeting=data.get("targeting") or {}, templates=templates, settings=data.get("settings") or {},
        linkedin_account_id=_team_account_id(team_id, data.get("linkedinAccountId")),
    )
    db.session.add(campaign)
    db.session.flush()
    return _attach_counts(team_id, [campaign])[0]


def _team_account_id(team_id, account_id):
    """The id of one of the team's LinkedIn accounts (None: the team's default), else 400."""
    if account_id is None:
        return None
    found = db.session.scalar(team_select(LinkedInAccount, team_id, LinkedInAccount.id)
                              .where(LinkedInAccount.id == account_id))
    if found is None:
        raise ApiError(400, "linkedinAccountId: no LinkedIn account with this id in your team "
                            "(see GET /api/v1/accounts)")
    return found


def _check_transition(campaign: Campaign, target: str) -> None:
    if target == campaign.status:
        return
    if target not in TRANSITIONS[campaign.status]:
        allowed = ", ".join(sorted(TRANSITIONS[campaign.status])) or "none (archived is final)"
        raise ApiError(409, f"status: cannot change a {campaign.status} campaign to {target} (allowed: {allowed})")


def update_campaign(team_id, campaign_id, changes: dict) -> Campaign:
    campaign = get_for_team(Campaign, team_id, campaign_id, "campaign", for_update=True)
    if campaign.status == "archived" and set(changes) - {"status"}:
        raise ApiError(409, "an archived campaign cannot be edited")
    # The row lock waits for a plan in progress (it holds the campaign FOR SHARE); what it planned under the old
    # rules is then withdrawn here, before this change answers, so none of it is ever leased.
    before = {key: _planner_view(campaign)[key] for key in PLANNED_FROM}
    if "status" in changes:
        if changes["status"] == "active" and campaign.status == "draft":  # starting: the same rule as on create
            _require_ready_to_start(changes["templates"] if "templates" in changes else campaign.templates)
        _check_transition(campaign, changes["status"])
        campaign.status = changes["status"]
    if "templates" in changes:
        templates = changes["templates"] or {}
        validate_templates(templates)
        campaign.templates = templates
    if "name" in changes:
        campaign.name = changes["name"]
    if "searchUrl" in changes:
        campaign.search_url = changes["searchUrl"]
    if "targeting" in changes:
        campaign.targeting = changes["targeting"] or {}
    if "linkedinAccountId" in changes:
        campaign.linkedin_account_id = _team_account_id(team_id, changes["linkedinAccountId"])
    if "settings" in changes:
        # Partial: only the limits given change; null settings resets to the defaults.
        campaign.settings = {**(campaign.settings or {}), **changes["settings"]} if changes["settings"] else {}
    if _planner_view(campaign) != before:
        withdraw_campaign_actions(campaign.id, clock.now())
    campaign.updated_at = utcnow()
    db.session.flush()
    return _attach_counts(team_id, [campaign])[0]


def _planner_view(campaign: Campaign) -> dict:
    return {"status": campaign.status, "templates": campaign.templates or {}, "targeting": campaign.targeting or {},
            "linkedinAccountId": campaign.linkedin_account_id, "settings": campaign.settings or {}}


def delete_campaign(team_id, campaign_id) -> None:
    """Delete the campaign and its leads. Actions not yet started are cancelled (the extension gets 409 if it tries
    one); what was done stays on record, without its lead, and keeps counting against the account's caps."""
    campaign = get_for_team(Campaign, team_id, campaign_id, "campaign", for_update=True)
    withdraw_campaign_actions(campaign.id, clock.now(), "the campaign was deleted")
    db.session.execute(update(Action).where(Action.campaign_id == campaign.id).values(campaign_id=None, lead_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Lead).where(Lead.campaign_id == campaign.id, Lead.team_id == team_id))
    db.session.execute(delete(Campaign).where(Campaign.id == campaign.id, Campaign.team_id == team_id))


def _rendered(template: str | None, values: dict):
    return render_report(template, values) if template else None


def preview(team_id, campaign_id, data: dict) -> dict:
    campaign = get_for_team(Campaign, team_id, campaign_id, "campaign")
    templates = campaign.templates or {}
    if data.get("templates") is not None:  # unsaved text being edited (the web app's live preview)
        templates = data["templates"]
        validate_templates(templates)
    if data.get("sample") is not None:
        subjects = [(None, None, data["sample"])]
    else:
        statement = team_select(Lead, team_id).where(Lead.campaign_id == campaign.id)
        if data.get("leadIds"):
            statement = statement.where(Lead.id.in_(data["leadIds"]))
        else:
            statement = statement.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(PREVIEW_DEFAULT_LEADS)
        leads = db.session.scalars(statement).all()
        if data.get("leadIds") and len(leads) != len(set(data["leadIds"])):
            raise ApiError(404, "leadIds: lead not found in this campaign")
        subjects = [(lead.id, lead.name, lead_values(lead)) for lead in leads]
    previews = []
    for lead_id, name, values in subjects:
        note = _rendered(templates.get("note"), values)
        message = _rendered(templates.get("message"), values)
        follow_ups = [render_report(step["body"], values) for step in templates.get("followUps") or []]
        parts = [part for part in [note, message, *follow_ups] if part is not None]
        previews.append({"leadId": lead_id, "name": name, "note": note, "message": message, "followUps": follow_ups,
                         "fallsBack": any(part.fell_back or part.empty for part in parts)})
    for item in previews:
        for part in [item["note"], item["message"], *item["followUps"]]:
            if part is not None:
                part.length = len(part.text)
    return {"previews": previews, "leadsFallingBack": sum(1 for item in previews if item["fallsBack"])}
