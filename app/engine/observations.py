"""What the extension saw on LinkedIn: an invite accepted, a reply, a profile's new details.

Matched by normalised profile URL against every lead of the team (one person may be a lead of several
campaigns). Reporting the same observation twice changes nothing more. An acceptance takes back the
lead's invite or withdrawal that has not gone out yet; a reply takes back everything not yet started.
"""

import uuid
from datetime import datetime

from app.actions.service import cancel_actions_of_leads
from app.engine.outcomes import schedule_lead
from app.extensions import db
from app.leads.service import normalize_profile_url
from app.models import Lead
from app.scoping import team_select

OBSERVATION_TYPES = ("invite_accepted", "reply_received", "profile_updated")
# Profile fields an observation may enrich (wire name -> column).
PROFILE_FIELDS = {"name": "name", "firstName": "first_name", "lastName": "last_name", "title": "title",
                  "company": "company", "location": "location"}
# Before the acceptance these were still waiting on the invite (or its withdrawal).
ACCEPTABLE_STATUSES = ("queued", "invited")


def record_observation(team_id: uuid.UUID, kind: str, profile_url: str, occurred_at: datetime | None,
                       profile: dict, now: datetime, account_id=None) -> dict:
    url = normalize_profile_url(profile_url)
    leads = db.session.scalars(
        team_select(Lead, team_id).where(Lead.profile_url == url).order_by(Lead.created_at, Lead.id).with_for_update()
    ).all()
    occurred = min(occurred_at, now) if occurred_at else now
    changed = 0
    for lead in leads:
        if kind == "invite_accepted" and lead.status in ACCEPTABLE_STATUSES:
            cancel_actions_of_leads([lead.id], "the invite was accepted", now, types=("invite", "withdraw"))
            lead.status, lead.status_reason, lead.connected_at, lead.updated_at = "connected", None, occurred, now
            lead.invited_at = lead.invited_at or occurred
            if lead.account_id is None and account_id is not None:
                lead.account_id = account_id
            schedule_lead(lead, now)
            changed += 1
        elif kind == "reply_received" and lead.status != "replied":
            lead.status, lead.replied_at, lead.next_step_at, lead.updated_at = "replied", occurred, None, now
            cancel_actions_of_leads([lead.id], "the lead replied", now)
            changed += 1
        elif kind == "profile_updated":
            updates = {column: profile[wire] for wire, column in PROFILE_FIELDS.items() if profile.get(wire)}
            if any(getattr(lead, column) != value for column, value in updates.items()):
                for column, value in updates.items():
                    setattr(lead, column, value)
                lead.updated_at = now
                changed += 1
    return {"profileUrl": url, "matched": len(leads), "changed": changed}
