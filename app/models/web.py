"""Web sign-in: server-side sessions (the cookie carries only a random id) and one-time set-password links."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime


class WebSession(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """One sign-in. The cookie holds a random id whose SHA-256 digest is stored here: a new id at every sign-in
    (no session fixation), and signing out revokes the row, so a copied cookie stops working at once."""

    __tablename__ = "web_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordLink(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """A one-time link to set a password (a new user from the CLI, or a teammate invited from the web app).
    Only the digest of its token is stored; using it, or a newer link for the same user, ends it."""

    __tablename__ = "password_links"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "set-password" | "invite"
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
