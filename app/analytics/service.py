"""Outreach analytics: per campaign, and a team overview per day over a period."""

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.caps.policy import DEFAULT_LIMITS, account_policy, campaign_cap
from app.caps.usage import COUNTED_ACTION_STATUSES, acceptance_rate, remaining_capacity
from app.engine.assignment import campaign_account_id
from app.extensions import db
from app.leads.counts import campaign_lead_counts
from app.models import Action, ArchivedAction, Lead, LinkedInAccount, Post
from app.scoping import get_for_team, team_select

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
# The funnel's stages in order: a lead's status only moves forward along them.
FUNNEL = ("queued", "invited", "connected", "messaged", "replied")
CHART_DAYS = 30
SERIES = ("invites", "acceptances", "messages", "replies", "postsPublished")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def campaign_analytics(campaign, now: datetime) -> dict:
    """Counts by status, acceptance and reply rates, actions done today, and the limits left today."""
    leads = campaign_lead_counts(campaign.team_id, [campaign.id])[campaign.id]
    counts, invited, accepted, replied = leads.by_status, leads.invited, leads.connected, leads.replied
    account_id = campaign_account_id(campaign)
    account = get_for_team(LinkedInAccount, campaign.team_id, account_id, "account") if account_id else None
    done_today, limits_left = {}, None
    if account is not None:
        policy = account_policy(account, now)
        start, end = policy.day_window(now)
        done_today = dict(
            db.session.execute(
                select(Action.type, func.count(Action.id))
                .where(Action.campaign_id == campaign.id, Action.status == "done",
                       Action.completed_at >= start, Action.completed_at < end)
                .group_by(Action.type)
            ).all()
        )
        limits_left = remaining_capacity(account, policy, now) if campaign.status == "active" else None
    recent_rate = acceptance_rate(campaign.id, now)
    return {
        "leadsByStatus": counts,
        "invited": invited,
        "accepted": accepted,
        "replied": replied,
        "acceptanceRate": _rate(accepted, invited),
        "replyRate": _rate(replied, accepted),
        "recentAcceptanceRate": recent_rate,
        "invitesThrottled": recent_rate is not None and recent_rate < 0.2,
        "actionsDoneToday": done_today,
        "limitsLeftToday": limits_left,
    }


def funnel(lead_counts: dict) -> dict:
    """Leads at or past each stage (from the counts by status), and the rates between stages.

    A lead that replied after connecting without a message counts as past `messaged` too."""
    reached, running = {}, 0
    for stage in reversed(FUNNEL):
        running += lead_counts.get(stage, 0)
        reached[stage] = running
    return {"stages": [(stage, reached[stage]) for stage in FUNNEL],
            "acceptanceRate": _rate(reached["connected"], reached["invited"]),
            "replyRate": _rate(reached["replied"], reached["connected"])}


def actions_per_day(campaign, now: datetime, days: int = CHART_DAYS) -> dict:
    """Invites and messages of the campaign per day (the account's local days, as the caps count them: planned,
    under way or done, by due day) over the last `days`, and the campaign's daily caps in force now."""
    account_id = campaign_account_id(campaign)
    account = get_for_team(LinkedInAccount, campaign.team_id, account_id, "account") if account_id else None
    policy = account_policy(account, now) if account is not None else None
    zone = policy.zone if policy else now.tzinfo
    first_day = (now.astimezone(zone) - timedelta(days=days - 1)).date()
    start = datetime.combine(first_day, datetime.min.time(), zone)
    kinds = ("invite", "message")
    rows = list(db.session.execute(
        select(Action.type, Action.due_at).where(Action.campaign_id == campaign.id, Action.type.in_(kinds),
                                                 Action.status.in_(COUNTED_ACTION_STATUSES), Action.due_at >= start)
    ))
    # Done actions older than a week live in the archive: a range read of the campaign's by due time
    # (ix_actions_archive_campaign_due; an action completes after it is due, so no bound on completed_at).
    rows += db.session.execute(
        team_select(ArchivedAction, campaign.team_id, ArchivedAction.type, ArchivedAction.due_at).where(
            ArchivedAction.campaign_id == campaign.id, ArchivedAction.due_at >= start,
            ArchivedAction.type.in_(kinds), ArchivedAction.status == "done")
    ).all()
    counts: Counter = Counter((kind, due.astimezone(zone).date()) for kind, due in rows)
    daily = [{"date": first_day + timedelta(days=offset),
              "invites": counts[("invite", first_day + timedelta(days=offset))],
              "messages": counts[("message", first_day + timedelta(days=offset))]} for offset in range(days)]
    settings = campaign.settings or {}
    invites_cap = policy.invites_per_day if policy else DEFAULT_LIMITS["invitesPerDay"]
    messages_cap = policy.messages_per_day if policy else DEFAULT_LIMITS["messagesPerDay"]
    return {"daily": daily, "caps": {"invites": campaign_cap(settings, "invitesPerDay", invites_cap),
                                     "messages": campaign_cap(settings, "messagesPerDay", messages_cap)}}


def _per_day(statement, column, start: datetime) -> dict[date, int]:
    rows = db.session.execute(statement.where(column >= start)).scalars().all()
    counts: dict[date, int] = {}
    for moment in rows:
        counts[moment.date()] = counts.get(moment.date(), 0) + 1
    return counts


def overview(team_id, period: str, now: datetime) -> dict:
    """Invites, acceptances, messages, replies and posts published, per UTC day and in total."""
    days = PERIODS[period]
    first_day = (now - timedelta(days=days - 1)).date()
    start = datetime.combine(first_day, datetime.min.time(), now.tzinfo)
    series = {
        "invites": _per_day(team_select(Lead, team_id, Lead.invited_at), Lead.invited_at, start),
        "acceptances": _per_day(team_select(Lead, team_id, Lead.connected_at), Lead.connected_at, start),
        "messages": sum((Counter(_per_day(  # finished actions move to the archive after a week
            team_select(model, team_id, model.completed_at).where(
                model.type == "message", model.status == "done"), model.completed_at, start))
            for model in (Action, ArchivedAction)), Counter()),
        "replies": _per_day(team_select(Lead, team_id, Lead.replied_at), Lead.replied_at, start),
        "postsPublished": _per_day(team_select(Post, team_id, Post.published_at), Post.published_at, start),
    }
    daily = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        daily.append({"date": day.isoformat(), **{name: series[name].get(day, 0) for name in SERIES}})
    totals = {name: sum(series[name].values()) for name in SERIES}
    totals["acceptanceRate"] = _rate(totals["acceptances"], totals["invites"])
    totals["replyRate"] = _rate(totals["replies"], totals["acceptances"])
    return {"period": period, "from": first_day.isoformat(), "to": now.date().isoformat(), "totals": totals,
            "daily": daily}


__all__ = ["FUNNEL", "PERIODS", "actions_per_day", "campaign_analytics", "funnel", "overview"]
