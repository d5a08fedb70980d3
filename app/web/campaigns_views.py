"""Campaigns: the list with the funnel and rates; a campaign's page with its chart of actions per day against the
caps, the funnel chart, pause and resume, templates with a live preview for real leads, leads with filters, and
CSV import and export. Lead counts are kept by the database as leads change (app/leads/counts.py); actions per day
are indexed reads (by campaign and day)."""

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for

from app import clock
from app.analytics.service import actions_per_day, funnel
from app.campaigns import service
from app.caps.policy import LOW_ACCEPTANCE_RATE
from app.caps.usage import acceptance_rate
from app.errors import ApiError
from app.leads import csv_io
from app.leads.service import campaign_leads_page
from app.models import LEAD_STATUSES
from app.web import charts, forms
from app.web.pages import current_user, run, web_blueprint

blueprint = web_blueprint("web_campaigns")
LEADS_PAGE = 50
PREVIEW_LEADS = 5


def _team():
    return current_user().team_id


@blueprint.get("/")
def home():
    return redirect(url_for(".list_campaigns"))


@blueprint.get("/campaigns")
def list_campaigns():
    campaigns = service.list_campaigns(_team())
    return render_template("web/campaigns.html", user=current_user(), campaigns=campaigns,
                           funnels={campaign.id: funnel(campaign.lead_counts) for campaign in campaigns})


@blueprint.get("/campaigns/<campaign_id>")
def detail(campaign_id):
    campaign = service.get_campaign(_team(), campaign_id)
    now = clock.now()
    query = forms.parse(forms.LeadFilterForm(), {key: request.args.get(key) for key in ("status", "before", "after")})
    status = query["status"] if query["status"] in LEAD_STATUSES else None
    page = campaign_leads_page(_team(), campaign.id, status, query["before"], query["after"], LEADS_PAGE)
    activity = actions_per_day(campaign, now)
    stages = funnel(campaign.lead_counts)
    templates = campaign.templates or {}
    return render_template(
        "web/campaign.html", user=current_user(), campaign=campaign, throttled=_throttled(campaign.id, now),
        funnel=stages, funnel_chart=charts.funnel_bars(stages["stages"]),
        activity=activity, activity_chart=charts.daily_lines(activity["daily"], activity["caps"]),
        lead_page=page, status=status, statuses=LEAD_STATUSES, templates=templates,
        preview=_preview(campaign.id, templates))


def _throttled(campaign_id, now) -> bool:
    """The planner's rule: invites halved while the last 50 judged invites were mostly refused (50 index reads)."""
    rate = acceptance_rate(campaign_id, now)
    return rate is not None and rate < LOW_ACCEPTANCE_RATE


def _preview(campaign_id, templates: dict) -> dict:
    try:
        result = service.preview(_team(), campaign_id, {"templates": templates})
    except ApiError as error:
        return {"error": error.message, "previews": []}
    return {"error": None, "previews": result["previews"][:PREVIEW_LEADS]}


def _templates_from_form(campaign) -> dict:
    data = forms.parse(forms.TemplatesForm())
    templates = dict(campaign.templates or {})
    for key in ("note", "message"):
        if data[key]:
            templates[key] = data[key]
        else:
            templates.pop(key, None)
    return templates


@blueprint.post("/campaigns/<campaign_id>/preview")
def preview(campaign_id):
    """The preview fragment for unsaved templates (the page's script asks for it as the person types)."""
    campaign = service.get_campaign(_team(), campaign_id)
    return render_template("web/_preview.html", preview=_preview(campaign.id, _templates_from_form(campaign)))


@blueprint.post("/campaigns/<campaign_id>/templates")
def save_templates(campaign_id):
    campaign = service.get_campaign(_team(), campaign_id)
    templates = _templates_from_form(campaign)
    back, _ = run(lambda: service.update_campaign(_team(), campaign_id, {"templates": templates}),
                  url_for(".detail", campaign_id=campaign_id) + "#templates", "Templates saved.")
    return back or redirect(url_for(".detail", campaign_id=campaign_id) + "#templates")


@blueprint.post("/campaigns/<campaign_id>/status/<status>")
def change_status(campaign_id, status):
    if status not in ("active", "paused"):
        raise ApiError(404, "not found")
    back, _ = run(lambda: service.update_campaign(_team(), campaign_id, {"status": status}),
                  url_for(".detail", campaign_id=campaign_id),
                  "Campaign resumed." if status == "active" else "Campaign paused: nothing more is planned for it.")
    return back or redirect(url_for(".detail", campaign_id=campaign_id))


@blueprint.post("/campaigns/<campaign_id>/import")
def import_leads(campaign_id):
    upload = request.files.get("file")
    back_to = url_for(".detail", campaign_id=campaign_id) + "#leads"
    if upload is None or not upload.filename:
        flash("Choose a CSV file to import (a header row with name and profileUrl, then one lead per row).", "error")
        return redirect(back_to)
    back, result = run(lambda: csv_io.import_csv(_team(), campaign_id, upload.read()), back_to)
    if not back:
        refused = "; ".join(f"row {error.get('row')}: {error.get('error')}" for error in result["errors"][:5])
        flash(f"Imported {result['created']} leads ({result['duplicates']} already there, {result['failed']} "
              f"refused{': ' + refused if refused else ''}).", "ok" if not result["failed"] else "error")
    return back or redirect(back_to)


@blueprint.get("/campaigns/<campaign_id>/export.csv")
def export_leads(campaign_id):
    status = request.args.get("status")
    chunks = csv_io.export_rows(_team(), service.get_campaign(_team(), campaign_id).id,
                                status if status in LEAD_STATUSES else None)
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="leads.csv"'})
