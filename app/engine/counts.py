"""What the actions table says an account (or a campaign) has used: the one count behind every cap.

Actions count by their due day whatever their state, except failed or cancelled ones, so an action
planned, leased, under way or done all use the cap, and no mix of ticks, workers or retries exceeds it.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.accounts.limits import invites_paused
from app.engine.policy import ACCEPTANCE_SAMPLE, ACCEPTANCE_WINDOW, AccountPolicy
from app.extensions import db
from app.models import Action, Lead

OPEN_ACTION_STATUSES = ("pending", "leased", "started", "unknown")
COUNTED_ACTION_STATUSES = OPEN_ACTION_STATUSES + ("done",)


def count_actions(account_id, action_type: str, start: datetime, end: datetime, campaign_id=None) -> int:
    """Actions of a type due in [start, end) of an account, or of a campaign on whichever account (account_id None)."""
    statement = select(func.count(Action.id)).where(
        Action.type == action_type,
        Action.status.in_(COUNTED_ACTION_STATUSES),
        Action.due_at >= start,
        Action.due_at < end,
    )
    if account_id is not None:
        statement = statement.where(Action.account_id == account_id)
    if campaign_id is not None:
        statement = statement.where(Action.campaign_id == campaign_id)
    return db.session.scalar(statement) or 0


def remaining_capacity(account, policy: AccountPolicy, now: datetime) -> dict:
    """What the account may still do today (used by the planner, the lease guard and the API)."""
    day_start, day_end = policy.day_window(now)
    invites_today = count_actions(account.id, "invite", day_start, day_end)
    invites_week = count_actions(account.id, "invite", day_end - timedelta(days=7), day_end)
    messages_today = count_actions(account.id, "message", day_start, day_end)
    invites = max(0, min(policy.invites_per_day - invites_today, policy.invites_per_week - invites_week))
    if invites_paused(account, now):
        invites = 0
    return {"invites": invites, "messages": max(0, policy.messages_per_day - messages_today)}


def acceptance_rate(campaign_id, now: datetime) -> float | None:
    """Share of the campaign's last 50 invites old enough to judge that were accepted (None until there are 50).

    An invite is judged once it has waited ACCEPTANCE_WINDOW: most people answer within days, and counting
    this morning's invites as refused would throttle every healthy campaign.
    """
    recent = (
        select(Lead.connected_at)
        .where(Lead.campaign_id == campaign_id, Lead.invited_at <= now - ACCEPTANCE_WINDOW)
        .order_by(Lead.invited_at.desc())
        .limit(ACCEPTANCE_SAMPLE)
        .subquery()
    )
    total, accepted = db.session.execute(select(func.count(), func.count(recent.c.connected_at))).one()
    return accepted / total if total >= ACCEPTANCE_SAMPLE else None
