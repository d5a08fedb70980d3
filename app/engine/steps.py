"""The planner's per-account steps: stale invites withdrawn, messages, invites.

Later steps of a lead (messages, the withdrawal) go on the account that invited it; a lead no account has
acted for yet (moved to `connected` by hand, say) is worked by the account its campaign's invites go from.
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from app.actions.service import create_action
from app.caps.policy import AccountPolicy, campaign_cap, campaign_daily_invites
from app.caps.usage import acceptance_rate, count_actions
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


def _due_leads(condition, statuses, now: datetime, limit: int):
    return db.session.scalars(
        select(Lead)
        .where(condition, Lead.status.in_(statuses), Lead.next_step_at <= now, ~lead_is_listed(Lead))
        .order_by(Lead.next_step_at, Lead.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def plan_withdrawals(account, campaigns, inviting, policy: AccountPolicy, now: datetime) -> int:
    """Invites not accepted in time: a withdraw action. The lead stays `invited` until it is done, so an
    acceptance seen meanwhile still counts (and takes the withdrawal back)."""
    condition = _worked_by(account, [c.id for c in campaigns], [c.id for c in inviting])
    due_at = policy.next_working_time(now)
    created = 0
    for lead in _due_leads(condition, ("invited",), now, WITHDRAW_BATCH):
        create_action(lead.team_id, account.id, "withdraw", lead=lead, campaign_id=lead.campaign_id, due_at=due_at)
        lead.next_step_at, lead.updated_at = None, now
        created += 1
    return created


def plan_messages(account, campaigns, inviting, policy: AccountPolicy, timeline, capacity: int, now: datetime) -> int:
    """First messages to connected leads and follow-ups, within the account's and each campaign's daily cap."""
    if capacity <= 0:
        return 0
    day_start, day_end = policy.day_window(now)
    by_id, left = {c.id: c for c in campaigns}, {}
    for campaign in campaigns:
        cap = campaign_cap(campaign.settings, "messagesPerDay", policy.messages_per_day)
        left[campaign.id] = cap - count_actions(None, "message", day_start, day_end, campaign.id)
    open_ids = [campaign_id for campaign_id, room in left.items() if room > 0]
    if not open_ids:
        return 0
    condition = _worked_by(account, open_ids, [c.id for c in inviting if c.id in left and left[c.id] > 0])
    created = 0
    for lead in _due_leads(condition, ("connected", "messaged"), now, capacity):
        body, _ = next_message_template(by_id[lead.campaign_id].templates, lead.messages_sent or 0)
        if not body:
            lead.next_step_at = None  # the sequence is complete
            continue
        if left[lead.campaign_id] <= 0:
            continue  # this campaign's messages for today are spent; the lead waits for tomorrow
        due_at = timeline.next_slot()
        if due_at is None:
            break
        left[lead.campaign_id] -= 1
        text = render(body, lead_values(lead))
        create_action(lead.team_id, account.id, "message", lead=lead, campaign_id=lead.campaign_id, text=text,
                      due_at=due_at)
        lead.next_step_at = None
        created += 1
    return created


def plan_invites(account, campaigns, policy: AccountPolicy, timeline, capacity: int, now: datetime) -> int:
    """Invites for queued leads, taken from the account's campaigns in turn, within every cap."""
    if capacity <= 0:
        return 0
    day_start, day_end = policy.day_window(now)
    candidates = []
    week_start = day_end - timedelta(days=7)
    for campaign in campaigns:
        cap = campaign_daily_invites(campaign.settings or {}, policy.invites_per_day, acceptance_rate(campaign.id, now))
        week_cap = campaign_cap(campaign.settings, "invitesPerWeek", policy.invites_per_week)
        allowed = min(capacity, cap - count_actions(None, "invite", day_start, day_end, campaign.id),
                      week_cap - count_actions(None, "invite", week_start, day_end, campaign.id))
        if allowed > 0:
            leads = _due_leads(Lead.campaign_id == campaign.id, ("queued",), now, allowed)
            candidates.append((campaign, list(leads)))
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
            create_action(lead.team_id, account.id, "invite", lead=lead, campaign_id=campaign.id, text=note or None,
                          due_at=due_at)
            lead.next_step_at = None
            created += 1
    return created
