"""Registering the team's LinkedIn accounts from the extension's heartbeat, and pausing them on LinkedIn's refusals.

The extension names the account it acts as on every call after the heartbeat: the
`X-LinkedIn-Account` header (or an `accountId` query parameter) carries the id the
heartbeat answered. A team with a single account may leave it out.
"""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from app.errors import ApiError
from app.extensions import db
from app.models import LinkedInAccount
from app.scoping import get_for_team, team_select

ACCOUNT_HEADER = "X-LinkedIn-Account"
# Error codes the extension reports when LinkedIn itself refused for a limit -> how long invites wait.
LIMIT_ERRORS = ("daily_invite_limit", "weekly_invite_limit")


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, f"timezone: unknown time zone '{name[:64]}' (use an IANA name like Europe/Paris)") from None
    return name


def register_from_heartbeat(team_id: uuid.UUID, profile_url: str, name: str | None, timezone: str | None,
                            extension_version: str | None, now: datetime) -> LinkedInAccount:
    """Create or update the team's account with this profile URL; the caller commits."""
    from app.leads.service import normalize_profile_url

    try:
        url = normalize_profile_url(profile_url)
    except ApiError as error:
        raise ApiError(400, "linkedinAccount.profileUrl: " + error.message.split(": ", 1)[-1]) from None
    zone = check_timezone(timezone) if timezone else None
    account = _find(team_id, url)
    if account is None:
        try:
            with db.session.begin_nested():
                account = LinkedInAccount(team_id=team_id, profile_url=url, timezone=zone or "UTC", settings={})
                db.session.add(account)
        except IntegrityError:  # a concurrent heartbeat registered it first
            account = _find(team_id, url)
    if name:
        account.name = name
    if zone:
        account.timezone = zone
    if extension_version:
        account.extension_version = extension_version
    account.last_seen_at = now
    db.session.flush()
    return account


def _find(team_id, url: str) -> LinkedInAccount | None:
    return db.session.scalar(team_select(LinkedInAccount, team_id).where(LinkedInAccount.profile_url == url))


def account_for_request(team_id: uuid.UUID, account_id: str | None) -> LinkedInAccount:
    """The account the extension says it acts as (404 for another team's), or the team's only account."""
    if account_id:
        return get_for_team(LinkedInAccount, team_id, account_id, what="linkedin account")
    accounts = db.session.scalars(team_select(LinkedInAccount, team_id).limit(2)).all()
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise ApiError(409, "no LinkedIn account registered for this team: send POST /api/v1/extension/heartbeat first")
    raise ApiError(400, f"{ACCOUNT_HEADER}: required when the team has several LinkedIn accounts "
                        "(send the accountId the heartbeat answered)")


def pause_invites_for_limit(account: LinkedInAccount, error_code: str, now: datetime) -> None:
    """LinkedIn refused an invite for a limit: invites wait until the window has passed (daily: the next
    local midnight; weekly: seven days)."""
    from app.engine.policy import account_policy

    if error_code == "weekly_invite_limit":
        until = now + timedelta(days=7)
    else:
        until = account_policy(account, now).day_window(now)[1]
    if not account.invites_paused_until or account.invites_paused_until < until:
        account.invites_paused_until = until
    account.pause_reason = f"LinkedIn refused an invite: {error_code}"
