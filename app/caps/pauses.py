"""Pauses: when LinkedIn itself refused for a limit, the account's invites wait until the window has passed."""

from datetime import datetime, timedelta

from sqlalchemy import select

from app import metrics
from app.caps.policy import account_policy
from app.extensions import db
from app.models import LinkedInAccount

# Error codes the extension reports when LinkedIn itself refused for a limit.
LIMIT_ERRORS = ("daily_invite_limit", "weekly_invite_limit")
LINKEDIN_PAUSE_PREFIX = "LinkedIn refused an invite: "
MANUAL_PAUSE_PREFIX = "Paused by "


def invites_paused(account, now: datetime) -> bool:
    return bool(account.invites_paused_until and account.invites_paused_until > now)


def pause_invites_for_limit(account_id, error_code: str, now: datetime) -> LinkedInAccount:
    """Invites wait until the window has passed (daily: the next local midnight; weekly: seven days).

    The account row is locked first, so a daily pause written at the same time as a weekly one never
    shortens it: the later end always wins.
    """
    account = db.session.scalar(select(LinkedInAccount).where(LinkedInAccount.id == account_id)
                                .with_for_update().execution_options(populate_existing=True))
    if error_code == "weekly_invite_limit":
        until = now + timedelta(days=7)
    else:
        until = account_policy(account, now).day_window(now)[1]
    if not account.invites_paused_until or account.invites_paused_until < until:
        account.invites_paused_until = until
        account.pause_reason = LINKEDIN_PAUSE_PREFIX + error_code
        metrics.account_paused(error_code)
    return account


def pause_invites_by_person(account: LinkedInAccount, until: datetime, who: str, reason: str) -> None:
    """A person pauses the (locked) account's invites until `until`; a longer pause already in force holds."""
    if account.invites_paused_until and account.invites_paused_until > until:
        return
    account.invites_paused_until = until
    account.pause_reason = f"{MANUAL_PAUSE_PREFIX}{who}: {reason}"[:300]


def paused_by_linkedin(account, now: datetime) -> bool:
    return invites_paused(account, now) and (account.pause_reason or "").startswith(LINKEDIN_PAUSE_PREFIX)
