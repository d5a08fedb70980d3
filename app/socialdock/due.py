"""Targets whose publisher publishes them from a worker once due (`platforms.DuePublisher`: the sandbox now).

One periodic job (`worker.socialdock_jobs.publish_due_targets`) takes due targets (SKIP LOCKED on PostgreSQL, so
workers never take the same one), hands each to its publisher and ends it with the result and its event, in one
transaction per batch. The sandbox answers at once; a platform adapter that calls out over HTTP (issue 14) is
driven by app/socialdock/live.py instead, which never holds a row lock across HTTP.
"""

from datetime import datetime

from sqlalchemy import select

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockPost, DockTarget
from app.socialdock import targets
from app.socialdock.platforms import TargetJob, publisher_for

BATCH = 200


def publish_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Publish the targets that are due; commits. Returns how many ended."""
    now = now or clock_now()
    statement = (
        select(DockTarget, DockPost).join(DockPost, DockPost.id == DockTarget.post_id)
        # The sandbox's targets: live ones are published by app/socialdock/live.py (leases, no lock across HTTP).
        .where(DockPost.mode == "test", DockTarget.status.in_(targets.OPEN_STATUSES), DockTarget.due_at <= now)
        .order_by(DockTarget.due_at).limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=DockTarget, skip_locked=True)
    ended = 0
    for target, post in db.session.execute(statement).all():
        publisher = publisher_for(post.mode, target.platform)
        if publisher is None or not hasattr(publisher, "publish"):
            continue
        job = TargetJob(target.id, post.team_id, target.platform, post.text, post.title, targets.media_of(post, target),
                        dict(target.metadata_ or {}), post.scheduled_at)
        result = publisher.publish(job)
        targets.finish(target, now, published=result.published, platform_post_id=result.platform_post_id,
                       platform_post_url=result.platform_post_url, error=result.error)
        ended += 1
    db.session.commit()
    return ended
