"""Campaigns and their leads: who to contact, with which templates, and how far each lead got."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime

CAMPAIGN_STATUSES = ("draft", "active", "paused", "completed", "archived")
LEAD_STATUSES = ("new", "queued", "invited", "connected", "messaged", "replied", "skipped", "failed")


class Campaign(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_team_created", "team_id", "created_at"),)

    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    search_url: Mapped[str | None] = mapped_column(String(2000))
    targeting: Mapped[dict] = mapped_column(JSON, default=dict)
    templates: Mapped[dict] = mapped_column(JSON, default=dict)
    # Per-campaign limits and pacing (the engine reads them; the API shows them).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class Lead(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "leads"
    __table_args__ = (
        # One person is one lead per campaign: profile_url is stored normalised.
        UniqueConstraint("campaign_id", "profile_url"),
        Index("ix_leads_campaign_status", "campaign_id", "status"),
        # CRM sync pages through (updated_at, id).
        Index("ix_leads_team_updated", "team_id", "updated_at", "id"),
        # The planner reads only leads whose next step is due.
        Index("ix_leads_status_next_step", "status", "next_step_at"),
        Index("ix_leads_team_profile", "team_id", "profile_url"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    profile_url: Mapped[str] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(300))
    company: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="new")
    # Why a lead was skipped or failed, shown by the API.
    status_reason: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    custom_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_messaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Engine bookkeeping: when the next step is due, and how many messages of the sequence went out.
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    messages_sent: Mapped[int] = mapped_column(Integer, default=0)
