"""Stored first answers of POSTs sent with an Idempotency-Key header (kept 24 hours)."""

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin


class IdempotencyKey(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    key: Mapped[str] = mapped_column(String(255))
    # method + path + body digest: the same key with another request is refused.
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
