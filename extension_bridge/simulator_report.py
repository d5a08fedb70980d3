"""What the simulator tells its user: why nothing is due, and a summary at the end.

Built only from what the API already answers: the heartbeat (limits left today, working now, pause),
GET /api/v1/accounts/{id} (working hours, time zone, gaps) and GET /api/v1/campaigns (statuses).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def next_working_start(now: datetime, hours: dict, timezone: str) -> datetime | None:
    """When the account's working hours next begin (aware, in its time zone), or None without working days."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    start_hour, start_minute = (int(part) for part in hours["start"].split(":"))
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        if day.weekday() not in hours["days"]:
            continue
        start = datetime(day.year, day.month, day.day, start_hour, start_minute, tzinfo=zone)
        if start > local:
            return start
    return None


def _days(days: list[int]) -> str:
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 1:
        return f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    return ",".join(DAY_NAMES[day] for day in days)


def _in(now: datetime, moment: datetime) -> str:
    minutes = max(0, round((moment - now).total_seconds() / 60))
    return f"in {minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"in {minutes} min"


def explain_idle(now: datetime, heartbeat: dict, account: dict | None, campaigns: list[dict],
                 campaign_id: str | None) -> str:
    """One line saying why a poll leased nothing, the most blocking reason first."""
    ours = next((c for c in campaigns if c.get("id") == campaign_id), None)
    if ours is not None and ours.get("status") != "active":
        return (f"campaign '{ours.get('name')}' is {ours.get('status')}: nothing is planned for it until it is active "
                f"(PATCH /api/v1/campaigns/{ours['id']} with {{\"status\": \"active\"}})")
    if campaigns and not any(c.get("status") == "active" for c in campaigns):
        return "no campaign is active: nothing is planned until one is (PATCH /api/v1/campaigns/{id} status active)"
    limits, paused = heartbeat.get("limits") or {}, heartbeat.get("paused") or {}
    effective = (account or {}).get("limits") or {}
    hours, timezone = effective.get("workingHours"), (account or {}).get("timezone") or "UTC"
    if limits.get("workingNow") is False:
        reason = "outside working hours"
        if hours:
            reason += f" ({hours['start']}-{hours['end']} {_days(hours['days'])}, {timezone})"
            opens = next_working_start(now, hours, timezone)
            if opens is not None:
                reason += f"; next actions from {opens:%a %Y-%m-%d %H:%M} {timezone} ({_in(now, opens)})"
        return reason
    if paused.get("invitesPaused") and not limits.get("messagesLeftToday"):
        return (f"invites paused until {paused.get('invitesPausedUntil')} ({paused.get('reason')}); "
                "no messages left today")
    if limits.get("invitesLeftToday") == 0 and limits.get("messagesLeftToday") == 0:
        reason = (f"today's caps reached ({limits.get('invitesPerDay')} invites, {limits.get('messagesPerDay')} "
                  "messages a day")
        if effective.get("warmupFraction") not in (None, 1, 1.0):
            reason += f", {effective['warmupFraction']:.0%} while the account warms up"
        reason += ")"
        if hours:
            opens = next_working_start(now, hours, timezone)
            if opens is not None:
                reason += f"; next actions from {opens:%a %H:%M} {timezone} ({_in(now, opens)})"
        return reason
    gap = effective.get("gapMinutes") or {}
    reason = "nothing due yet: the planner runs every minute and spaces actions"
    if gap:
        reason += f" {gap.get('min')}-{gap.get('max')} minutes apart"
    if paused.get("invitesPaused"):
        reason += f"; invites paused until {paused.get('invitesPausedUntil')} ({paused.get('reason')})"
    return reason


def summary(stats, seconds: float, pending_observations: int) -> str:
    done = ", ".join(f"{kind} {count}" for kind, count in sorted(stats.done.items())) or "none"
    line = (f"summary after {seconds:.0f} s: {stats.polls} polls, scraped {stats.scraped} leads, done: {done}; "
            f"verified {stats.verified}; observed {stats.accepted} accepted, {stats.replied} replied; "
            f"{stats.conflicts} conflicts")
    if pending_observations:
        line += f"; {pending_observations} observations not yet due"
    return line
