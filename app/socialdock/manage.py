"""What the web app's Settings does with SocialDock: the workspace's keys (list, create, renew, revoke one) and its
plan, each checked against the acting person's role (`app.users.roles`). The caller commits.

The CLI acts for a user by email and works on all of that user's keys (`keys.renew_keys` / `revoke_keys`); a
person in Settings works on one key of their workspace at a time, whoever created it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.errors import ApiError
from app.extensions import db
from app.models import DockKey, User
from app.models.types import utcnow
from app.scoping import get_for_team, team_select
from app.socialdock.keys import KEY_LIFETIME, PLAN_LIMITS, issue_key, set_plan, workspace_plan
from app.users import roles

# A workspace rarely has more than a handful; the page lists the newest this many.
MAX_LISTED = 100


@dataclass(frozen=True, slots=True)
class KeyView:
    id: uuid.UUID
    display_prefix: str
    mode: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str  # active | expired | revoked


def _status(key: DockKey, now: datetime) -> str:
    if key.revoked_at is not None:
        return "revoked"
    return "expired" if key.expires_at <= now else "active"


def list_keys(team_id: uuid.UUID) -> list[KeyView]:
    """The workspace's keys, newest first, revoked ones too (so a person sees what stopped working and when)."""
    now = utcnow()
    rows = db.session.execute(
        team_select(DockKey, team_id, DockKey, User.full_name).join(User, User.id == DockKey.user_id)
        .order_by(DockKey.created_at.desc(), DockKey.id).limit(MAX_LISTED)
    ).all()
    return [KeyView(key.id, key.display_prefix, key.mode, creator, key.created_at, key.expires_at,
                    key.last_used_at, key.revoked_at, _status(key, now)) for key, creator in rows]


def plan_of(team_id: uuid.UUID) -> tuple[str, int]:
    """The workspace's SocialDock plan and its requests a minute (0: no API access)."""
    plan = workspace_plan(team_id)
    return plan, PLAN_LIMITS[plan]


def create_key(actor: User, mode: str) -> tuple[DockKey, str]:
    """A new key of the actor's workspace; the key itself is returned only now."""
    roles.require(actor.team_role, "manage_dock_keys", "create SocialDock keys")
    return issue_key(actor, mode)


def _key(actor: User, key_id, doing: str) -> DockKey:
    roles.require(actor.team_role, "manage_dock_keys", doing)
    return get_for_team(DockKey, actor.team_id, key_id, "SocialDock key", for_update=True)


def renew_key(actor: User, key_id) -> DockKey:
    """The key is valid for KEY_LIFETIME from now (an expired one works again); a revoked one stays revoked."""
    key = _key(actor, key_id, "renew SocialDock keys")
    if key.revoked_at is not None:
        raise ApiError(409, "key: this key was revoked and cannot be renewed; create a new one")
    now = utcnow()
    key.expires_at, key.updated_at = now + KEY_LIFETIME, now
    return key


def revoke_key(actor: User, key_id) -> DockKey:
    """The key stops working at once (revoking a revoked key changes nothing)."""
    key = _key(actor, key_id, "revoke SocialDock keys")
    if key.revoked_at is None:
        key.revoked_at = key.updated_at = utcnow()
    return key


def change_plan(actor: User, plan: str) -> None:
    roles.require(actor.team_role, "change_plan", "change the SocialDock plan")
    set_plan(actor.team_id, plan)
