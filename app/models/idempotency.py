"""Stored first answers of POSTs sent with an Idempotency-Key header (kept 24 hours), per user."""

import uuid

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin


class IdempotencyKey(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "idempotency_keys"
    # Per user: a teammate's key is another key, so nobody is ever replayed someone else's answer.
    __table_args__ = (UniqueConstraint("team_id", "user_id", "key"),
                      db.Index("ix_idempotency_keys_created_at", "created_at"))

    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # method + path + body digest: the same key with another request is refused.
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    # The answer held a secret (an API token, a webhook secret): it was shown once and is not kept for replays.
    answer_withheld: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
