"""The do-not-contact list: people a team must never invite or message again."""

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TeamOwnedMixin, TimestampMixin

DO_NOT_CONTACT_SOURCES = ("api", "csv", "extension", "erasure")


class DoNotContact(IdMixin, TeamOwnedMixin, TimestampMixin, db.Model):
    """Keyed by the SHA-256 of the normalised profile URL, so an erased person stays on the list without the URL
    itself being kept anywhere: `profile_url` is shown while the team holds it and cleared by an erasure."""

    __tablename__ = "do_not_contact"
    __table_args__ = (
        UniqueConstraint("team_id", "profile_digest"),
        Index("ix_do_not_contact_team_created", "team_id", "created_at", "id"),
    )

    profile_digest: Mapped[str] = mapped_column(String(64))
    profile_url: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))
