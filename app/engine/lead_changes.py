"""A person changes a lead (PATCH) or deletes it: the engine takes back what no longer applies and plans from the
lead's new status, exactly as if the engine had moved it there."""

from datetime import datetime

from sqlalchemy import delete, update

from app.actions.service import cancel_actions_of_leads
from app.engine.outcomes import schedule_lead
from app.engine.sequence import FINAL_LEAD_STATUSES
from app.extensions import db
from app.models import Action, Lead
from app.scoping import get_for_team


def set_status(lead: Lead, status: str, now: datetime, reason: str | None = None) -> None:
    """The lead is now `status` because a person said so (`reason`: why, when not a plain API edit): whatever was
    planned for its old status is cancelled (pending or leased: the extension gets 409 if it tries), and its next
    step is planned from the new one."""
    cancel_actions_of_leads([lead.id], reason or f"the lead was set to {status} by hand", now)
    lead.status, lead.status_reason = status, reason or "set through the API"
    if status == "invited":
        lead.invited_at = now
    elif status == "connected":
        lead.connected_at = now
        lead.invited_at = lead.invited_at or now
    elif status == "messaged":
        lead.messages_sent = max(1, lead.messages_sent or 0)
        lead.last_messaged_at = now
        lead.connected_at = lead.connected_at or now
    elif status == "replied":
        lead.replied_at = lead.replied_at or now
    schedule_lead(lead, now)
    if status in FINAL_LEAD_STATUSES:
        lead.next_step_at = None


def update_lead(team_id, lead_id, changes: dict, now: datetime) -> Lead:
    lead = get_for_team(Lead, team_id, lead_id, "lead", for_update=True)
    if "status" in changes and changes["status"] != lead.status:
        set_status(lead, changes["status"], now)
    if "notes" in changes:
        lead.notes = changes["notes"]
    if "tags" in changes:
        lead.tags = list(dict.fromkeys(changes["tags"]))
    if "customFields" in changes:
        lead.custom_fields = changes["customFields"]
    lead.updated_at = now
    db.session.flush()
    return lead


def delete_lead(team_id, lead_id, now: datetime) -> None:
    """Its actions not yet started are cancelled; what was done stays on record (without the lead) and keeps
    counting against the account's caps."""
    lead = get_for_team(Lead, team_id, lead_id, "lead", for_update=True)
    cancel_actions_of_leads([lead.id], "the lead was deleted", now)
    db.session.execute(update(Action).where(Action.lead_id == lead.id).values(lead_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Lead).where(Lead.id == lead.id, Lead.team_id == team_id))
