"""Finished actions leave the hot table once no cap can count them again.

Caps look back at most a week (the weekly cap: the 7 local days ending tonight), so a finished action due more
than ARCHIVE_AFTER ago is moved, in batches, to `actions_archive`: the planner's and the lease's indexes stay the
size of the recent work however long a team has been sending. Nothing is lost: analytics read both tables.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, literal, select

from app.extensions import db
from app.models import Action, ArchivedAction

ARCHIVE_AFTER = timedelta(days=9)  # a week, plus a day on either side for time zones
ARCHIVE_BATCH = 5000
FINISHED = ("done", "failed", "skipped", "cancelled")
COPIED = ("id", "team_id", "account_id", "type", "campaign_id", "lead_id", "post_id", "comment_id", "text", "status",
          "due_at", "lease_count", "started_at", "completed_at", "error", "details", "created_at", "updated_at")


def archive_finished_actions(now: datetime, batch: int = ARCHIVE_BATCH) -> int:
    """Move one batch (the caller commits, and calls again while a whole batch moved)."""
    ids = select(Action.id).where(Action.status.in_(FINISHED), Action.due_at < now - ARCHIVE_AFTER).limit(batch)
    chosen = list(db.session.scalars(ids.with_for_update(skip_locked=True)).all())
    if not chosen:
        return 0
    columns = [getattr(Action, name) for name in COPIED]
    db.session.execute(insert(ArchivedAction).from_select(
        [*COPIED, "archived_at"],
        select(*columns, literal(now, ArchivedAction.archived_at.type)).where(Action.id.in_(chosen)),
    ))
    db.session.execute(delete(Action).where(Action.id.in_(chosen)).execution_options(synchronize_session=False))
    return len(chosen)
