"""API tokens: `ss_` + 32 URL-safe random characters, stored as a SHA-256 digest only.

The tokens carry 192 bits of randomness, so a fast digest is enough (no password
hashing needed) and lets the lookup use a unique index.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import ApiToken, Team, User
from app.models.types import utcnow

TOKEN_PREFIX = "ss_"
TOKEN_PATTERN = re.compile(r"^ss_[A-Za-z0-9_-]{24,128}$")
# Writing last_used_at on every request would make every read a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """Create a token for the user (in the caller's transaction) and return it: the only time it exists."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    db.session.add(
        ApiToken(team_id=user.team_id, user_id=user.id, token_digest=digest(token), display_prefix=token[:7])
    )
    return token


def rotate_token(user: User) -> str:
    """Revoke every live token of the user and issue a new one."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return issue_token(user)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, read in the same lookup as the token: enough for auth, the rate limit and /me.

    Not the ORM User: a handler that needs more loads the row (`db.session.get(User, caller.id)`).
    """

    token_id: uuid.UUID
    id: uuid.UUID  # the user's id
    team_id: uuid.UUID
    email: str
    full_name: str
    team_role: str
    plan: str


# One indexed lookup (the unique index on token_digest) for the token, its user and the team's plan.
_LOOKUP = (
    select(ApiToken.id, User.id, User.team_id, User.email, User.full_name, User.team_role, Team.plan,
           ApiToken.last_used_at)
    .join(User, User.id == ApiToken.user_id)
    .join(Team, Team.id == User.team_id)
    .where(ApiToken.token_digest == bindparam("digest"), ApiToken.revoked_at.is_(None))
)


def lookup_caller(token_digest: str) -> tuple[Caller, object] | None:
    """The caller of a live token and when it was last used, or None (unknown or revoked): one indexed read."""
    row = _lookup(token_digest)
    if row is None:
        return None
    *identity, last_used_at = row
    return Caller(*identity), last_used_at


def touch_if_stale(token_id: uuid.UUID, last_used_at, now: datetime | None = None) -> object:
    """Record the token's use (at `now`, default the clock) at most once a minute; answers the last-used time
    now on record."""
    now = now or utcnow()
    if last_used_at is not None and now - last_used_at <= LAST_USED_RESOLUTION:
        return last_used_at
    # Conditional, so that workers racing on the same minute write it once. Bookkeeping, not a change of
    # identity: app.identity_cache does not forget remembered callers for it.
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now)
        .execution_options(identity_bookkeeping=True)
    )
    db.session.commit()
    return now


def _lookup(token_digest: str):
    # Autocommit: one statement, no BEGIN/ROLLBACK round trips. A pooled connection that died moments ago
    # (app.pool_ping skips pinging those) fails once: SQLAlchemy then refreshes the pool and we ask again.
    for attempt in (1, 2):
        try:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                return connection.execute(_LOOKUP, {"digest": token_digest}).first()
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
