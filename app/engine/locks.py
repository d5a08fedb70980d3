"""Transaction-scoped locks that let only one planner work on a thing at a time."""

import zlib

from sqlalchemy import select, text

from app.extensions import db


def try_transaction_lock(name: str) -> bool:
    """Take a lock released at commit/rollback; False when another transaction holds it.

    PostgreSQL: an advisory lock. SQLite serialises writers on its own (one
    database-wide write lock), so there the caller's writes are already exclusive.
    """
    if db.engine.dialect.name != "postgresql":
        return True
    key = zlib.crc32(name.encode())
    return bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


def lock_row(model, row_id):
    """SELECT ... FOR UPDATE on one row (a no-op clause on SQLite, whose writes are serialised)."""
    return db.session.scalar(select(model).where(model.id == row_id).with_for_update())
