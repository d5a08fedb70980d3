"""A flat marshmallow schema's JSON object, rendered by PostgreSQL (json_build_object) from a row's columns.

An answer of many rows (a page of leads, a poll of the extension) otherwise spends most of its time in Python
turning each value into an object and back into JSON text. The object is built from the schema's own fields, in
their order and with their keys, so the two renderings cannot drift apart; a field with no SQL rendering is refused
when the expression is built, not rendered differently (tests compare both renderings of awkward rows).

Formats, as the schemas dump them: UUIDs as their text, UtcDateTime as UTC with milliseconds and `Z` (to_char's MS
truncates, as Python's isoformat(timespec="milliseconds") does), strings, integers and booleans as JSON values,
JSON columns (List, Dict) embedded as stored. Non-ASCII characters are sent as UTF-8, not as \\u escapes.
"""

from marshmallow import Schema, fields
from sqlalchemy import Text, case, cast, func, literal_column, select

from app.common.fields import UtcDateTime

_UTC_MILLISECONDS = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"
# Values of these fields go into the object as they are (json_build_object renders strings, numbers, booleans and
# embeds json columns).
_AS_IS = (fields.String, fields.Integer, fields.Boolean, fields.List, fields.Dict, fields.Raw, fields.UUID)


def utc_text(column):
    """A timestamptz as UtcDateTime's text (NULL stays NULL)."""
    return func.to_char(column.op("AT TIME ZONE")(literal_column("'UTC'")), literal_column(_UTC_MILLISECONDS))


def _field_values(schema: Schema, columns, given: dict):
    """(key, SQL value) of each of `schema`'s fields in its order: from `columns[field.attribute or name]` (a column
    collection or a mapping), or from `given[name]` (an expression) for a field the row has no column for."""
    for name, field in schema.fields.items():
        if name in given:
            value = given[name]
        elif isinstance(field, UtcDateTime):
            value = utc_text(columns[field.attribute or name])
        elif isinstance(field, _AS_IS):
            value = columns[field.attribute or name]
        else:
            raise TypeError(f"{type(schema).__name__}.{name}: {type(field).__name__} has no SQL rendering")
        yield field.data_key or name, value


def json_object(schema: Schema, columns, given: dict | None = None):
    """json_build_object of `schema`'s fields in its order (see `_field_values`)."""
    arguments = []
    for key, value in _field_values(schema, columns, given or {}):
        arguments += [literal_column(f"'{key}'"), value]
    return func.json_build_object(*arguments)


def json_rows(schema: Schema, table, name: str):
    """For pages of many rows of `table`: a LATERAL sub-select naming `table`'s columns as `schema` does (join it to
    the table's rows) and `row_to_json` of it as text. row_to_json looks each column's output function up once per
    statement, where json_build_object's variadic arguments are looked up again on every row (25-30% of a 500-lead
    page, docs/benchmarks.md); it writes no blanks around the colons either."""
    named = [value.label(key) for key, value in _field_values(schema, table.columns, {})]
    lateral = select(*named).correlate(table).lateral(name)
    return lateral, as_text(func.row_to_json(lateral.table_valued()))


def json_object_or_null(schema: Schema, columns, present):
    """json_object, or JSON null when `present` (a column of the row) is NULL: an outer join that found nothing."""
    return case((present.is_(None), None), else_=json_object(schema, columns))


def as_text(expression):
    return cast(expression, Text)
