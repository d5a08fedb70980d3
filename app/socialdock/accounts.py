"""Connected accounts of a workspace.

Connecting starts with a short-lived connect token (`tok_...`, shown once, stored as a digest). With a test key the
sandbox account exists at once; with a live key, LinkedIn's connect page lets a person pick one of the accounts our
extension registered for the team (app/models LinkedInAccount) or, when LinkedIn's app is configured, sign in with
LinkedIn; the other platforms connect through their own OAuth (Telegram: a bot token and a code posted in the
chat), app/socialdock/connections.py; a platform whose app is not configured answers 400 naming the settings.
Disconnecting withdraws the account's scheduled targets: each ends `failed` with the reason and `post_failed` fires.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockAccount, DockConnectToken, DockTarget, LinkedInAccount
from app.scoping import team_select
from app.socialdock import connections, targets
from app.socialdock.errors import DockError, bad_request, not_found
from app.socialdock.ids import parse_id
from app.socialdock.keys import DockCaller
from app.socialdock.platforms import publisher_for

CONNECT_TOKEN_LIFETIME = timedelta(minutes=30)
EXTENSION_PLATFORM = "linkedin"  # live LinkedIn also connects through our extension, without any app configured


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_connect(caller: DockCaller, platform: str, redirect_url: str | None) -> tuple[DockConnectToken, str]:
    """A connect token for this platform (the caller commits); with a test key the sandbox account is connected now."""
    if caller.mode == "live" and platform != EXTENSION_PLATFORM:
        connections.configured(platform)  # 400 naming the missing settings
    now = clock_now()
    token = "tok_" + secrets.token_urlsafe(24)
    row = DockConnectToken(team_id=caller.team_id, token_digest=_digest(token), mode=caller.mode, platform=platform,
                           redirect_url=redirect_url, expires_at=now + CONNECT_TOKEN_LIFETIME)
    if caller.mode == "test":
        suffix = secrets.token_hex(3)
        account = DockAccount(team_id=caller.team_id, mode="test", platform=platform,
                              username=f"@sandbox_{platform}_{suffix}", display_name=f"Sandbox {platform.title()}",
                              status="active", connected_at=now, metrics={})
        db.session.add(account)
        db.session.flush()
        row.account_id, row.used_at = account.id, now
    db.session.add(row)
    db.session.flush()
    return row, token


def connect_token(token: str) -> DockConnectToken | None:
    """The connect token, while it is valid (not expired; a used one only to show where it led)."""
    if not isinstance(token, str) or not token.startswith("tok_") or len(token) > 100:
        return None
    row = db.session.scalar(select(DockConnectToken).where(DockConnectToken.token_digest == _digest(token)))
    if row is None or row.expires_at <= clock_now():
        return None
    return row


def extension_accounts(team_id) -> list[LinkedInAccount]:
    return list(db.session.scalars(team_select(LinkedInAccount, team_id).order_by(LinkedInAccount.created_at)))


def link_linkedin(row: DockConnectToken, linkedin_account_id: str) -> DockAccount:
    """Connect one of the team's extension accounts through a live LinkedIn connect token (the caller commits)."""
    if row.used_at is not None:
        raise bad_request("token: this connect link was used already; start a new connection")
    chosen = None
    for account in extension_accounts(row.team_id):
        if str(account.id) == linkedin_account_id:
            chosen = account
    if chosen is None:
        raise bad_request("linkedin_account_id: not one of this workspace's extension accounts")
    now = clock_now()
    account = db.session.scalar(team_select(DockAccount, row.team_id).where(
        DockAccount.mode == "live", DockAccount.linkedin_account_id == chosen.id))
    if account is None:
        account = DockAccount(team_id=row.team_id, mode="live", platform="linkedin", linkedin_account_id=chosen.id,
                              metrics={}, connected_at=now)
        db.session.add(account)
    account.username = chosen.profile_url.rstrip("/").rsplit("/", 1)[-1]
    account.display_name = chosen.name or account.username
    account.status, account.status_reason, account.connected_at, account.disconnected_at = "active", None, now, None
    db.session.flush()
    row.account_id, row.used_at = account.id, now
    return account


def _of_caller(caller: DockCaller):
    return team_select(DockAccount, caller.team_id).where(DockAccount.mode == caller.mode)


def list_accounts(caller: DockCaller) -> list[DockAccount]:
    return list(db.session.scalars(
        _of_caller(caller).where(DockAccount.status == "active").order_by(DockAccount.connected_at, DockAccount.id)))


def account_status(caller: DockCaller, platform: str | None) -> dict:
    statement = _of_caller(caller).order_by(DockAccount.connected_at, DockAccount.id)
    if platform:
        statement = statement.where(DockAccount.platform == platform)
    connected = db.session.scalars(
        _of_caller(caller).with_only_columns(DockAccount.platform).where(DockAccount.status == "active").distinct()
    ).all()
    return {"accounts": list(db.session.scalars(statement)), "connected_platforms": sorted(connected)}


def get_account(caller: DockCaller, public_id, active_only: bool = True, for_update: bool = False) -> DockAccount:
    key = parse_id("account", public_id)
    statement = _of_caller(caller).where(DockAccount.id == key)
    if for_update:
        statement = statement.with_for_update()
    account = db.session.scalar(statement) if key else None
    if account is None or (active_only and account.status != "active"):
        raise not_found("account", public_id)
    return account


def disconnect(caller: DockCaller, public_id) -> dict:
    """Disconnect; its scheduled targets end failed ("account disconnected") with post_failed (the caller commits).
    Targets already being published are left to finish and counted in the answer."""
    account = get_account(caller, public_id, for_update=True)
    now = clock_now()
    account.status, account.status_reason, account.disconnected_at = "disconnected", "disconnected through the API", now
    account.updated_at = now
    withdrawn = publishing = 0
    for target in db.session.scalars(
        team_select(DockTarget, caller.team_id).where(DockTarget.account_id == account.id,
                                                      DockTarget.status.in_(targets.OPEN_STATUSES))
        .with_for_update()
    ).all():
        publisher = publisher_for(caller.mode, target.platform)
        if publisher is not None and publisher.withdraw(target, "account disconnected: the target was withdrawn", now):
            withdrawn += 1
        else:
            publishing += 1
    db.session.flush()
    return {"success": True, "withdrawn_targets": withdrawn, "still_publishing": publishing}


def active_account_for(caller: DockCaller, index: int, platform: str, public_id: str) -> DockAccount:
    """A target's account: this workspace's, of this key's mode, connected, on that platform (400 naming it)."""
    key = parse_id("account", public_id)
    account = db.session.scalar(_of_caller(caller).where(DockAccount.id == key)) if key else None
    if account is None or account.status != "active":
        raise DockError(404, "Account not found", f"targets[{index}].account_id: no connected account with id "
                                                  f"{str(public_id)[:80]} exists in this workspace.")
    if account.platform != platform:
        raise bad_request(f"targets[{index}].platform: account {public_id} is a {account.platform} account, "
                          f"not {platform}")
    if account.mode == "live" and platform == "linkedin" and account.linkedin_account_id is None \
            and account.platform_account_id is None:
        raise bad_request(f"targets[{index}].account_id: its extension account no longer exists; connect the "
                          "LinkedIn account again")
    return account

