"""The sandbox publisher (`sd_test_` keys): every platform, nothing leaves the server.

A target is due SANDBOX_DELAY after its time and then published by the periodic job
`worker.socialdock_jobs.publish_due_targets` (app.socialdock.due), with a made-up platform post id
(`sandbox_<platform>_<hex>`). `metadata.sandbox_outcome: "fail"` makes it fail
instead (to test `post_failed`); its analytics are generated numbers, marked `sandbox: true`.
"""

import hashlib
from datetime import datetime, timedelta

from flask import current_app

from app.clock import now as clock_now
from app.models import DockTarget
from app.socialdock import targets
from app.socialdock.platforms import PublishResult, TargetJob, register_publisher

DEFAULT_DELAY_SECONDS = 2
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

    def publish(self, job: TargetJob) -> PublishResult:
        if job.metadata.get("sandbox_outcome") == FAIL:
            return PublishResult(False, error="sandbox: failed as asked (metadata.sandbox_outcome = \"fail\")")
        post_id = f"sandbox_{job.platform}_{job.target_id.hex[:16]}"
        return PublishResult(True, post_id, f"https://sandbox.socialdock.invalid/{job.platform}/{post_id}")


def sandbox_number(seed, name: str, high: int) -> int:
    """A stable made-up number for sandbox analytics (the same target always shows the same)."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % high


register_publisher("test", "*", SandboxPublisher())
