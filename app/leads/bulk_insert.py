"""New leads written in one INSERT ... ON CONFLICT DO NOTHING RETURNING, skipping those a campaign already has.

On PostgreSQL the rows travel as one JSON document read by `json_to_recordset`: one parameter, where a multi-row
VALUES list has one per value (10,000 for 500 leads), each of which psycopg locates and converts in Python (~40 ms
of CPU for a batch of 500, more than PostgreSQL spends inserting it). Elsewhere: SQLAlchemy's multi-row insert.
"""

import json
import uuid
from datetime import datetime

from sqlalchemy import JSON, String, Text, bindparam, cast, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import undefer

from app.extensions import db
from app.models import Lead

_UNIQUE = ["campaign_id", "profile_url"]


def insert_ignoring_duplicates(rows: list[dict]) -> list[Lead]:
    """Insert `rows` (dicts of column -> value, all with the same keys) in their order (callers sort them, so that
    overlapping concurrent batches lock in the same order); the leads written, as loaded objects, on PostgreSQL with
    the API rendering its trigger stored (`api_json`, for the answer)."""
    if db.engine.dialect.name != "postgresql":
        statement = sqlite.insert(Lead).on_conflict_do_nothing(index_elements=_UNIQUE).returning(Lead)
        return list(db.session.scalars(statement, rows).all())
    return list(db.session.scalars(_from_json_document(rows)).all())


def _json_value(value):
    """UUIDs and timestamps as text PostgreSQL reads back exactly; a timestamp without its offset would be read in
    the session's time zone, so it is refused, as the column type refuses it."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()
    raise TypeError(f"{value!r} has no place in a lead's row")


def _from_json_document(rows: list[dict]):
    table = Lead.__table__
    names = list(rows[0])
    # Unbounded text in the document's record: a value too long for its column fails the INSERT, as it would from
    # VALUES, instead of being cut by a cast.
    record = [column(name, Text() if isinstance(table.c[name].type, String) else table.c[name].type)
              for name in names]
    document = json.dumps(rows, default=_json_value, ensure_ascii=False)
    source = func.json_to_recordset(cast(bindparam("leads", document, type_=Text), JSON)).table_valued(*record)
    source = source.render_derived(with_types=True)
    return (postgresql.insert(Lead)
            .from_select([table.c[name] for name in names], select(*[source.c[name] for name in names]))
            .on_conflict_do_nothing(index_elements=_UNIQUE)
            .returning(Lead)
            .options(undefer(Lead.api_json)))
