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


def _key(model, row_id, what: str | None) -> uuid.UUID:
    try:
        return row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id))
    except ValueError:
        raise not_found(what or model.__name__.lower()) from None


def get_for_team(model, team_id: uuid.UUID, row_id, what: str | None = None, for_update: bool = False):
    """The row of this team with this id, or a 404 ApiError."""
    label = what or model.__name__.lower()
    key = _key(model, row_id, what)
    statement = team_select(model, team_id).where(model.id == key)
    if for_update:
        statement = statement.with_for_update()
    row = db.session.scalar(statement)
    if row is None:
        raise not_found(label)
    return row


def get_plain_for_team(model, team_id: uuid.UUID, row_id, what: str | None = None):
    """The same row as get_for_team, as a plain row of the table's columns, read on an autocommit connection
    (one statement, no transaction: for hot paths that only read it, and lock it afresh if they change it),
    or a 404 ApiError."""
    table = model.__table__
    row = read_plain(select(*table.c).where(table.c.team_id == team_id, table.c.id == _key(model, row_id, what)))
    if row is None:
        raise not_found(what or model.__name__.lower())
    return row


def read_plain(statement, all_rows: bool = False):
    """Run a read on an autocommit connection: the first row (or all), no BEGIN and COMMIT round trips."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        result = connection.execute(statement)
        return result.all() if all_rows else result.first()
