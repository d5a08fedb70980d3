"""Housekeeping jobs (engine queue): tables that only need old rows removed."""

from app.idempotency import purge_expired_keys
from worker.context import with_app_context


@with_app_context
def purge_idempotency_keys() -> int:
    """Idempotency keys are kept 24 hours; without this, keys no one reuses would stay forever."""
    return purge_expired_keys()
