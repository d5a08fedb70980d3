"""A hot statement compiled once into PostgreSQL's own text ($1, $2 ...) and run by psycopg without re-parsing it.

psycopg parses every query's text to find its `%(name)s` placeholders, and caches the result only for texts of
at most 4,096 characters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH); SQLAlchemy, for its part, builds every
execution's parameters and expands its IN lists anew. An extension's poll runs one statement of ~8,000 characters
a few times a second per extension: those two steps alone cost ~0.8 ms of CPU a poll, a third of its Python. Here
the statement is compiled once with numbered parameters, its constants (and expanded IN lists) are kept, and each
execution passes the values in order to psycopg's RawCursor, which sends the text as it is. It still runs through
SQLAlchemy's connection (`exec_driver_sql`): the same transaction, events, error wrapping and pool handling.

Values go to psycopg as they are, without SQLAlchemy's bind processors: give types psycopg sends as the statement's
casts expect (UUID, aware datetime, str, int). PostgreSQL (psycopg 3) only.
"""

from psycopg import RawCursor
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

_NUMBERED = PGDialect_psycopg(paramstyle="numeric_dollar")


class _Unset:
    """Stands for a named parameter while the statement is compiled: its value comes with each execution."""


class DollarStatement:
    def __init__(self, statement, names: tuple[str, ...]):
        """`names`: the parameters each execution gives (the others are the statement's constants); a name the
        statement does not use is ignored, as SQLAlchemy ignores an extra value."""
        compiled = statement.compile(dialect=_NUMBERED)
        expanded = compiled.construct_expanded_state({name: _Unset for name in names})
        self.text = expanded.statement
        self._order = tuple(expanded.positiontup)
        self._constants = {name: value for name, value in expanded.parameters.items() if name not in names}

    def execute(self, connection, values: dict):
        """The statement's result on `connection` (a SQLAlchemy Connection), with `values` for the named ones."""
        constants = self._constants
        parameters = tuple(constants[name] if name in constants else values[name] for name in self._order)
        driver = connection.connection.driver_connection
        usual = driver.cursor_factory
        driver.cursor_factory = RawCursor  # this connection is this thread's alone until it goes back to the pool
        try:
            return connection.exec_driver_sql(self.text, parameters)
        finally:
            driver.cursor_factory = usual
