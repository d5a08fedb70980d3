"""What an account may still do today, as the heartbeat shows it.

The rules themselves (defaults, warm-up, campaign caps, working hours) live in the
engine's policy; this module only shapes them for the extension, so there is one copy.
"""

from datetime import datetime

from app.common.fields import utc_iso


def remaining_today(account, now: datetime) -> dict:
    """Today's remaining invites and messages in the account's time zone, and its caps."""
    from app.engine.counts import remaining_capacity
    from app.engine.policy import account_policy

    policy = account_policy(account, now)
    left = remaining_capacity(account, policy, now)
    return {
        "invitesLeftToday": left["invites"],
        "messagesLeftToday": left["messages"],
        "invitesPerDay": policy.invites_per_day,
        "invitesPerWeek": policy.invites_per_week,
        "messagesPerDay": policy.messages_per_day,
        "workingNow": policy.is_working_time(now),
    }


def invites_paused(account, now: datetime) -> bool:
    return bool(account.invites_paused_until and account.invites_paused_until > now)


def pause_state(account, now: datetime) -> dict:
    paused = invites_paused(account, now)
    return {
        "invitesPaused": paused,
        "invitesPausedUntil": utc_iso(account.invites_paused_until) if paused else None,
        "reason": account.pause_reason if paused else None,
    }


def effective_limits(policy) -> dict:
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
