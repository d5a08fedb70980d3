"""Endpoints the browser extension calls (heartbeat, scraped leads, action leases, results, observations)."""

from flask import g, request
from flask_smorest import Blueprint

from app.accounts.service import ACCOUNT_HEADER
from extension_bridge import service
from extension_bridge.rendering import poll_response
from extension_bridge.schemas import (
    ActionStateSchema,
    HeartbeatAnswerSchema,
    HeartbeatSchema,
    ObservationAnswerSchema,
    ObservationSchema,
    PollAnswerSchema,
    PollQuerySchema,
    PostMetricsAnswerSchema,
    PostMetricsSchema,
    ResultSchema,
    ScrapedLeadsAnswerSchema,
    ScrapedLeadsSchema,
    StartSchema,
)

blueprint = Blueprint(
    "extension", __name__, url_prefix="/api/v1/extension",
    description="Protocol spoken by the browser extension (docs/extension-protocol.md)",
)


@blueprint.post("/heartbeat")
@blueprint.arguments(HeartbeatSchema)
@blueprint.response(200, HeartbeatAnswerSchema)
def heartbeat(body):
    """Register or refresh the LinkedIn account the extension acts as; answers poll interval, limits, pauses."""
    return service.heartbeat(g.team_id, body)


@blueprint.post("/leads")
@blueprint.arguments(ScrapedLeadsSchema)
@blueprint.response(200, ScrapedLeadsAnswerSchema)
def scraped_leads(body):
    """Add scraped leads to a campaign (same validation and dedupe as POST /api/v1/leads)."""
    return service.scraped_leads(g.team_id, body)


@blueprint.get("/actions")
@blueprint.doc(parameters=[{"in": "header", "name": ACCOUNT_HEADER, "required": False, "schema": {"type": "string"},
                            "description": "the accountId the heartbeat answered (optional with one account)"}])
@blueprint.arguments(PollQuerySchema, location="query")
@blueprint.response(200, PollAnswerSchema)
def poll(args):
    """Lease the actions due now for the calling account (X-LinkedIn-Account header or accountId)."""
    return poll_response(service.poll(g.team_id, request.headers.get(ACCOUNT_HEADER) or args.get("accountId"),
                                      args["limit"]))


@blueprint.post("/actions/<action_id>/start")
@blueprint.arguments(StartSchema)
@blueprint.response(200, ActionStateSchema)
def start(body, action_id):
    """Acknowledge that the extension is about to perform a leased action."""
    return service.start(g.team_id, action_id, body)


@blueprint.post("/actions/<action_id>/result")
@blueprint.arguments(ResultSchema)
@blueprint.response(200, ActionStateSchema)
def result(body, action_id):
    """Report what happened (done | failed | skipped; not_sent answers a verify step). Idempotent."""
    return service.result(g.team_id, action_id, body)


@blueprint.post("/events")
@blueprint.arguments(ObservationSchema)
@blueprint.response(200, ObservationAnswerSchema)
def events(body):
    """Report what the extension observed on LinkedIn: invite_accepted, reply_received, profile_updated."""
    return service.observation(g.team_id, body)


@blueprint.post("/post-metrics")
@blueprint.arguments(PostMetricsSchema)
@blueprint.response(200, PostMetricsAnswerSchema)
def post_metrics(body):
    """Report a published post's numbers as LinkedIn shows them (views, likes, comments, shares)."""
    return service.post_metrics(g.team_id, body)
