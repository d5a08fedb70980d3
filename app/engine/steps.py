"""The planner's per-account steps: stale invites withdrawn, messages, invites."""

from datetime import datetime

from sqlalchemy import select

from app.engine.policy import DEFAULT_INVITE_EXPIRY_DAYS, AccountPolicy, campaign_daily_invites
from app.engine.sequence import next_message_template
from app.extensions import db
from app.models import Lead

WITHDRAW_BATCH = 200


def create_action(*args, **kwargs):
    from app.actions.service import create_action as create  # the bridge's model of actions

    return create(*args, **kwargs)


def render(text: str, values: dict) -> str:
    from app.templating import render as render_template

    return render_template(text, values)


def lead_values(lead) -> dict:
    from app.templating import lead_values as values_of

    return values_of(lead)


def _due_leads(campaign_ids, statuses, now: datetime, limit: int):
    return db.session.scalars(
        select(Lead)
        .where(Lead.campaign_id.in_(campaign_ids), Lead.status.in_(statuses), Lead.next_step_at <= now)
        .order_by(Lead.next_step_at, Lead.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def plan_withdrawals(account, campaigns, policy: AccountPolicy, now: datetime) -> int:
    """Invites not accepted in time: a withdraw action, and the lead ends skipped."""
    by_id = {c.id: c for c in campaigns}
    due_at = policy.next_working_time(now)
    created = 0
    for lead in _due_leads(list(by_id), ("invited",), now, WITHDRAW_BATCH):
        days = (by_id[lead.campaign_id].settings or {}).get("inviteExpiryDays") or DEFAULT_INVITE_EXPIRY_DAYS
        create_action(lead.team_id, account.id, "withdraw", lead=lead, campaign_id=lead.campaign_id, due_at=due_at)
        lead.status, lead.next_step_at, lead.updated_at = "skipped", None, now
        lead.status_reason = f"invite not accepted within {days} days; withdrawn"
        created += 1
    return created


def plan_messages(account, campaigns, timeline, capacity: int, now: datetime) -> int:
    """First messages to connected leads and follow-ups, within the daily message cap."""
    if capacity <= 0:
        return 0
    by_id = {c.id: c for c in campaigns}
    created = 0
    for lead in _due_leads(list(by_id), ("connected", "messaged"), now, capacity):
        body, _ = next_message_template(by_id[lead.campaign_id].templates, lead.messages_sent or 0)
        if not body:
            lead.next_step_at = None  # the sequence is complete
            continue
        due_at = timeline.next_slot()
        if due_at is None:
            break
        text = render(body, lead_values(lead))
        create_action(lead.team_id, account.id, "message", lead=lead, campaign_id=lead.campaign_id, text=text,
                      due_at=due_at)
        lead.next_step_at = None
        created += 1
    return created


def plan_invites(account, campaigns, policy: AccountPolicy, timeline, capacity: int, now: datetime) -> int:
    """Invites for queued leads, taken from the account's campaigns in turn, within every cap."""
    from app.engine.planner import _count_actions, acceptance_rate

    if capacity <= 0:
        return 0
    day_start, day_end = policy.day_window(now)
    candidates = []
    for campaign in campaigns:
        cap = campaign_daily_invites(campaign.settings or {}, policy.invites_per_day, acceptance_rate(campaign.id))
        allowed = min(capacity, cap - _count_actions(account.id, "invite", day_start, day_end, campaign.id))
        if allowed > 0:
            candidates.append((campaign, list(_due_leads([campaign.id], ("queued",), now, allowed))))
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
