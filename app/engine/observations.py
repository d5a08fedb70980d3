"""What the extension saw on LinkedIn: an invite accepted, a reply, a profile's new details, a person asking not
to be contacted again (`opted_out`: the person goes on the team's do-not-contact list, app/engine/do_not_contact.py).

Matched by normalised profile URL against every lead of the team (one person may be a lead of several
campaigns). Reporting the same observation twice changes nothing more. An acceptance takes back the
lead's invite or withdrawal that has not gone out yet; a reply takes back everything not yet started.
"""

import uuid
from datetime import datetime

from sqlalchemy import func

from app.actions.service import cancel_actions_of_leads
from app.engine.do_not_contact import put_on_list
from app.engine.outcomes import schedule_lead
from app.extensions import db
from app.leads.service import normalize_profile_url
from app.models import Lead
from app.scoping import team_select

OBSERVATION_TYPES = ("invite_accepted", "reply_received", "profile_updated", "opted_out")
# Profile fields an observation may enrich (wire name -> column).
PROFILE_FIELDS = {"name": "name", "firstName": "first_name", "lastName": "last_name", "title": "title",
                  "company": "company", "location": "location"}
# Before the acceptance these were still waiting on the invite (or its withdrawal).
ACCEPTABLE_STATUSES = ("queued", "invited")


def record_observation(team_id: uuid.UUID, kind: str, profile_url: str, occurred_at: datetime | None,
                       profile: dict, now: datetime, account_id=None) -> dict:
    url = normalize_profile_url(profile_url)
    if kind == "opted_out":
        listed = put_on_list(team_id, [url], "extension", "the person asked not to be contacted", now)
        return {"profileUrl": url, "matched": _count_leads(team_id, url), "changed": listed.leads_ended}
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


def _count_leads(team_id: uuid.UUID, url: str) -> int:
    return db.session.scalar(team_select(Lead, team_id, func.count()).where(Lead.profile_url == url)) or 0
