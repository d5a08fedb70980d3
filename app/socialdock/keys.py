"""SocialDock API keys: `sd_live_` / `sd_test_` + 32 URL-safe random characters, stored as a SHA-256 digest only
(like our tokens, app/tokens.py), valid for KEY_LIFETIME and renewable; and the workspace's plan.

A `sd_test_` key works the sandbox: what it creates is marked `test` and never reaches a platform.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import ApiError
from app.extensions import db
from app.models import DOCK_PLANS, DockKey, DockWorkspace, User
from app.models.types import utcnow

KEY_LIFETIME = timedelta(days=30)
KEY_PREFIXES = {"live": "sd_live_", "test": "sd_test_"}
KEY_PATTERN = re.compile(r"^sd_(live|test)_[A-Za-z0-9_-]{32}$")
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Requests per minute per workspace; FREE has no API access.
PLAN_LIMITS = {"free": 0, "build": 100, "accelerate": 500, "unlimited": 1000}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class DockCaller:
    key_id: uuid.UUID
    user_id: uuid.UUID
    team_id: uuid.UUID
    mode: str  # live | test
    plan: str

    @property
    def audience(self) -> str:
        """Whose webhooks hear what this key does (app.models.webhooks.AUDIENCES)."""
        return f"socialdock:{self.mode}"


def issue_key(user: User, mode: str = "live") -> tuple[DockKey, str]:
    """A new key for the user's workspace (the caller commits); the key is returned only now."""
    if mode not in KEY_PREFIXES:
        raise ApiError(400, "mode: must be live or test")
    key = KEY_PREFIXES[mode] + secrets.token_urlsafe(24)
    row = DockKey(team_id=user.team_id, user_id=user.id, key_digest=digest(key), display_prefix=key[:12],
                  mode=mode, expires_at=utcnow() + KEY_LIFETIME)
    db.session.add(row)
    db.session.flush()
    return row, key


def renew_keys(user: User) -> int:
    """Every key of the user not revoked is valid for KEY_LIFETIME from now (an expired one works again)."""
    return db.session.execute(
        update(DockKey).where(DockKey.user_id == user.id, DockKey.revoked_at.is_(None))
        .values(expires_at=utcnow() + KEY_LIFETIME, updated_at=utcnow())
    ).rowcount


def revoke_keys(user: User) -> int:
    now = utcnow()
    return db.session.execute(
        update(DockKey).where(DockKey.user_id == user.id, DockKey.revoked_at.is_(None))
        .values(revoked_at=now, updated_at=now)
    ).rowcount


def workspace_plan(team_id: uuid.UUID) -> str:
    return db.session.scalar(select(DockWorkspace.plan).where(DockWorkspace.team_id == team_id)) or "free"


def set_plan(team_id: uuid.UUID, plan: str) -> None:
    """The workspace's plan (the caller commits)."""
    if plan not in DOCK_PLANS:
        raise ApiError(400, f"plan: must be one of {', '.join(DOCK_PLANS)}")
    workspace = db.session.scalar(select(DockWorkspace).where(DockWorkspace.team_id == team_id).with_for_update())
    if workspace is None:
        try:
            with db.session.begin_nested():
                db.session.add(DockWorkspace(team_id=team_id, plan=plan))
            return
        except IntegrityError:  # created concurrently: change that one
            workspace = db.session.scalar(select(DockWorkspace).where(DockWorkspace.team_id == team_id))
    workspace.plan, workspace.updated_at = plan, utcnow()


_LOOKUP = (
    select(DockKey.id, DockKey.user_id, DockKey.team_id, DockKey.mode, DockWorkspace.plan, DockKey.expires_at,
           DockKey.last_used_at)
    .outerjoin(DockWorkspace, DockWorkspace.team_id == DockKey.team_id)
    .where(DockKey.key_digest == bindparam("digest"), DockKey.revoked_at.is_(None))
)


class KeyRefused(Exception):
    """The key cannot be used; the message says why (shown as the 401's details)."""


def resolve_key(key: str) -> DockCaller:
    """The caller of a live key; raises KeyRefused for a malformed, unknown, revoked or expired one."""
    if not KEY_PATTERN.match(key):
        raise KeyRefused("The provided API key is invalid or has been revoked.")
    row = db.session.execute(_LOOKUP, {"digest": digest(key)}).first()
    if row is None:
        db.session.rollback()
        raise KeyRefused("The provided API key is invalid or has been revoked.")
    key_id, user_id, team_id, mode, plan, expires_at, last_used_at = row
    now = utcnow()
    if expires_at <= now:
        db.session.rollback()
        raise KeyRefused("The provided API key has expired; renew it from Dashboard → Settings → API.")
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        db.session.execute(update(DockKey).where(DockKey.id == key_id).values(last_used_at=now))
    db.session.commit()
    return DockCaller(key_id, user_id, team_id, mode, plan or "free")
