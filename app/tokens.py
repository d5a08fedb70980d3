"""API tokens: `ss_` + 32 URL-safe random characters, stored as a SHA-256 digest only.

The tokens carry 192 bits of randomness, so a fast digest is enough (no password
hashing needed) and lets the lookup use a unique index.
"""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import ApiToken, User
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


def resolve_token(token: str) -> ApiToken | None:
    """The live token record for a presented token, or None (malformed, unknown or revoked)."""
    if not TOKEN_PATTERN.match(token):
        return None
    presented = digest(token)
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_digest == presented))
    if record is None or record.revoked_at is not None:
        return None
    if not hmac.compare_digest(record.token_digest, presented):
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        record.last_used_at = now
        db.session.commit()
    return record
