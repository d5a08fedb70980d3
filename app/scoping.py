"""The one way tenant rows are read or changed: always filtered by the caller's team.

Every model with `team_id` is queried through `team_select`/`get_for_team`, so an
id from another team behaves exactly like an id that does not exist (404).
"""

import uuid

from sqlalchemy import Select, bindparam, select

from app.common.dollar_sql import DollarStatement, utc_namedtuple_row
from app.errors import not_found
from app.extensions import db
from app.models.base import row_columns


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


def get_plain_for_team(model, team_id: uuid.UUID, row_id, what: str | None = None, connection=None):
    """The same row as get_for_team, as a plain row of the table's columns, read on an autocommit connection
    (one statement, no transaction: for hot paths that only read it, and lock it afresh if they change it),
    or a 404 ApiError. `connection`: an autocommit connection the caller holds, instead of one of its own."""
    row = read_plain(_plain_by_id(model), parameters={"scope_team": team_id, "row_id": _key(model, row_id, what)},
                     connection=connection)
    if row is None:
        raise not_found(what or model.__name__.lower())
    return row


_PLAIN_BY_ID: dict = {}


def _plain_by_id(model):
    """Built once per model (and database), its values bound: building a SELECT of every column costs more Python
    than running it (an extension's poll reads its account this way a few times a second); on PostgreSQL compiled
    once too (app.common.dollar_sql)."""
    key = (model, db.engine.dialect.name)
    if key not in _PLAIN_BY_ID:
        table = model.__table__
        statement = select(*row_columns(table)).where(
            table.c.team_id == bindparam("scope_team", type_=table.c.team_id.type),
            table.c.id == bindparam("row_id", type_=table.c.id.type))
        postgresql = key[1] == "postgresql"
        _PLAIN_BY_ID[key] = DollarStatement(statement, ("scope_team", "row_id")) if postgresql else statement
    return _PLAIN_BY_ID[key]


def read_plain(statement, all_rows: bool = False, parameters: dict | None = None, connection=None):
    """Run a read on an autocommit connection (`connection`, or one of its own): the first row (or all), no BEGIN and
    COMMIT round trips. Rows answer their columns by name (`row.team_id`) whichever way `statement` runs."""
    if connection is None:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
            return read_plain(statement, all_rows, parameters, own)
    if isinstance(statement, DollarStatement):
        rows = statement.execute(connection, parameters or {}, row_factory=utc_namedtuple_row)
        return rows if all_rows else next(iter(rows), None)
    result = connection.execute(statement, parameters)
    return result.all() if all_rows else result.first()
