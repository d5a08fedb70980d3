"""The team's LinkedIn accounts: registered by the extension's heartbeat, paused on LinkedIn's refusals,
listed and configured (time zone, limits, working hours) through the REST API.

The extension names the account it acts as on every call after the heartbeat: the
`X-LinkedIn-Account` header (or an `accountId` query parameter) carries the id the
heartbeat answered. A team with a single account may leave it out.
"""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from app.caps.pauses import invites_paused, pause_invites_by_person, paused_by_linkedin
from app.caps.policy import DEFAULT_GAP_MINUTES, DEFAULT_WORKING_HOURS, account_policy
from app.caps.usage import effective_limits, remaining_capacity, used_today_and_week
from app.engine.assignment import default_account_id, make_default
from app.engine.withdrawals import withdraw_account_actions
from app.errors import ApiError
from app.extensions import db
from app.leads.service import normalize_profile_url
from app.models import LinkedInAccount
from app.scoping import get_for_team, get_plain_for_team, read_plain, team_select

ACCOUNT_HEADER = "X-LinkedIn-Account"


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name such as 'America'
        raise ApiError(400, f"timezone: unknown time zone '{name[:64]}' (use an IANA name like Europe/Paris)") from None
    return name


def register_from_heartbeat(team_id: uuid.UUID, profile_url: str, name: str | None, timezone: str | None,
                            extension_version: str | None, now: datetime) -> LinkedInAccount:
    """Create or update the team's account with this profile URL; the caller commits.

    The team's first account becomes its default. A time zone the heartbeat brings replaces the stored one
    unless a person chose one through the API; a change withdraws the account's paced actions, which the
    next tick plans again in the new zone."""
    try:
        url = normalize_profile_url(profile_url)
    except ApiError as error:
        raise ApiError(400, "linkedinAccount.profileUrl: " + error.message.split(": ", 1)[-1]) from None
    zone = check_timezone(timezone) if timezone else None
    account = _find(team_id, url)
    if account is None:
        try:
            with db.session.begin_nested():
                account = LinkedInAccount(team_id=team_id, profile_url=url, timezone=zone or "UTC", settings={},
                                          is_default=default_account_id(team_id) is None,
                                          created_at=now, updated_at=now)
                db.session.add(account)
        except IntegrityError:  # a concurrent heartbeat registered it (or the team's default) first
            account = _find(team_id, url)
            if account is None:
                return register_from_heartbeat(team_id, profile_url, name, timezone, extension_version, now)
    if name:
        account.name = name
    if zone and zone != account.timezone and not account.timezone_chosen:
        account.timezone = zone
        withdraw_account_actions(account.id, now, "the account's time zone changed")
    if extension_version:
        account.extension_version = extension_version
    account.last_seen_at = now
    db.session.flush()
    return account


def _find(team_id, url: str) -> LinkedInAccount | None:
    return db.session.scalar(team_select(LinkedInAccount, team_id).where(LinkedInAccount.profile_url == url))


def account_for_request(team_id: uuid.UUID, account_id: str | None, plain: bool = False,
                        connection=None) -> LinkedInAccount:
    """The account the extension says it acts as (404 for another team's), or the team's only account.
    `plain`: a plain row of its columns instead of an ORM object, for a caller that only reads it (a poll), read on
    `connection` (an autocommit connection the caller holds) when given."""
    if account_id:
        if plain:
            return get_plain_for_team(LinkedInAccount, team_id, account_id, what="linkedin account",
                                      connection=connection)
        return get_for_team(LinkedInAccount, team_id, account_id, what="linkedin account")
    if plain:
        columns = LinkedInAccount.__table__.c
        accounts = read_plain(team_select(LinkedInAccount, team_id, *columns).limit(2), all_rows=True,
                              connection=connection)
    else:
        accounts = db.session.scalars(team_select(LinkedInAccount, team_id).limit(2)).all()
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise ApiError(409, "no LinkedIn account registered for this team: send POST /api/v1/extension/heartbeat first")
    raise ApiError(400, f"{ACCOUNT_HEADER}: required when the team has several LinkedIn accounts "
                        "(send the accountId the heartbeat answered)")


LIST_LIMIT = 200
# Settings holding an object: a PATCH merges their keys too ({"workingHours": {"end": "17:00"}} keeps start, days).
NESTED_SETTINGS = ("workingHours", "gapMinutes")


def _describe(account: LinkedInAccount, now: datetime) -> LinkedInAccount:
    """Attach what the API shows beyond the columns: effective limits, what is left today, the pause, isDefault."""
    policy = account_policy(account, now)
    account.limits = effective_limits(policy)
    account.limits_left_today = remaining_capacity(account, policy, now)
    paused = invites_paused(account, now)
    account.paused_until = account.invites_paused_until if paused else None
    account.paused_reason = account.pause_reason if paused else None
    account.used = used_today_and_week(account.id, policy, now)
    return account


