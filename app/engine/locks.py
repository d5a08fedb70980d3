"""Transaction-scoped locks that let only one planner work on a thing at a time."""

import zlib

from sqlalchemy import func, select, text

from app.extensions import db


def try_transaction_lock(name: str) -> bool:
    """Take a lock released at commit/rollback; False when another transaction holds it.

    PostgreSQL: an advisory lock. SQLite serialises writers on its own (one
    database-wide write lock), so there the caller's writes are already exclusive.
    """
    if db.engine.dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _key(name)}))


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


def lock_row(model, row_id):
    """SELECT ... FOR UPDATE on one row (a no-op clause on SQLite, whose writes are serialised)."""
    return db.session.scalar(select(model).where(model.id == row_id).with_for_update())


def try_lock_row(model, row_id, name: str):
    """lock_row, only while the transaction lock `name` is free (try_transaction_lock); None when another transaction
    holds it, or the row does not exist. On PostgreSQL one round trip: the lock is tried in the row's WHERE (taken
    again by the same transaction, it answers true)."""
    if db.engine.dialect.name != "postgresql":
        return lock_row(model, row_id)
    return db.session.scalar(select(model).where(model.id == row_id, func.pg_try_advisory_xact_lock(_key(name)))
                             .with_for_update())
