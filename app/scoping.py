"""The one way tenant rows are read or changed: always filtered by the caller's team.

Every model with `team_id` is queried through `team_select`/`get_for_team`, so an
id from another team behaves exactly like an id that does not exist (404).
"""

import uuid

from sqlalchemy import Select, select

from app.errors import not_found
from app.extensions import db


def team_select(model, team_id: uuid.UUID, *columns) -> Select:
    statement = select(*columns) if columns else select(model)
    return statement.where(model.team_id == team_id)


def get_for_team(model, team_id: uuid.UUID, row_id, what: str | None = None, for_update: bool = False):
    """The row of this team with this id, or a 404 ApiError."""
    label = what or model.__name__.lower()
    try:
        key = row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id))
    except ValueError:
        raise not_found(label) from None
    statement = team_select(model, team_id).where(model.id == key)
    if for_update:
        statement = statement.with_for_update()
    row = db.session.scalar(statement)
    if row is None:
        raise not_found(label)
    return row
