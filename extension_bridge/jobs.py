"""Periodic job (engine queue): ended leases are expired even while no extension polls."""

from worker.context import with_app_context


@with_app_context
def expire_action_leases() -> int:
    from app import clock
    from app.actions.service import expire_leases
    from app.extensions import db

    changed = expire_leases(clock.now())
    db.session.commit()
    return changed
