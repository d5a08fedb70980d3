"""Putting people on the team's do-not-contact list: from then on nothing is planned, leased or added for them
(app/suppression), and what was already planned is taken back here.

Their leads are locked first, then listed, then their actions not yet started are cancelled: a plan running at
the same moment either skips the locked lead or commits before the cancellation, which then sees its actions.
Leads still in their sequence end `skipped` with the reason, through the same path as a person's status change.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.actions.service import cancel_actions_of_leads
from app.engine.lead_changes import set_status
from app.engine.sequence import FINAL_LEAD_STATUSES
from app.extensions import db
from app.models import Lead
from app.scoping import team_select
from app.suppression import LISTED_REASON, add_to_list


@dataclass
class Listed:
    added: list[str]  # the URLs not listed before
    leads_ended: int = 0
    actions_cancelled: int = 0


def put_on_list(team_id: uuid.UUID, normalized_urls, source: str, reason: str | None, now: datetime) -> Listed:
    """List these people (flushed, not committed); end their leads and cancel what was planned for them."""
    urls = sorted(set(normalized_urls))
    leads = []
    for start in range(0, len(urls), 1000):
        leads.extend(db.session.scalars(
            team_select(Lead, team_id).where(Lead.profile_url.in_(urls[start:start + 1000]))
            .order_by(Lead.id).with_for_update()
        ).all())
    listed = Listed(added=add_to_list(team_id, urls, source, reason, now))
    listed.actions_cancelled = len(cancel_actions_of_leads([lead.id for lead in leads], LISTED_REASON, now))
    for lead in leads:
        if lead.status in FINAL_LEAD_STATUSES:
            continue
        set_status(lead, "skipped", now, LISTED_REASON)
        lead.updated_at = now
        listed.leads_ended += 1
    db.session.flush()
    return listed
