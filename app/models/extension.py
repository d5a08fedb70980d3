"""The LinkedIn accounts the extension acts as, and the actions it is asked to carry out."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime

ACTION_TYPES = ("invite", "message", "post", "comment", "withdraw")
# pending: waiting for its due time; leased: offered to a poller; started: the extension began it;
# unknown: started but never reported, so the extension must verify before anything else is done.
ACTION_STATUSES = ("pending", "leased", "started", "unknown", "done", "failed", "skipped", "cancelled")


class LinkedInAccount(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "linkedin_accounts"
    __table_args__ = (UniqueConstraint("team_id", "profile_url"),)

    profile_url: Mapped[str] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    extension_version: Mapped[str | None] = mapped_column(String(40))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Limits and working hours overriding the defaults.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Set when LinkedIn itself refused for a limit: invites wait until then.
    invites_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str | None] = mapped_column(String(300))


class Action(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_account_status_due", "account_id", "status", "due_at"),
        Index("ix_actions_status_lease", "status", "lease_expires_at"),
        Index("ix_actions_lead", "lead_id"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("linkedin_accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("campaigns.id", ondelete="CASCADE"))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("leads.id", ondelete="CASCADE"))
    post_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("comments.id", ondelete="CASCADE"))
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Each lease gets a fresh token; a report must carry the current one.
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    # Read-only conveniences for showing an action to the extension (ids are what the services set).
    lead = relationship("Lead", viewonly=True)
    post = relationship("Post", viewonly=True)
    comment = relationship("Comment", viewonly=True)
