"""What a reported outcome changes on the lead, post or comment, and the event that reports it.

Each event is emitted in the same transaction as the change (app.webhooks.outbox.emit).
Data: the lead / post / comment as the REST API shows it, the campaign id, the text
that was sent and when it happened (docs/webhooks.md, "Events").
"""

from datetime import datetime

from app.accounts.service import LIMIT_ERRORS, pause_invites_for_limit
from app.common.fields import utc_iso
from app.extensions import db
from app.models import Campaign, Comment, Lead, LinkedInAccount, Post
from app.webhooks.outbox import emit


def lead_json(lead: Lead) -> dict:
    from app.leads.schemas import LeadSchema

    return LeadSchema().dump(lead)


def schedule_lead(lead: Lead, now: datetime) -> None:
    from app.engine.sequence import schedule_next_step

    campaign = db.session.get(Campaign, lead.campaign_id)
    if campaign is not None:
        schedule_next_step(lead, campaign, now)


def _lead_event(action, lead: Lead, occurred: datetime) -> dict:
    return {
        "lead": lead_json(lead),
        "campaignId": str(action.campaign_id or lead.campaign_id),
        "actionId": str(action.id),
        "text": action.text,
        "occurredAt": utc_iso(occurred),
    }


def _invite_done(action, occurred: datetime, now: datetime) -> None:
    lead = db.session.get(Lead, action.lead_id)
    if lead is None:
        return
    if lead.status in ("new", "queued", "failed"):
        lead.status, lead.status_reason, lead.invited_at = "invited", None, occurred
        schedule_lead(lead, now)
    lead.updated_at = now
    emit(action.team_id, "lead.invited", _lead_event(action, lead, occurred))


def _message_done(action, occurred: datetime, now: datetime) -> None:
    lead = db.session.get(Lead, action.lead_id)
    if lead is None:
        return
    lead.messages_sent = (lead.messages_sent or 0) + 1
    lead.last_messaged_at = occurred
    if lead.status in ("connected", "messaged", "invited"):
        lead.status = "messaged"
        schedule_lead(lead, now)
    lead.updated_at = now
    emit(action.team_id, "lead.messaged", _lead_event(action, lead, occurred))


def _post_done(action, occurred: datetime, now: datetime) -> None:
    from app.posts.schemas import PostSchema

    post = db.session.get(Post, action.post_id)
    if post is None:
        return
    post.status, post.status_reason, post.published_at = "published", None, occurred
    post.linkedin_url = (action.details or {}).get("postUrl") or post.linkedin_url
    post.updated_at = now
    emit(action.team_id, "post.published", {
        "post": PostSchema().dump(post), "postUrl": post.linkedin_url, "actionId": str(action.id),
        "text": action.text, "occurredAt": utc_iso(occurred),
    })


def _comment_done(action, occurred: datetime, now: datetime) -> None:
    from app.comments.schemas import CommentSchema

    comment = db.session.get(Comment, action.comment_id)
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


_DONE = {"invite": _invite_done, "message": _message_done, "post": _post_done, "comment": _comment_done}


def apply_outcome(action, now: datetime) -> None:
    if action.status == "done":
        handler = _DONE.get(action.type)
        if handler:
            handler(action, action.completed_at or now, now)
    elif action.status == "failed":
        apply_failure(action, now)
    elif action.status == "skipped":
        _lead_ends(action, "skipped", action.error or f"{action.type} skipped by the extension", now)


def apply_failure(action, now: datetime) -> None:
    """A failed action: LinkedIn's own limit pauses the account and the lead waits; any other failure ends
    the lead `failed` with the reason. Posts and comments are retried by the engine (it counts failures)."""
    if action.type == "invite" and action.error in LIMIT_ERRORS:
        account = db.session.get(LinkedInAccount, action.account_id)
        pause_invites_for_limit(account, action.error, now)
        lead = db.session.get(Lead, action.lead_id) if action.lead_id else None
        if lead is not None and lead.status == "queued":
            lead.next_step_at, lead.updated_at = account.invites_paused_until, now
        return
    _lead_ends(action, "failed", f"{action.type} failed: {action.error or 'unknown error'}", now)


def _lead_ends(action, status: str, reason: str, now: datetime) -> None:
    if action.type not in ("invite", "message") or action.lead_id is None:
        return
    lead = db.session.get(Lead, action.lead_id)
    if lead is None or lead.status == "replied":
        return
    lead.status, lead.status_reason, lead.next_step_at, lead.updated_at = status, reason[:300], None, now
