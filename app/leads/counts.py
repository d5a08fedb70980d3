"""A campaign's lead counts without reading its leads: sums of the deltas the database appends on every change.

Triggers on `leads` (migration 0016) append `(campaign, status, +/-leads, +/-invited, +/-connected, +/-replied)`
rows in the writing statement's own transaction, so a read sees exactly the leads its snapshot sees, whatever
wrote them (the API, CSV import, the engine, raw SQL). A read sums a few rows per campaign and status over
`(campaign_id, status)`; `fold_lead_counts`, run every minute, keeps that few by replacing each group's rows with
their sum.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, tuple_

from app.extensions import db
from app.models import CampaignLeadCountDelta
from app.scoping import team_select

Delta = CampaignLeadCountDelta


@dataclass
class LeadCounts:
    """A campaign's leads by status (statuses with none left out), and how many were ever invited, connected (the
    invite accepted) and replied, whatever their status now."""

    by_status: dict[str, int] = field(default_factory=dict)
    invited: int = 0
    connected: int = 0
    replied: int = 0


def campaign_lead_counts(team_id, campaign_ids) -> dict:
    """LeadCounts for each of the team's campaigns in `campaign_ids` (another team's campaign counts nothing)."""
    counts = {campaign_id: LeadCounts() for campaign_id in campaign_ids}
    if not counts:
        return counts
    rows = db.session.execute(
        team_select(Delta, team_id, Delta.campaign_id, Delta.status, func.sum(Delta.leads), func.sum(Delta.invited),
                    func.sum(Delta.connected), func.sum(Delta.replied))
        .where(Delta.campaign_id.in_(list(counts)))
        .group_by(Delta.campaign_id, Delta.status)
    )
    for campaign_id, status, leads, invited, connected, replied in rows:
        found = counts[campaign_id]
        if leads:
            found.by_status[status] = int(leads)
        found.invited += int(invited)
        found.connected += int(connected)
        found.replied += int(replied)
    return counts


def fold_lead_counts() -> int:
    """Replace the rows of every (campaign, status) that has more than one by their sum (none if it is zero), in
    the caller's transaction; how many rows were removed.

    One DELETE ... RETURNING takes exactly the rows it folds: on PostgreSQL a delta committed meanwhile is not in
    its snapshot and stays for the next fold, so nothing is lost or counted twice, and two folds at once cannot
    both take a row. (A maintenance job across every team, like retention: no team scope.)
    """
    crowded = select(Delta.campaign_id, Delta.status).group_by(Delta.campaign_id, Delta.status).having(
        func.count() > 1)
    taken = db.session.execute(
        delete(Delta).where(tuple_(Delta.campaign_id, Delta.status).in_(crowded))
        .returning(Delta.team_id, Delta.campaign_id, Delta.status, Delta.leads, Delta.invited, Delta.connected,
                   Delta.replied)
        .execution_options(synchronize_session=False)
    ).all()
    sums: dict = defaultdict(lambda: [0, 0, 0, 0])
    for team_id, campaign_id, status, *values in taken:
        total = sums[(team_id, campaign_id, status)]
        for index, value in enumerate(values):
            total[index] += value
    folded = [{"team_id": team_id, "campaign_id": campaign_id, "status": status, "leads": leads,
               "invited": invited, "connected": connected, "replied": replied}
              for (team_id, campaign_id, status), (leads, invited, connected, replied) in sums.items()
              if leads or invited or connected or replied]
    if folded:
        db.session.execute(insert(Delta), folded)
    return len(taken)


__all__ = ["LeadCounts", "campaign_lead_counts", "fold_lead_counts"]
