"""What an account (or a campaign) has used of its caps: the one count behind every cap.

Actions count by their due day whatever their state, except failed, skipped or cancelled ones: an action
planned, leased, under way or done uses the cap, so no mix of ticks, workers or retries exceeds it. Actions
are never deleted with their lead, campaign or post (their references become NULL), so deleting what an
action was for never gives its capacity back. Every count is a range read on (account_id | campaign_id,
type, due_at).
"""

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, literal, select, union_all

from app.caps.pauses import invites_paused
from app.caps.policy import ACCEPTANCE_SAMPLE, ACCEPTANCE_WINDOW, PACED_ACTION_TYPES, AccountPolicy
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


def _usage_columns(day_start):
    today = Action.due_at >= day_start
    return (func.count().filter(Action.type == "invite", today), func.count().filter(Action.type == "invite"),
            func.count().filter(Action.type == "message", today))


def _week_of_invites_and_messages(subject):
    """The rows an account's (or a campaign's) usage counts: its invites and messages of the week ending tonight."""
    return _counted(subject, Action.type.in_(("invite", "message")),
                    Action.due_at >= bindparam("week_start", type_=Action.due_at.type),
                    Action.due_at < bindparam("day_end", type_=Action.due_at.type))


def _window(policy: AccountPolicy, now: datetime) -> dict:
    """The values of the usage statements: today (local) and the 7 local days ending tonight."""
    day_start, day_end = policy.day_window(now)
    return {"day_start": day_start, "day_end": day_end, "week_start": day_end - timedelta(days=7)}


def _account_usage_statement():
    """used_today_and_week's counts, and the due time of the account's latest paced action of today (the planner
    spaces today's next actions after it), in one range read of the week's paced actions."""
    day_start = Action.due_at >= bindparam("day_start", type_=Action.due_at.type)
    before_tonight = Action.due_at < bindparam("day_end", type_=Action.due_at.type)
    invite, message = Action.type == "invite", Action.type == "message"
    return (select(func.count().filter(invite, day_start, before_tonight), func.count().filter(invite, before_tonight),
                   func.count().filter(message, day_start, before_tonight), func.max(Action.due_at).filter(day_start))
            .where(*_counted(Action.account_id == bindparam("account_id"), Action.type.in_(PACED_ACTION_TYPES),
                             Action.due_at >= bindparam("week_start", type_=Action.due_at.type))))


# Built once, values bound at execution: the planner runs these for every account every minute.
_ACCOUNT_USAGE = _account_usage_statement()
_CAMPAIGNS_USAGE = (select(Action.campaign_id, *_usage_columns(bindparam("day_start", type_=Action.due_at.type)))
                    .where(*_week_of_invites_and_messages(
                        Action.campaign_id.in_(bindparam("campaign_ids", expanding=True))))
                    .group_by(Action.campaign_id))


def _account_usage(account_id, policy: AccountPolicy, now: datetime) -> tuple[dict, datetime | None]:
    invites_today, invites_week, messages_today, last_paced_due = db.session.connection().execute(
        _ACCOUNT_USAGE, {"account_id": account_id, **_window(policy, now)}).one()
    used = {"invitesToday": invites_today, "invitesThisWeek": invites_week, "messagesToday": messages_today}
    return used, last_paced_due


def used_today_and_week(account_id, policy: AccountPolicy, now: datetime) -> dict:
    """Invites today and this week (7 days ending tonight) and messages today: one range read of the account's
    paced actions of the week."""
    return _account_usage(account_id, policy, now)[0]


def campaigns_used(campaign_ids, policy: AccountPolicy, now: datetime) -> dict:
    """The same counts for each campaign (on whichever account), in one statement: campaign id -> counts."""
    used = {campaign_id: {"invitesToday": 0, "invitesThisWeek": 0, "messagesToday": 0} for campaign_id in campaign_ids}
    if not used:
        return used
    for campaign_id, invites_today, invites_week, messages_today in db.session.connection().execute(
        _CAMPAIGNS_USAGE, {"campaign_ids": list(used), **_window(policy, now)}
    ):
        used[campaign_id] = {"invitesToday": invites_today, "invitesThisWeek": invites_week,
                             "messagesToday": messages_today}
    return used


def remaining_capacity(account, policy: AccountPolicy, now: datetime) -> dict:
    """What the account may still do today (used by the planner and the API)."""
    return _capacity(account, policy, now, used_today_and_week(account.id, policy, now))


def planning_capacity(account, policy: AccountPolicy, now: datetime) -> tuple[dict, datetime | None]:
    """remaining_capacity, and when the account's latest paced action of today is due (None: none yet), in one read."""
    used, last_paced_due = _account_usage(account.id, policy, now)
    return _capacity(account, policy, now, used), last_paced_due


def _capacity(account, policy: AccountPolicy, now: datetime, used: dict) -> dict:
    invites = max(0, min(policy.invites_per_day - used["invitesToday"],
                         policy.invites_per_week - used["invitesThisWeek"]))
    if invites_paused(account, now):
        invites = 0
    return {"invites": invites, "messages": max(0, policy.messages_per_day - used["messagesToday"]),
            "invitesThisWeek": max(0, policy.invites_per_week - used["invitesThisWeek"])}


def _last_judged_invites(campaign_id, judged_before):
    return (select(Lead.connected_at)
            .where(Lead.campaign_id == campaign_id, Lead.invited_at <= judged_before)
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
    recent = _last_judged_invites(campaign_id, now - ACCEPTANCE_WINDOW)
    return _rate(*db.session.execute(select(func.count(), func.count(recent.c.connected_at))).one())


_ACCEPTANCE_STATEMENTS: dict = {}


def _acceptance_statement(campaigns: int):
    """acceptance_rates' statement for this many campaigns (built once per count; the values are bound)."""
    if campaigns not in _ACCEPTANCE_STATEMENTS:
        judged_before = bindparam("judged_before", type_=Lead.invited_at.type)
        parts = []
        for number in range(campaigns):
            recent = _last_judged_invites(bindparam(f"campaign_{number}", type_=Lead.campaign_id.type), judged_before)
            parts.append(select(literal(number), func.count(), func.count(recent.c.connected_at)))
        _ACCEPTANCE_STATEMENTS[campaigns] = union_all(*parts) if len(parts) > 1 else parts[0]
    return _ACCEPTANCE_STATEMENTS[campaigns]


def acceptance_rates(campaign_ids, now: datetime) -> dict:
    """acceptance_rate of each campaign, in one statement (a range read of 50 index entries each)."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    values = {f"campaign_{number}": campaign_id for number, campaign_id in enumerate(ids)}
    return {ids[number]: _rate(total, accepted) for number, total, accepted in db.session.connection().execute(
        _acceptance_statement(len(ids)), {**values, "judged_before": now - ACCEPTANCE_WINDOW})}


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
