"""What a reported outcome means for the lead, post or comment, and the event that reports it.

An outcome moves its lead only from the step the action was planned for (an invite from `queued`, a
message from `connected`/`messaged`, a withdrawal from `invited`): a lead that has already moved past it
(accepted meanwhile, replied, changed by hand) is never moved backwards or ended by a late outcome.
Each event is emitted in the same transaction as the change (app.webhooks.outbox.emit); data: the lead /
post / comment as the REST API shows it, the campaign id, the text that was sent and when it happened
(docs/webhooks.md, "Events").
"""

from datetime import datetime

from app.caps.pauses import LIMIT_ERRORS, pause_invites_for_limit
from app.caps.policy import DEFAULT_INVITE_EXPIRY_DAYS
from app.comments.schemas import CommentSchema
from app.common.fields import utc_iso
from app.engine.sequence import schedule_next_step
from app.extensions import db
from app.leads.schemas import LeadSchema
from app.models import Campaign, Comment, Lead, Post
from app.posts.hooks import post_ended
from app.posts.schemas import PostSchema
from app.webhooks.outbox import emit

# The lead statuses each action type was planned for: its outcome changes the lead only from these.
PLANNED_FROM = {"invite": ("new", "queued"), "message": ("connected", "messaged"), "withdraw": ("invited",)}


def schedule_lead(lead: Lead, now: datetime) -> None:
    campaign = db.session.get(Campaign, lead.campaign_id)
    if campaign is not None:
        schedule_next_step(lead, campaign, now)


def _lead_event(action, lead: Lead, occurred: datetime) -> dict:
    return {
        "lead": LeadSchema().dump(lead),
        "campaignId": str(action.campaign_id or lead.campaign_id),
        "actionId": str(action.id),
        "text": action.text,
        "occurredAt": utc_iso(occurred),
    }


def _lead_of(action) -> Lead | None:
    return db.session.get(Lead, action.lead_id) if action.lead_id else None


def _invite_done(action, occurred: datetime, now: datetime) -> None:
    lead = _lead_of(action)
    if lead is None:
        return
    if lead.account_id is None:
        lead.account_id = action.account_id
    if lead.status in PLANNED_FROM["invite"] or lead.status == "failed":
        lead.status, lead.status_reason, lead.invited_at = "invited", None, occurred
        schedule_lead(lead, now)
    lead.invited_at = lead.invited_at or occurred
    lead.updated_at = now
    emit(action.team_id, "lead.invited", _lead_event(action, lead, occurred))


def _message_done(action, occurred: datetime, now: datetime) -> None:
    lead = _lead_of(action)
    if lead is None:
        return
    lead.messages_sent = (lead.messages_sent or 0) + 1
    lead.last_messaged_at = occurred
    if lead.account_id is None:
        lead.account_id = action.account_id
    if lead.status in PLANNED_FROM["message"]:
        lead.status = "messaged"
        schedule_lead(lead, now)
    lead.updated_at = now
    emit(action.team_id, "lead.messaged", _lead_event(action, lead, occurred))


def _withdraw_done(action, occurred: datetime, now: datetime) -> None:
    lead = _lead_of(action)
    if lead is None or lead.status not in PLANNED_FROM["withdraw"]:
        return  # accepted meanwhile: the connection stands
    campaign = db.session.get(Campaign, lead.campaign_id)
    days = ((campaign.settings if campaign else None) or {}).get("inviteExpiryDays") or DEFAULT_INVITE_EXPIRY_DAYS
    lead.status, lead.next_step_at, lead.updated_at = "skipped", None, now
    lead.status_reason = f"invite not accepted within {days} days; withdrawn"


def _post_done(action, occurred: datetime, now: datetime) -> None:
    post = db.session.get(Post, action.post_id) if action.post_id else None
    if post is None:
        return
    post.status, post.status_reason, post.published_at = "published", None, occurred
    post.linkedin_url = (action.details or {}).get("postUrl") or post.linkedin_url
    post.updated_at = now
    emit(action.team_id, "post.published", {
        "post": PostSchema().dump(post), "postUrl": post.linkedin_url, "actionId": str(action.id),
        "text": action.text, "occurredAt": utc_iso(occurred),
    })
    post_ended(post, now)


def _comment_done(action, occurred: datetime, now: datetime) -> None:
    comment = db.session.get(Comment, action.comment_id) if action.comment_id else None
    if comment is None:
        return
    comment.status, comment.status_reason, comment.posted_at = "posted", None, occurred
    comment.linkedin_url = (action.details or {}).get("commentUrl") or comment.linkedin_url
    comment.updated_at = now
    emit(action.team_id, "comment.posted", {
        "comment": CommentSchema().dump(comment), "postId": str(comment.post_id) if comment.post_id else None,
        "commentUrl": comment.linkedin_url, "actionId": str(action.id), "text": action.text,
        "occurredAt": utc_iso(occurred),
    })


_DONE = {"invite": _invite_done, "message": _message_done, "withdraw": _withdraw_done, "post": _post_done,
         "comment": _comment_done}


def apply_outcome(action, now: datetime) -> None:
    """The engine's side of a finished action (done, failed or skipped)."""
    if action.status == "done":
        _DONE[action.type](action, action.completed_at or now, now)
    elif action.status == "failed":
        apply_failure(action, now)
    elif action.status == "skipped":
        _not_done(action, "skipped", action.error or f"{action.type} skipped by the extension", now)


def apply_failure(action, now: datetime) -> None:
    """LinkedIn's own limit pauses the account and the lead waits; any other failure ends the lead `failed`
    with the reason (when the lead still waits on this action). A post or comment back in its queue is
    retried by the planner, which counts failures."""
    if action.type == "invite" and action.error in LIMIT_ERRORS:
        account = pause_invites_for_limit(action.account_id, action.error, now)
        lead = _lead_of(action)
        if lead is not None and lead.status == "queued":
            lead.next_step_at, lead.updated_at = account.invites_paused_until, now
        return
    _not_done(action, "failed", f"{action.type} failed: {action.error or 'unknown error'}", now)


def _not_done(action, status: str, reason: str, now: datetime) -> None:
    if action.type == "post":
        post = db.session.get(Post, action.post_id) if action.post_id else None
        if post is not None and post.status == "publishing":
            post.status, post.updated_at = "scheduled", now  # the planner retries it or ends it failed
        return
    lead = _lead_of(action)
    if lead is None or lead.status not in PLANNED_FROM.get(action.type, ()):
        return
    if action.type == "withdraw":
        # The invite may still be out: the lead is done with, whatever LinkedIn said.
        status, reason = "skipped", f"invite not accepted in time; its withdrawal {status}: {action.error or ''}"
    lead.status, lead.status_reason, lead.next_step_at, lead.updated_at = status, reason.strip(": ")[:300], None, now
