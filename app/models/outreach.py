"""Campaigns and their leads: who to contact, with which templates, and how far each lead got."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin
from app.models.types import UTCDateTime


class ChangeStamp(FunctionElement):
    """A number that orders changes by commit, computed by the database when a row is written.

    PostgreSQL: the writing transaction's 64-bit id. A reader only returns rows whose id is below
    the oldest transaction still running (`pg_snapshot_xmin`), so a transaction that commits late
    is still seen: its rows stay above the reader's horizon until it ends. SQLite: writers are
    serialised, so a stamp above every existing one (and above the clock) is commit-ordered.
    """

    type = BigInteger()
    inherit_cache = True

    def __init__(self, table_name: str):
        self.table_name = table_name
        super().__init__()


@compiles(ChangeStamp, "postgresql")
def _stamp_postgresql(element, compiler, **kw):
    return "(pg_current_xact_id()::text::bigint)"


@compiles(ChangeStamp)
def _stamp_sqlite(element, compiler, **kw):
    name = element.table_name
    return (f"(SELECT max(coalesce(max(change_seq), 0) + 1, "
            f"CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)) FROM {name})")


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
    # The LinkedIn account that works it; none = the team's default account (app/engine/assignment.py).
    linkedin_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("linkedin_accounts.id", ondelete="SET NULL"), index=True)


class Lead(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "leads"
    __table_args__ = (
        # One person is one lead per campaign: profile_url is stored normalised.
        UniqueConstraint("campaign_id", "profile_url"),
        # A campaign's leads, newest first, all or of one status: every listing is team-scoped, and an index that
        # matches team and campaign is read for exactly the page's entries (with the campaign alone, PostgreSQL
        # may walk ix_leads_team_created and filter out the team's other campaigns: migration 0018).
        Index("ix_leads_team_campaign_created", "team_id", "campaign_id", "created_at", "id"),
        Index("ix_leads_team_campaign_status", "team_id", "campaign_id", "status", "created_at", "id"),
        # CRM sync pages through (updated_at, id).
        Index("ix_leads_team_updated", "team_id", "updated_at", "id"),
        # The planner reads only leads whose next step is due.
        Index("ix_leads_status_next_step", "status", "next_step_at"),
        Index("ix_leads_team_profile", "team_id", "profile_url"),
        # CRM sync pages through (change_seq, id): see ChangeStamp.
        Index("ix_leads_team_change", "team_id", "change_seq", "id"),
        Index("ix_leads_team_created", "team_id", "created_at", "id"),
        # A campaign's latest invites, for its acceptance rate on every planner tick.
        Index("ix_leads_campaign_invited", "campaign_id", "invited_at"),
        # The planner's due leads, per campaign (invites) and per account that works them (later steps).
        Index("ix_leads_campaign_due", "campaign_id", "status", "next_step_at"),
        Index("ix_leads_account_due", "account_id", "status", "next_step_at"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("campaigns.id", ondelete="CASCADE"))
    # The LinkedIn account that invited the person: the rest of the sequence stays on it.
    account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("linkedin_accounts.id", ondelete="SET NULL"))
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
    # Commit-ordered change stamp, set by the database on every insert and update (the sync cursor's key).
    # On PostgreSQL a trigger (migration 0002) also stamps writes made outside the ORM.
    change_seq: Mapped[int] = mapped_column(BigInteger, default=ChangeStamp("leads"), onupdate=ChangeStamp("leads"),
                                            server_default=text("0"))
    # Contact fields CRMs send (migration 0010).
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    headline: Mapped[str | None] = mapped_column(String(300))
    # The lead as GET /leads renders it (LeadSchema's JSON), written by PostgreSQL on every insert and update
    # (migration 0023) so a page reads texts instead of building them; NULL on SQLite. Not loaded with a lead, and
    # not one of its row's columns (row_columns).
    api_json: Mapped[str | None] = mapped_column(Text, deferred=True, info={"derived": True})


class CampaignLeadCountDelta(TeamOwnedMixin, db.Model):
    """A change to a campaign's lead counts: how many leads (and of them, how many were ever invited, connected
    and replied) entered (+) or left (-) one status. A campaign's counts are the sums of its rows.

    Only the database writes it: triggers on `leads` (migration 0016) append a row for every statement that adds,
    deletes or moves leads, so the counts are exact in every transaction, whichever code path wrote the leads, and
    concurrent writers only ever insert (no hot counter row to wait on or deadlock over). The periodic fold
    (`app.leads.counts.fold_lead_counts`) replaces a group's rows by their sum, so the table stays near one row per
    campaign and status. On SQLite the triggers belong to `leads`: a migration that recreates `leads` (batch mode)
    must create them again.
    """

    __tablename__ = "campaign_lead_count_deltas"
    __table_args__ = (Index("ix_campaign_lead_count_deltas_campaign_status", "campaign_id", "status"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    # No foreign key on purpose: checking one would take a KEY SHARE lock on the campaign in every lead status
    # change, which deadlocks with a campaign edit that holds the campaign FOR UPDATE while it withdraws its leads.
    # A trigger on `campaigns` deletes a deleted campaign's rows instead (its own delete or its team's cascade).
    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    leads: Mapped[int] = mapped_column(Integer)
    invited: Mapped[int] = mapped_column(Integer)
    connected: Mapped[int] = mapped_column(Integer)
    replied: Mapped[int] = mapped_column(Integer)
