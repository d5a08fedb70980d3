"""The planner's per-account steps: stale invites withdrawn, messages, invites.

Later steps of a lead (messages, the withdrawal) go on the account that invited it; a lead no account has
acted for yet (moved to `connected` by hand, say) is worked by the account its campaign's invites go from.
"""

from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, or_, select, union_all, update

from app.actions.service import create_actions
from app.caps.policy import AccountPolicy, campaign_cap, campaign_daily_invites
from app.caps.usage import acceptance_rates
from app.engine.sequence import next_message_template
from app.extensions import db
from app.models import Lead
from app.suppression import lead_is_listed
from app.templating import lead_values, render

WITHDRAW_BATCH = 200


def _worked_by(with_unassigned: bool):
    """Leads of these campaigns (`campaign_ids`) that this account (`account_id`) works: the ones it invited, and, with
    `with_unassigned`, those no account has yet whose campaign it sends the invites of (`inviting_ids`)."""
    c = Lead.__table__.c
    mine = and_(c.account_id == bindparam("account_id"), c.campaign_id.in_(bindparam("campaign_ids", expanding=True)))
    if not with_unassigned:
        return mine
    return or_(mine, and_(c.account_id.is_(None), c.campaign_id.in_(bindparam("inviting_ids", expanding=True))))


def _worked_by_values(account, campaign_ids, inviting_ids) -> tuple[bool, dict]:
    values = {"account_id": account.id, "campaign_ids": list(campaign_ids)}
    if inviting_ids:
        values["inviting_ids"] = list(inviting_ids)
    return bool(inviting_ids), values


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


# What planning reads of a due lead: what its actions name, its place in the sequence, what its templates render.
_PLANNED_COLUMNS = ("id", "team_id", "campaign_id", "messages_sent", "next_step_at", "name", "first_name",
                    "last_name", "company", "title", "location")
# Statements built once per shape, their values bound at execution: planning an account runs a handful of them, and
# building and hashing a fresh statement cost more Python than its SQL took on the database.
_STATEMENTS: dict = {}


def _due_leads_statement(condition, statuses, limit):
    c = Lead.__table__.c
    return (select(*(c[name] for name in _PLANNED_COLUMNS))
            .where(condition, c.status.in_(statuses), c.next_step_at <= bindparam("now", type_=c.next_step_at.type),
                   ~lead_is_listed(c))
            .order_by(c.next_step_at, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True))


def _due_leads(account, campaign_ids, inviting_ids, statuses, now: datetime, limit: int):
    """Due leads this account works (`_worked_by`), as plain rows, locked (ones another planner holds are skipped)."""
    with_unassigned, values = _worked_by_values(account, campaign_ids, inviting_ids)
    key = ("due", statuses, with_unassigned)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _due_leads_statement(_worked_by(with_unassigned), statuses,
                                                bindparam("limit", type_=Integer))
    return db.session.connection().execute(_STATEMENTS[key], {**values, "now": now, "limit": limit}).all()


def _due_leads_of_campaigns(limits: dict, statuses, now: datetime) -> dict:
    """Due leads of several campaigns at once (campaign id -> how many), in one statement: campaign id -> rows."""
    found = {campaign_id: [] for campaign_id in limits}
    if not limits:
        return found
    key = ("campaigns", statuses, len(limits))
    if key not in _STATEMENTS:
        c = Lead.__table__.c
        parts = [select(*_due_leads_statement(c.campaign_id == bindparam(f"campaign_{number}"), statuses,
                                              bindparam(f"limit_{number}", type_=Integer)).subquery().c)
                 for number in range(len(limits))]
        pool = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        _STATEMENTS[key] = select(pool).order_by(pool.c.next_step_at, pool.c.id)
    values = {"now": now}
    for number, (campaign_id, limit) in enumerate(limits.items()):
        values[f"campaign_{number}"], values[f"limit_{number}"] = campaign_id, limit
    for row in db.session.connection().execute(_STATEMENTS[key], values):
        found[row.campaign_id].append(row)
    return found


def plan_withdrawals(batch: PlannedBatch, account, campaigns, inviting, policy: AccountPolicy, now: datetime) -> int:
    """Invites not accepted in time: a withdraw action. The lead stays `invited` until it is done, so an
    acceptance seen meanwhile still counts (and takes the withdrawal back)."""
    due_at = policy.next_working_time(now)
    created = 0
    for lead in _due_leads(account, [c.id for c in campaigns], [c.id for c in inviting], ("invited",), now,
                           WITHDRAW_BATCH):
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
    inviting_ids = [c.id for c in inviting if c.id in left and left[c.id] > 0]
    created = 0
    for lead in _due_leads(account, open_ids, inviting_ids, ("connected", "messaged"), now, capacity):
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
