"""Webhook endpoints, the event outbox, and one delivery row per (event, endpoint)."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime

DELIVERY_STATUSES = ("pending", "delivered", "failed")
# Who an endpoint and an event belong to: our API's consumers, or SocialDock's (per key mode). An event goes only to
# endpoints of its own audience, in that audience's wire format.
SOCIALSCALR = "socialscalr"
AUDIENCES = (SOCIALSCALR, "socialdock:live", "socialdock:test")


class WebhookEndpoint(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(200))
    # After a rotation the old secret still signs `webhook-signature` (beside the new one) until this time.
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(String(300))
    # First failure of the current run of failures; cleared by any success, restarted after a quiet spell.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One drain at a time per endpoint: a drain owns the endpoint until `drain_until` (a worker that dies
    # just lets it lapse, like a delivery claim).
    drain_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    drain_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience: Mapped[str] = mapped_column(String(30), default=SOCIALSCALR, server_default=SOCIALSCALR)


class WebhookEvent(IdMixin, TeamOwnedMixin, db.Model):
    """The outbox: written in the same transaction as the change it reports."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_unrelayed", "relayed_at", "created_at"),)

    name: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audience: Mapped[str] = mapped_column(String(30), default=SOCIALSCALR, server_default=SOCIALSCALR)
    # Set once delivery rows exist for every endpoint subscribed at that moment.
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("webhook_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_response_body: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker owns a pending delivery until `claimed_until`; a worker that dies just lets the claim lapse.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
