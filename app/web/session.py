"""Who is signed in: a server-side session row per sign-in, found from the random id in Flask's signed cookie.

The cookie (Secure outside tests and the dev server, HttpOnly, SameSite=Lax) carries `sid`, a random token; the
database keeps its SHA-256 digest. Signing in clears the cookie session and issues a new id (no session fixation);
signing out, a password change, or removing the member revokes the row. The REST API never reads this cookie:
it authenticates bearer tokens only (app/auth.py).
"""

import hashlib
import secrets
from datetime import timedelta

from flask import request, session
from sqlalchemy import select, update

from app.clock import now as clock_now
from app.extensions import db
from app.models import User, WebSession

SESSION_LIFETIME = timedelta(days=14)
SESSION_KEY = "sid"
_CACHE = "socialscalr.web_user"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(user: User) -> None:
    token = secrets.token_urlsafe(32)
    now = clock_now()
    db.session.add(WebSession(team_id=user.team_id, user_id=user.id, session_digest=_digest(token),
                              expires_at=now + SESSION_LIFETIME))
    db.session.commit()
    session.clear()  # whatever was in the cookie before (its CSRF token too) does not survive the sign-in
    session[SESSION_KEY] = token
    session.permanent = True


def sign_out() -> None:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        db.session.execute(update(WebSession).where(WebSession.session_digest == _digest(token),
                                                    WebSession.revoked_at.is_(None)).values(revoked_at=clock_now()))
        db.session.commit()
    session.clear()


def signed_in_user() -> User | None:
    """The user of this request's live session, or None (cached on the request: an app context, and its `g`,
    can outlive one request)."""
    if _CACHE in request.environ:
        return request.environ[_CACHE]
    token = session.get(SESSION_KEY)
    user = None
    if isinstance(token, str) and len(token) < 100:
        user = db.session.scalar(
            select(User).join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.session_digest == _digest(token), WebSession.revoked_at.is_(None),
                   WebSession.expires_at > clock_now())
        )
    request.environ[_CACHE] = user
    return user
