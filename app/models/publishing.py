"""Scheduled LinkedIn posts and comments (drafted, approved by a person, then posted by the extension)."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime

POST_STATUSES = ("scheduled", "publishing", "published", "failed", "cancelled")
COMMENT_STATUSES = ("draft", "approved", "posting", "posted", "failed", "withdrawn")


class Post(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_team_created", "team_id", "created_at"),
        Index("ix_posts_status_scheduled", "status", "scheduled_for"),
    )

    content: Mapped[str] = mapped_column(Text)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    link_url: Mapped[str | None] = mapped_column(String(2000))
    first_comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    status_reason: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    linkedin_url: Mapped[str | None] = mapped_column(String(2000))
    # The account that publishes it; None = the team's default account (posts made through our API).
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("linkedin_accounts.id", ondelete="SET NULL"), index=True)


class Comment(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_team_created", "team_id", "created_at"),)

    # Set when the comment is a post's first comment; otherwise only post_url is known.
    post_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    post_url: Mapped[str | None] = mapped_column(String(2000))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    status_reason: Mapped[str | None] = mapped_column(String(300))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    linkedin_url: Mapped[str | None] = mapped_column(String(2000))
