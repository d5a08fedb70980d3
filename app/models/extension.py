"""The LinkedIn accounts the extension acts as, and the actions it is asked to carry out."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime

ACTION_TYPES = ("invite", "message", "post", "comment", "withdraw")
# pending: waiting for its due time; leased: offered to a poller; started: the extension began it;
# unknown: started but never reported, so the extension must verify before anything else is done.
# The actions that are not paced (app.caps.policy.PACED_ACTION_TYPES are), as SQL: the predicate of a partial index
# that leasing's query repeats word for word, so PostgreSQL can use it with any plan.
UNPACED_SQL = "type NOT IN ('invite', 'message', 'withdraw')"
LEASED_SQL = "status = 'leased'"
ACTION_STATUSES = ("pending", "leased", "started", "unknown", "done", "failed", "skipped", "cancelled")


class LinkedInAccount(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "linkedin_accounts"
    __table_args__ = (
        UniqueConstraint("team_id", "profile_url"),
        # At most one default account per team: it works campaigns that name none, and posts and comments.
        Index("ix_linkedin_accounts_one_default", "team_id", unique=True,
              postgresql_where=text("is_default"), sqlite_where=text("is_default")),
    )

    profile_url: Mapped[str] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Set when a person chose the time zone through the API: the extension's heartbeat no longer changes it.
    timezone_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    extension_version: Mapped[str | None] = mapped_column(String(40))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Limits and working hours overriding the defaults.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Set when LinkedIn itself refused for a limit: invites wait until then.
    invites_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    # No paced action (invite, message, withdrawal) is leased before this: one at a time, a gap after the last.
    paced_ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Action(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "actions"
    __table_args__ = (
        # Leasing reads an account's due actions of a status in (due_at, id) order and stops at its limit.
        Index("ix_actions_account_status_due", "account_id", "status", "due_at", "id"),
        # A poll's posts, comments and verify steps: read without walking the account's due invites and messages.
        Index("ix_actions_unpaced_due", "account_id", "status", "due_at", "id",
              postgresql_where=text(UNPACED_SQL), sqlite_where=text(UNPACED_SQL)),
        Index("ix_actions_status_lease", "status", "lease_expires_at"),
        # A poll's leases that ended unstarted: read without walking the actions the account still holds.
        Index("ix_actions_leased_until", "account_id", "lease_expires_at",
              postgresql_where=text(LEASED_SQL), sqlite_where=text(LEASED_SQL)),
        Index("ix_actions_lead", "lead_id"),
        # Caps are range reads: an account's (or a campaign's) actions of a type by due time.
        Index("ix_actions_account_type_due", "account_id", "type", "due_at"),
        Index("ix_actions_campaign_type_due", "campaign_id", "type", "due_at"),
        Index("ix_actions_post", "post_id"),
        Index("ix_actions_comment", "comment_id"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("linkedin_accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("campaigns.id", ondelete="SET NULL"))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("leads.id", ondelete="SET NULL"))
    post_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("posts.id", ondelete="SET NULL"))
    comment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("comments.id", ondelete="SET NULL"))
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


class ArchivedAction(TeamOwnedMixin, db.Model):
    """A finished action older than every cap's window, moved out of `actions` so the hot table and its indexes stay
    the size of the last days' work. Same columns; nothing here is ever counted against a cap again."""

    __tablename__ = "actions_archive"
    __table_args__ = (
        Index("ix_actions_archive_team_type_completed", "team_id", "type", "completed_at"),
        # A campaign's chart of actions per day: a range read of its own history by due time, not the team's.
        Index("ix_actions_archive_campaign_due", "campaign_id", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("linkedin_accounts.id", ondelete="CASCADE"),
                                                  index=True)
    type: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    post_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_count: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
