"""Housekeeping jobs (engine queue): tables that only need old rows removed."""

from app import clock
from app.privacy.retention import apply_retention as apply_retention_windows
from worker.context import current_app, with_app_context


@with_app_context
def apply_retention() -> dict:
    """Hourly: webhook events and deliveries, archived actions and idempotency keys past their retention
    (RETENTION_* settings) are deleted."""
    return apply_retention_windows(current_app.config, clock.now())
