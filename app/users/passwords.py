"""Passwords (werkzeug's scrypt), one-time set-password links, and checking a sign-in.

A link is `/set-password/<token>`: 32 random bytes, stored as a SHA-256 digest only, valid once and for
LINK_LIFETIME. There is no mail server: the CLI prints the link, and the web app shows an invite's link to the
person who invited, to pass on.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import now as clock_now
from app.errors import ApiError
from app.extensions import db
from app.models import PasswordLink, User, WebSession

PASSWORD_MIN = 10
PASSWORD_MAX = 200  # scrypt over megabytes of "password" is a cheap way to burn our CPU
LINK_LIFETIME = timedelta(days=7)
LINK_PURPOSES = ("set-password", "invite")
# Checked when the email is unknown, so a wrong email costs as long as a wrong password (no user enumeration).
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise ApiError(400, f"password: must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise ApiError(400, f"password: must be at most {PASSWORD_MAX} characters")
    return password


def set_password(user: User, password: str) -> None:
    """Set the password (the caller commits); every web session of the user ends, on every device."""
    user.password_hash = generate_password_hash(check_new_password(password), method="scrypt")
    now = clock_now()
    db.session.execute(update(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.execute(update(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
                       .values(used_at=now))


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, else None (the same work either way)."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if user is None or user.password_hash is None or len(password) > PASSWORD_MAX:
        check_password_hash(_DUMMY_HASH, password[:PASSWORD_MAX])
        return None
    return user if check_password_hash(user.password_hash, password) else None


def issue_link(user: User, purpose: str = "set-password") -> str:
    """A new one-time link token for the user (earlier unused links end); the caller commits."""
    now = clock_now()
    db.session.execute(update(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
                       .values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordLink(team_id=user.team_id, user_id=user.id, token_digest=_digest(token), purpose=purpose,
                                expires_at=now + LINK_LIFETIME))
    return token


def link_user(token: str) -> tuple[PasswordLink, User]:
    """The live link of this token and its user, else 404 (unknown, used, or expired look the same)."""
    if not token or len(token) > 100:
        raise ApiError(404, "this link is not valid: it was used already, expired, or mistyped; ask for a new one")
    row = db.session.execute(
        select(PasswordLink, User).join(User, User.id == PasswordLink.user_id)
        .where(PasswordLink.token_digest == _digest(token), PasswordLink.used_at.is_(None),
               PasswordLink.expires_at > clock_now())
    ).first()
    if row is None:
        raise ApiError(404, "this link is not valid: it was used already, expired, or mistyped; ask for a new one")
    return row[0], row[1]


def use_link(token: str, password: str) -> User:
    """Set the password through a one-time link (which ends); the caller commits."""
    link, user = link_user(token)
    set_password(user, password)
    link.used_at = clock_now()
    return user


def user_by_id(user_id: uuid.UUID) -> User | None:
    return db.session.get(User, user_id)
