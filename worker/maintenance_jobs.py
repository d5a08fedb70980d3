"""Housekeeping jobs (engine queue): tables that only need old rows removed, or folded."""

from app import clock
from app.extensions import db
from app.leads.counts import fold_lead_counts as fold_counts
from app.privacy.retention import apply_retention as apply_retention_windows
from worker.context import current_app, with_app_context


@with_app_context
def apply_retention() -> dict:
    """Hourly: webhook events and deliveries, archived actions and idempotency keys past their retention
    (RETENTION_* settings) are deleted."""
    return apply_retention_windows(current_app.config, clock.now())


@with_app_context
def fold_lead_counts() -> int:
    """Every minute: each campaign's count deltas folded into one row per status (one transaction), so reading the
    counts stays a few rows whatever was written since."""
    removed = fold_counts()
    db.session.commit()
    return removed
