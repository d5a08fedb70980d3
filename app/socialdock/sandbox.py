"""The sandbox publisher (`sd_test_` keys): every platform, nothing leaves the server.

A target is published SANDBOX_DELAY after its time by the periodic job `worker.socialdock_jobs.publish_sandbox`,
with a made-up platform post id (`sandbox_<platform>_<hex>`). `metadata.sandbox_outcome: "fail"` makes it fail
instead (to test `post_failed`); its analytics are generated numbers, marked `sandbox: true`.
"""

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockPost, DockTarget
from app.socialdock import targets
from app.socialdock.platforms import TargetJob, register_publisher

DEFAULT_DELAY_SECONDS = 2
BATCH = 200
FAIL = "fail"


def _delay() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("SOCIALDOCK_SANDBOX_DELAY_SECONDS", DEFAULT_DELAY_SECONDS)))


class SandboxPublisher:
    def schedule(self, job: TargetJob, account, target: DockTarget) -> None:
        target.due_at = (job.publish_at or clock_now()) + _delay()
        if job.publish_at is None:
            target.status = "publishing"  # publish_now: under way at once, as a platform's API would be

    def reschedule(self, job: TargetJob, target: DockTarget) -> None:
        target.due_at = (job.publish_at or clock_now()) + _delay()

    def withdraw(self, target: DockTarget, reason: str | None, now: datetime) -> bool:
        target.due_at = None
        if reason is not None:
            targets.finish(target, now, published=False, error=reason)
        return True


def publish_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Publish (or fail, when told to) the sandbox targets that are due; commits. Returns how many ended."""
    now = now or clock_now()
    statement = (
        select(DockTarget).join(DockPost, DockPost.id == DockTarget.post_id)
        .where(DockPost.mode == "test", DockTarget.status.in_(targets.OPEN_STATUSES), DockTarget.due_at <= now)
        .order_by(DockTarget.due_at).limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=DockTarget, skip_locked=True)
    ended = 0
    for target in db.session.scalars(statement).all():
        if (target.metadata_ or {}).get("sandbox_outcome") == FAIL:
            targets.finish(target, now, published=False,
                           error="sandbox: failed as asked (metadata.sandbox_outcome = \"fail\")")
        else:
            post_id = f"sandbox_{target.platform}_{target.id.hex[:16]}"
            targets.finish(target, now, published=True, platform_post_id=post_id,
                           platform_post_url=f"https://sandbox.socialdock.invalid/{target.platform}/{post_id}")
        ended += 1
    db.session.commit()
    return ended


def sandbox_number(seed, name: str, high: int) -> int:
    """A stable made-up number for sandbox analytics (the same target always shows the same)."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % high


register_publisher("test", "*", SandboxPublisher())
