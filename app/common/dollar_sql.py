"""A hot statement compiled once into PostgreSQL's own text ($1, $2 ...) and run by psycopg without re-parsing it.

psycopg parses every query's text to find its `%(name)s` placeholders, and caches the result only for texts of
at most 4,096 characters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH); SQLAlchemy, for its part, builds every
execution's parameters, expands its IN lists anew and wraps the cursor in its execution context and result (the
cursor's description made into column objects, its events fired): for an extension's poll, whose lease statement
has ~8,000 characters and whose account read ~40 columns, that was a third of its Python (docs/benchmarks.md).
Here the statement is compiled once with numbered parameters, its constants (and expanded IN lists) are kept, and
each execution hands the values in order to a psycopg RawCursor on the SQLAlchemy connection's own driver
connection, which sends the text as it is: same transaction (begun for SQLAlchemy too where it would begin one),
same pooled connection. Errors go through SQLAlchemy's own handling (DBAPIError subclasses, handle_error events, a
lost connection invalidated with the pool's older ones), as its execution does. No other engine events fire for it.

Values go to psycopg as they are, without SQLAlchemy's bind processors: give types psycopg sends as the statement's
casts expect (UUID, aware datetime, str, int); a column's Python default or onupdate is not computed (refused: give
its value). PostgreSQL (psycopg 3) only.
"""

from datetime import UTC, datetime

import psycopg
from psycopg import RawCursor
from psycopg.rows import namedtuple_row, tuple_row
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

_NUMBERED = PGDialect_psycopg(paramstyle="numeric_dollar")


class _Unset:
    """Stands for a named parameter while the statement is compiled: its value comes with each execution."""


class DollarStatement:
    def __init__(self, statement, names: tuple[str, ...]):
        """`names`: the parameters each execution gives (the others are the statement's constants); a name the
        statement does not use is ignored, as SQLAlchemy ignores an extra value."""
        compiled = statement.compile(dialect=_NUMBERED)
        computed = [column.name for column in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        if computed:
            # SQLAlchemy computes these columns' Python defaults (or onupdate) on each execution: compiled once, the
            # statement would send None for them.
            raise ValueError(f"give these columns' values in the statement itself: {', '.join(computed)}")
        expanded = compiled.construct_expanded_state({name: _Unset for name in names})
        self.text = expanded.statement
        self._order = tuple(expanded.positiontup)
        self._constants = {name: value for name, value in expanded.parameters.items() if name not in names}

    def execute(self, connection, values: dict, row_factory=tuple_row) -> list:
        """The statement's rows (made by psycopg's `row_factory`) on `connection`, a SQLAlchemy Connection, with
        `values` for the named parameters."""
        constants = self._constants
        parameters = tuple(constants[name] if name in constants else values[name] for name in self._order)
        driver = connection.connection.driver_connection
        if not driver.autocommit and not connection.in_transaction():
            # psycopg begins a transaction here: SQLAlchemy must know of it (as its execution would have begun one),
            # or the connection's commit() does nothing and the write is rolled back when it goes back to the pool.
            connection.begin()
        try:
            with RawCursor(driver, row_factory=row_factory) as cursor:
                cursor.execute(self.text, parameters)
                return cursor.fetchall()
        except psycopg.Error as error:
            # SQLAlchemy's own handling of a failed execution: its exception classes, its handle_error events and,
            # on a lost connection, every pooled connection opened before it retired (after a restart all are dead,
            # and each would otherwise fail a request in turn).
            connection._handle_dbapi_exception(error, self.text, parameters, None, None)


def utc_namedtuple_row(cursor):
    """psycopg's namedtuple rows (columns by name, as SQLAlchemy's rows), timestamps in UTC as the models' UTCDateTime
    answers them: psycopg answers them in the session's time zone, which is the server's unless set."""
    make = namedtuple_row(cursor)
    return lambda values: make([value.astimezone(UTC) if isinstance(value, datetime) else value for value in values])
