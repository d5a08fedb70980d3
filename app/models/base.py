"""Mixins every table uses: a UUID key, timestamps, and (for tenant data) a team."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.models.types import UTCDateTime, new_id, utcnow


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class TeamOwnedMixin:
    """Every tenant row carries `team_id`; `app.scoping` is the only way such rows are queried."""

    @declared_attr
    def team_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), index=True, nullable=False)


def row_columns(table) -> list:
    """The columns a row of `table` is read with: not those derived from the others for a single reader
    (info["derived"]: leads.api_json, GET /leads' rendering)."""
    return [column for column in table.c if not column.info.get("derived")]
