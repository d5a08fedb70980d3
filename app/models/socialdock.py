"""SocialDock: API keys of a workspace (our team), its connected accounts, posts with one target per account,
media fetched by URL, and short-lived connect tokens.

Every row carries `team_id` and `mode` where a key's mode matters: `live` rows are made with `sd_live_` keys,
`test` rows with `sd_test_` keys (the sandbox). A key sees only rows of its own mode.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime

DOCK_PLANS = ("free", "build", "accelerate", "unlimited")
DOCK_MODES = ("live", "test")
DOCK_PLATFORMS = ("facebook", "instagram", "linkedin", "threads", "tiktok", "reddit", "telegram", "youtube")
TARGET_STATUSES = ("scheduled", "publishing", "published", "failed")


class DockWorkspace(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """The SocialDock side of a team: its plan (a team without a row is on FREE)."""

    __tablename__ = "dock_workspaces"
    __table_args__ = (UniqueConstraint("team_id"),)

    plan: Mapped[str] = mapped_column(String(20), default="free")


class DockKey(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """Only the SHA-256 digest of a key is stored; the key itself is shown once."""

    __tablename__ = "dock_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    display_prefix: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DockAccount(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """A connected platform account. A live LinkedIn one is one of the extension's LinkedIn accounts."""

    __tablename__ = "dock_accounts"
    __table_args__ = (Index("ix_dock_accounts_team_mode", "team_id", "mode", "platform"),
                      Index("ix_dock_accounts_platform_account", "team_id", "mode", "platform", "platform_account_id"))

    mode: Mapped[str] = mapped_column(String(8))
    platform: Mapped[str] = mapped_column(String(20))
    linkedin_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("linkedin_accounts.id", ondelete="SET NULL"), index=True)
    username: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(300))
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Account metrics as last fetched or reported (followers, ...); empty until someone saw them.
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Connected through the platform's own API (issue 14): the platform's id of the page / channel / chat, the
    # TokenSet encrypted with app.socialdock.vault (never shown, never logged), when the access token expires (to
    # refresh ahead of it without decrypting every row), and the Identity's extra as the adapter gave it.
    platform_account_id: Mapped[str | None] = mapped_column(String(300))
    token_ciphertext: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_extra: Mapped[dict] = mapped_column(JSON, default=dict)


class DockConnectToken(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """What POST /accounts/connect hands out: the connect page accepts it until `expires_at`, once."""

    __tablename__ = "dock_connect_tokens"

    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(8))
    platform: Mapped[str] = mapped_column(String(20))
    redirect_url: Mapped[str | None] = mapped_column(String(2000))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("dock_accounts.id", ondelete="SET NULL"))
    # OAuth: the SHA-256 digest of the `state` we sent to the platform (one at a time; cleared when used), the
    # PKCE verifier (encrypted), and what waits for the person's choice (encrypted: the tokens and the identities
    # when the login can act as several pages / channels; Telegram: the bot token and the one-time code).
    state_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    pkce_ciphertext: Mapped[str | None] = mapped_column(Text)
    pending_ciphertext: Mapped[str | None] = mapped_column(Text)


class DockMedia(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "dock_media"

    mode: Mapped[str] = mapped_column(String(8))
    source_url: Mapped[str] = mapped_column(String(2000))
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    # The random name the bytes are stored under (and served at): nothing a client chose.
    storage_name: Mapped[str] = mapped_column(String(100), unique=True)


class DockPost(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "dock_posts"
    __table_args__ = (Index("ix_dock_posts_team_mode_created", "team_id", "mode", "created_at"),)

    mode: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(300))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # [{"id": "med_..." or None, "url": ..., "mime_type": ...}] in the order given.
    media: Mapped[list] = mapped_column(JSON, default=list)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DockTarget(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "dock_targets"
    __table_args__ = (
        Index("ix_dock_targets_post", "post_id"),
        Index("ix_dock_targets_engine_post", "engine_post_id"),
        Index("ix_dock_targets_sandbox_due", "status", "due_at"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dock_posts.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("dock_accounts.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(20))
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    error: Mapped[str | None] = mapped_column(String(300))
    platform_post_id: Mapped[str | None] = mapped_column(String(300))
    platform_post_url: Mapped[str | None] = mapped_column(String(2000))
    # LinkedIn: the post our engine publishes through the extension (within the account's limits).
    engine_post_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("posts.id", ondelete="SET NULL"))
    # Sandbox and live API publishing: when the publisher takes it (next).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The live metrics job (app/socialdock/live_metrics.py): reads of this post's metrics that failed in a row, and
    # when to ask again after one (a backoff, so posts that cannot be read never starve the others).
    metrics_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    metrics_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The target's own media (`metadata.media_urls`, resolved like the post's); None: the post's media.
    media: Mapped[list | None] = mapped_column(JSON)
    # Live publishing through a platform's API (app/socialdock/live.py): what the adapter saved before each request
    # that may create something (never twice), how many attempts, when the first began (posts older than that are
    # not ours; giving up is measured from it), and the lease a worker holds while it works (`due_at` is the next
    # attempt).
    checkpoint: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(32))
