"""Teams, their users, and the users' API tokens."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime

PLANS = ("free", "pro", "team")
ROLES = ("owner", "admin", "member")


class Team(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    plan: Mapped[str] = mapped_column(String(20), default="free")


class User(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    team_role: Mapped[str] = mapped_column(String(20), default="member")
    # werkzeug's scrypt hash; None until the user sets a password (web sign-in refused until then).
    password_hash: Mapped[str | None] = mapped_column(String(255))

    team: Mapped[Team] = relationship(lazy="joined")


class ApiToken(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """Only the SHA-256 digest of a token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a person can tell tokens apart without the secret.
    display_prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
