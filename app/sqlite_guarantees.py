"""Embedded mode (SQLite) keeps the guarantees PostgreSQL gives: foreign keys enforced, writes serialised.

Out of the box Python's sqlite3 driver leaves foreign keys off (ON DELETE CASCADE never fires, so a
deleted campaign leaves orphan leads and actions), opens no transaction before a SELECT, and SQLite has
no FOR UPDATE: two threads that read a row, decide, and write lose an update, or plan past a cap.

Here every connection turns foreign keys on, and every transaction starts with BEGIN IMMEDIATE, which
takes SQLite's single write lock before its first read. A read-check-write then runs alone, as under
FOR UPDATE on PostgreSQL. This is SQLAlchemy's documented pysqlite recipe: the driver's own BEGIN is
disabled (isolation_level None) and ours is emitted on the engine's "begin" event. Python 3.12's
`autocommit=False` would open a deferred transaction only, which does not serialise a read-then-write.

Migrations recreate tables on SQLite, which must run with foreign keys off: migrations/env.py does that.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# How long a transaction waits for the write lock before "database is locked". Requests and the embedded
# worker threads queue for it; a planner tick on a large embedded database holds it for seconds.
BUSY_TIMEOUT_MS = 30_000


def install(engine: Engine) -> None:
    """Make an SQLite engine enforce foreign keys and serialise its transactions (other engines: no-op)."""
    if engine.dialect.name != "sqlite":
        return
    if not event.contains(engine, "connect", _configure_connection):
        event.listen(engine, "connect", _configure_connection)
        event.listen(engine, "begin", _begin_immediate)


def _configure_connection(dbapi_connection: sqlite3.Connection, connection_record) -> None:
    # The driver must not open (or commit) transactions on its own: _begin_immediate opens every one.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    set_foreign_keys(dbapi_connection, True)


def _begin_immediate(connection: Connection) -> None:
    # An AUTOCOMMIT connection (a single read, such as the token lookup) takes no transaction, and so no write lock.
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def set_foreign_keys(dbapi_connection: sqlite3.Connection, enabled: bool) -> None:
    """Turn enforcement on or off, outside any transaction (SQLite ignores the pragma inside one).

    Refuses loudly when SQLite did not take the setting (a build without foreign keys, or a transaction
    open), rather than letting cascades silently not fire.
    """
    if dbapi_connection.in_transaction:
        raise RuntimeError("PRAGMA foreign_keys cannot change inside a transaction")
    dbapi_connection.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")
    actual = dbapi_connection.execute("PRAGMA foreign_keys").fetchone()
    if actual is None or bool(actual[0]) != enabled:
        raise RuntimeError(f"this SQLite build cannot turn foreign keys {'on' if enabled else 'off'}")


def foreign_key_violations(connection: Connection) -> list:
    """Rows whose parent is missing, as (table, rowid, parent table, constraint index)."""
    return [tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()]
