"""What an account (or a campaign) has used of its caps: the one count behind every cap.

Actions count by their due day whatever their state, except failed, skipped or cancelled ones: an action
planned, leased, under way or done uses the cap, so no mix of ticks, workers or retries exceeds it. Actions
are never deleted with their lead, campaign or post (their references become NULL), so deleting what an
action was for never gives its capacity back. Every count is a range read on (account_id | campaign_id,
type, due_at).
"""

from datetime import datetime, timedelta

from sqlalchemy import func, literal, select, union_all

from app.caps.pauses import invites_paused
from app.caps.policy import ACCEPTANCE_SAMPLE, ACCEPTANCE_WINDOW, AccountPolicy
from app.common.fields import utc_iso
from app.extensions import db
from app.models import Action, Lead

OPEN_ACTION_STATUSES = ("pending", "leased", "started", "unknown")
COUNTED_ACTION_STATUSES = OPEN_ACTION_STATUSES + ("done",)


def _counted(*conditions):
    """The actions a cap counts (the rule above), and further conditions."""
    return (Action.status.in_(COUNTED_ACTION_STATUSES), *conditions)


def count_actions(account_id, action_type: str, start: datetime, end: datetime, campaign_id=None) -> int:
    """Actions of a type due in [start, end) of an account, or of a campaign on whichever account (account_id None)."""
    statement = select(func.count()).where(*_counted(Action.type == action_type, Action.due_at >= start,
                                                     Action.due_at < end))
    if account_id is not None:
        statement = statement.where(Action.account_id == account_id)
    if campaign_id is not None:
        statement = statement.where(Action.campaign_id == campaign_id)
    return db.session.scalar(statement) or 0


def _usage_columns(day_start: datetime):
    today = Action.due_at >= day_start
    return (func.count().filter(Action.type == "invite", today), func.count().filter(Action.type == "invite"),
            func.count().filter(Action.type == "message", today))


def used_today_and_week(account_id, policy: AccountPolicy, now: datetime) -> dict:
    """Invites today and this week (7 days ending tonight) and messages today: one range read of the account's
    invites and messages of the week."""
    day_start, day_end = policy.day_window(now)
    invites_today, invites_week, messages_today = db.session.execute(
        select(*_usage_columns(day_start)).where(*_counted(
            Action.account_id == account_id, Action.type.in_(("invite", "message")),
            Action.due_at >= day_end - timedelta(days=7), Action.due_at < day_end))).one()
    return {"invitesToday": invites_today, "invitesThisWeek": invites_week, "messagesToday": messages_today}


def campaigns_used(campaign_ids, policy: AccountPolicy, now: datetime) -> dict:
    """The same counts for each campaign (on whichever account), in one statement: campaign id -> counts."""
    day_start, day_end = policy.day_window(now)
    used = {campaign_id: {"invitesToday": 0, "invitesThisWeek": 0, "messagesToday": 0} for campaign_id in campaign_ids}
    if not used:
        return used
    for campaign_id, invites_today, invites_week, messages_today in db.session.execute(
        select(Action.campaign_id, *_usage_columns(day_start)).where(*_counted(
            Action.campaign_id.in_(list(used)), Action.type.in_(("invite", "message")),
            Action.due_at >= day_end - timedelta(days=7), Action.due_at < day_end)).group_by(Action.campaign_id)
    ):
        used[campaign_id] = {"invitesToday": invites_today, "invitesThisWeek": invites_week,
                             "messagesToday": messages_today}
    return used


def remaining_capacity(account, policy: AccountPolicy, now: datetime) -> dict:
    """What the account may still do today (used by the planner and the API)."""
    used = used_today_and_week(account.id, policy, now)
    invites = max(0, min(policy.invites_per_day - used["invitesToday"],
                         policy.invites_per_week - used["invitesThisWeek"]))
    if invites_paused(account, now):
        invites = 0
    return {"invites": invites, "messages": max(0, policy.messages_per_day - used["messagesToday"]),
            "invitesThisWeek": max(0, policy.invites_per_week - used["invitesThisWeek"])}


def _last_judged_invites(campaign_id, now: datetime):
    return (select(Lead.connected_at)
            .where(Lead.campaign_id == campaign_id, Lead.invited_at <= now - ACCEPTANCE_WINDOW)
            .order_by(Lead.invited_at.desc())
            .limit(ACCEPTANCE_SAMPLE)
            .subquery())


def _rate(total: int, accepted: int) -> float | None:
    return accepted / total if total >= ACCEPTANCE_SAMPLE else None


def acceptance_rate(campaign_id, now: datetime) -> float | None:
    """Share of the campaign's last 50 invites old enough to judge that were accepted (None until there are 50).

    An invite is judged once it has waited ACCEPTANCE_WINDOW: most people answer within days, and counting
    this morning's invites as refused would throttle every healthy campaign.
    """
    recent = _last_judged_invites(campaign_id, now)
    return _rate(*db.session.execute(select(func.count(), func.count(recent.c.connected_at))).one())


def acceptance_rates(campaign_ids, now: datetime) -> dict:
    """acceptance_rate of each campaign, in one statement (a range read of 50 index entries each)."""
    parts = []
    for number, campaign_id in enumerate(campaign_ids):
        recent = _last_judged_invites(campaign_id, now)
        parts.append(select(literal(number), func.count(), func.count(recent.c.connected_at)))
    if not parts:
        return {}
    ids = list(campaign_ids)
    return {ids[number]: _rate(total, accepted)
            for number, total, accepted in db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0])}


def remaining_today(account, policy: AccountPolicy, now: datetime) -> dict:
    """Today's remaining invites and messages in the account's time zone, and its caps (the heartbeat's answer)."""
    left = remaining_capacity(account, policy, now)
    return {
        "invitesLeftToday": left["invites"],
        "messagesLeftToday": left["messages"],
        "invitesPerDay": policy.invites_per_day,
        "invitesPerWeek": policy.invites_per_week,
        "messagesPerDay": policy.messages_per_day,
        "workingNow": policy.is_working_time(now),
    }


def pause_state(account, now: datetime) -> dict:
    paused = invites_paused(account, now)
    return {
        "invitesPaused": paused,
        "invitesPausedUntil": utc_iso(account.invites_paused_until) if paused else None,
        "reason": account.pause_reason if paused else None,
    }


def effective_limits(policy: AccountPolicy) -> dict:
    """The limits in force now (after warm-up), working hours and gaps, as the REST API shows them."""
    return {
        "invitesPerDay": policy.invites_per_day,
        "invitesPerWeek": policy.invites_per_week,
        "messagesPerDay": policy.messages_per_day,
        "warmupFraction": round(policy.warmup_fraction, 4),
        "workingHours": {"start": policy.work_start.strftime("%H:%M"), "end": policy.work_end.strftime("%H:%M"),
                         "days": sorted(policy.work_days)},
        "gapMinutes": {"min": policy.gap_minutes[0], "max": policy.gap_minutes[1]},
    }