def list_accounts(team_id: uuid.UUID, now: datetime) -> list[LinkedInAccount]:
    """The team's accounts, oldest first, each with its limits now."""
    accounts = db.session.scalars(
        team_select(LinkedInAccount, team_id).order_by(LinkedInAccount.created_at, LinkedInAccount.id)
        .limit(LIST_LIMIT)
    ).all()
    return [_describe(account, now) for account in accounts]


def get_account(team_id: uuid.UUID, account_id, now: datetime) -> LinkedInAccount:
    return _describe(get_for_team(LinkedInAccount, team_id, account_id, what="linkedin account"), now)


def update_account(team_id: uuid.UUID, account_id, changes: dict, now: datetime) -> LinkedInAccount:
    """Change the time zone (a person's choice: heartbeats no longer change it), merge settings, or make it the
    team's default account. When the rules change, the account's invites, messages and withdrawals not yet
    started are withdrawn so the next tick plans them under the new ones. A pause holds whatever changes."""
    account = get_for_team(LinkedInAccount, team_id, account_id, what="linkedin account", for_update=True)
    before = (account.timezone, account.settings or {})
    if "timezone" in changes:
        account.timezone = check_timezone(changes["timezone"])
        account.timezone_chosen = True
    if "settings" in changes:
        account.settings = merge_settings(account.settings or {}, changes["settings"])
    if changes.get("isDefault") is True and not account.is_default:
        make_default(account)
    elif changes.get("isDefault") is False and account.is_default:
        raise ApiError(400, "isDefault: a team always has a default account; make another account the default")
    if (account.timezone, account.settings or {}) != before:
        withdraw_account_actions(account.id, now)
    db.session.flush()
    return _describe(account, now)


# "Until I resume" is stored as a pause this long: the column keeps meaning "invites wait until then".
INDEFINITE_PAUSE = timedelta(days=3650)
PAUSE_MAX = timedelta(days=365)


def pause_invites(team_id: uuid.UUID, account_id, until: datetime | None, who: str, reason: str | None,
                  now: datetime) -> LinkedInAccount:
    """A person stops the account's invites (until a time, or until resumed). Invites planned and not started are
    withdrawn; leasing offers none while the pause holds (`app.actions.service.lease_actions`)."""
    account = get_for_team(LinkedInAccount, team_id, account_id, what="linkedin account", for_update=True)
    if until is not None and not now < until <= now + PAUSE_MAX:
        raise ApiError(400, "until: must be in the future and within a year (or leave it empty: until resumed)")
    pause_invites_by_person(account, until or now + INDEFINITE_PAUSE, who, (reason or "no reason given").strip())
    withdraw_account_actions(account.id, now, "the account's invites were paused")
    db.session.flush()
    return _describe(account, now)


def resume_invites(team_id: uuid.UUID, account_id, now: datetime) -> LinkedInAccount:
    """End a person's pause at once. A pause LinkedIn imposed (it refused for a limit) is not ended early."""
    account = get_for_team(LinkedInAccount, team_id, account_id, what="linkedin account", for_update=True)
    if paused_by_linkedin(account, now):
        raise ApiError(409, "LinkedIn refused an invite for a limit: invites resume by themselves when the window "
                            "has passed; resuming earlier risks a restriction of the LinkedIn account")
    account.invites_paused_until = account.pause_reason = None
    db.session.flush()
    return _describe(account, now)


def merge_settings(stored: dict, given: dict | None) -> dict:
    """`given` (validated by the schema) merged into `stored`; None resets to the defaults. Checks what needs
    both old and new values: working hours end after they start, and the gap's min is at most its max."""
    if given is None:
        return {}
    merged = dict(stored)
    for key, value in given.items():
        if key in NESTED_SETTINGS:
            current = stored.get(key) if isinstance(stored.get(key), dict) else {}
            value = {**current, **value}
        merged[key] = value
    if "workingHours" in given:
        hours = {**DEFAULT_WORKING_HOURS, **merged["workingHours"]}
        if _clock_time(hours, "end") <= _clock_time(hours, "start"):
            named = "end" if "end" in given["workingHours"] else "start"
            other = "start" if named == "end" else "end"
            relation = "after" if named == "end" else "before"
            raise ApiError(400, f"settings.workingHours.{named}: must be {relation} {other} ({hours[other]})")
    if "gapMinutes" in given:
        gap = {"min": DEFAULT_GAP_MINUTES[0], "max": DEFAULT_GAP_MINUTES[1], **merged["gapMinutes"]}
        if gap["min"] > gap["max"]:
            if "max" in given["gapMinutes"]:
                raise ApiError(400, f"settings.gapMinutes.max: must be at least min ({gap['min']})")
            raise ApiError(400, f"settings.gapMinutes.min: must be at most max ({gap['max']})")
    return merged


def _clock_time(hours: dict, key: str) -> time:
    try:
        return time.fromisoformat(hours[key])
    except (TypeError, ValueError):  # stored by other means than this API: the policy uses the default then
        return time.fromisoformat(DEFAULT_WORKING_HOURS[key])
