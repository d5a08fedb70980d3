"""How long what the service records is kept (configuration, README), applied hourly by
`worker.maintenance_jobs.apply_retention`, a batch per transaction so no table is locked for long.

- Webhook events, with their delivery logs: RETENTION_WEBHOOK_EVENTS_DAYS (30) after the event, once no delivery
  of it is still pending.
- Finished actions in the archive: RETENTION_ACTIONS_DAYS (365) after they finished. Caps look back a week and
  actions are archived after nine days, so no cap ever counts what is deleted; analytics lose days past it.
- Idempotency keys: RETENTION_IDEMPOTENCY_HOURS (24), which is also how long an answer is replayed.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.config import RETENTION_DEFAULTS
from app.extensions import db
from app.idempotency import purge_expired_keys
from app.models import ArchivedAction
from app.webhooks.relay import PRUNE_BATCH, prune_old_events

ACTIONS_BATCH = 5000


def retention_windows(config) -> dict[str, timedelta]:
    days = {key: int(config.get(key) or default) for key, default in RETENTION_DEFAULTS.items()}
    return {"webhookEvents": timedelta(days=days["RETENTION_WEBHOOK_EVENTS_DAYS"]),
            "actions": timedelta(days=days["RETENTION_ACTIONS_DAYS"]),
            "idempotencyKeys": timedelta(hours=days["RETENTION_IDEMPOTENCY_HOURS"])}


def apply_retention(config, now: datetime) -> dict[str, int]:
    """Delete everything past its window (commits each batch); how many rows of each kind went."""
    windows = retention_windows(config)
    deleted = {"webhookEvents": 0, "archivedActions": 0}
    while True:
        batch = prune_old_events(windows["webhookEvents"], now=now)  # commits
        deleted["webhookEvents"] += batch
        if batch < PRUNE_BATCH:
            break
    while True:
        batch = delete_archived_actions(now - windows["actions"])
        db.session.commit()
        deleted["archivedActions"] += batch
        if batch < ACTIONS_BATCH:
            break
    deleted["idempotencyKeys"] = purge_expired_keys(now, windows["idempotencyKeys"])
    return deleted


def delete_archived_actions(cutoff: datetime, batch: int = ACTIONS_BATCH) -> int:
    finished_at = func.coalesce(ArchivedAction.completed_at, ArchivedAction.due_at)
    ids = list(db.session.scalars(select(ArchivedAction.id).where(finished_at < cutoff).limit(batch)))
    if ids:
        db.session.execute(delete(ArchivedAction).where(ArchivedAction.id.in_(ids))
                           .execution_options(synchronize_session=False))
    return len(ids)
