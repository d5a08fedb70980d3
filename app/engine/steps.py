"""The planner's per-account steps: stale invites withdrawn, messages, invites.

Later steps of a lead (messages, the withdrawal) go on the account that invited it; a lead no account has
acted for yet (moved to `connected` by hand, say) is worked by the account its campaign's invites go from.
"""

from datetime import datetime

from sqlalchemy import and_, or_, select, union_all, update

from app.actions.service import create_actions
from app.caps.policy import AccountPolicy, campaign_cap, campaign_daily_invites
from app.caps.usage import acceptance_rates
from app.engine.sequence import next_message_template
from app.extensions import db
from app.models import Lead
from app.suppression import lead_is_listed
from app.templating import lead_values, render

WITHDRAW_BATCH = 200


def _worked_by(account, campaign_ids, inviting_ids):
    """Leads of these campaigns that this account works: the ones it invited, and those no account has yet whose
    campaign it sends the invites of."""
    mine = and_(Lead.account_id == account.id, Lead.campaign_id.in_(campaign_ids))
    unassigned = and_(Lead.account_id.is_(None), Lead.campaign_id.in_(inviting_ids)) if inviting_ids else None
    return or_(mine, unassigned) if unassigned is not None else mine


class PlannedBatch:
    """What planning one account decided, written at the end in two statements (the actions in one INSERT, the
    leads whose step is now planned in one UPDATE) instead of a flush per lead."""

    def __init__(self, account_id, now: datetime):
        self.account_id, self.now = account_id, now
        self.actions: list[dict] = []
        self.settled: list = []

    def add(self, lead, kind: str, due_at: datetime, text: str | None = None) -> None:
        self.actions.append({"team_id": lead.team_id, "account_id": self.account_id, "type": kind, "lead_id": lead.id,
                             "campaign_id": lead.campaign_id, "text": text, "due_at": due_at})
        self.settled.append(lead.id)

    def settle(self, lead) -> None:
        """The lead has no next step (its sequence is complete)."""
        self.settled.append(lead.id)

    def write(self) -> int:
        create_actions(self.actions, self.now)
        leads = Lead.__table__
        for start in range(0, len(self.settled), 1000):
            db.session.execute(update(leads).where(leads.c.id.in_(self.settled[start : start + 1000]))
                               .values(next_step_at=None, updated_at=self.now))
        return len(self.actions)


def _due_leads_statement(condition, statuses, now: datetime, limit: int):
    return (select(*Lead.__table__.c)
            .where(condition, Lead.status.in_(statuses), Lead.next_step_at <= now, ~lead_is_listed(Lead))
            .order_by(Lead.next_step_at, Lead.id)
            .limit(limit)
            .with_for_update(skip_locked=True))


def _due_leads(condition, statuses, now: datetime, limit: int):
    """Due leads as plain rows (locked; ones another planner holds are skipped)."""
    return db.session.execute(_due_leads_statement(condition, statuses, now, limit)).all()


def _due_leads_of_campaigns(limits: dict, statuses, now: datetime) -> dict:
    """_due_leads of several campaigns at once (campaign id -> how many), in one statement: campaign id -> rows."""
    parts = [select(*_due_leads_statement(Lead.campaign_id == campaign_id, statuses, now, limit).subquery().c)
             for campaign_id, limit in limits.items()]
    found = {campaign_id: [] for campaign_id in limits}
    if parts:
        pool = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        for row in db.session.execute(select(pool).order_by(pool.c.next_step_at, pool.c.id)):
            found[row.campaign_id].append(row)
    return found


def plan_withdrawals(batch: PlannedBatch, account, campaigns, inviting, policy: AccountPolicy, now: datetime) -> int:
    """Invites not accepted in time: a withdraw action. The lead stays `invited` until it is done, so an
    acceptance seen meanwhile still counts (and takes the withdrawal back)."""
    condition = _worked_by(account, [c.id for c in campaigns], [c.id for c in inviting])
    due_at = policy.next_working_time(now)
    created = 0
    for lead in _due_leads(condition, ("invited",), now, WITHDRAW_BATCH):
        batch.add(lead, "withdraw", due_at)
        created += 1
    return created


def plan_messages(batch: PlannedBatch, account, campaigns, inviting, policy: AccountPolicy, timeline, capacity: int,
                  used: dict, now: datetime) -> int:
    """First messages to connected leads and follow-ups, within the account's and each campaign's daily cap
    (`used`: app.caps.usage.campaigns_used of the campaigns)."""
    if capacity <= 0:
        return 0
    by_id, left = {c.id: c for c in campaigns}, {}
    for campaign in campaigns:
        cap = campaign_cap(campaign.settings, "messagesPerDay", policy.messages_per_day)
        left[campaign.id] = cap - used[campaign.id]["messagesToday"]
    open_ids = [campaign_id for campaign_id, room in left.items() if room > 0]
    if not open_ids:
        return 0
    condition = _worked_by(account, open_ids, [c.id for c in inviting if c.id in left and left[c.id] > 0])
    created = 0
    for lead in _due_leads(condition, ("connected", "messaged"), now, capacity):
        body, _ = next_message_template(by_id[lead.campaign_id].templates, lead.messages_sent or 0)
        if not body:
            batch.settle(lead)  # the sequence is complete
            continue
        if left[lead.campaign_id] <= 0:
            continue  # this campaign's messages for today are spent; the lead waits for tomorrow
        due_at = timeline.next_slot()
        if due_at is None:
            break
        left[lead.campaign_id] -= 1
        batch.add(lead, "message", due_at, render(body, lead_values(lead)))
        created += 1
    return created


def plan_invites(batch: PlannedBatch, campaigns, policy: AccountPolicy, timeline, capacity: int, used: dict,
                 now: datetime) -> int:
    """Invites for queued leads, taken from the account's campaigns in turn, within every cap."""
    if capacity <= 0:
        return 0
    limits = {}
    rates = acceptance_rates([campaign.id for campaign in campaigns], now)
    for campaign in campaigns:
        cap = campaign_daily_invites(campaign.settings or {}, policy.invites_per_day, rates[campaign.id])
        week_cap = campaign_cap(campaign.settings, "invitesPerWeek", policy.invites_per_week)
        allowed = min(capacity, cap - used[campaign.id]["invitesToday"],
                      week_cap - used[campaign.id]["invitesThisWeek"])
        if allowed > 0:
            limits[campaign.id] = allowed
    due = _due_leads_of_campaigns(limits, ("queued",), now)
    candidates = [(campaign, due[campaign.id]) for campaign in campaigns if campaign.id in limits]
    created = 0
    while created < capacity and any(leads for _, leads in candidates):
        for campaign, leads in candidates:
            if not leads or created >= capacity:
                continue
            due_at = timeline.next_slot()
            if due_at is None:
                return created
            lead = leads.pop(0)
            note = render((campaign.templates or {}).get("note") or "", lead_values(lead))
            batch.add(lead, "invite", due_at, note or None)
            created += 1
    return created
