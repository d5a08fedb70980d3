"""What Prometheus reads as a state when it scrapes: queue depth and oldest job age, paused accounts.

Read from Redis and PostgreSQL at scrape time (a few cheap reads), so every process that serves
`/metrics` reports the same numbers, and nothing has to be counted up and down as jobs move.
"""

import logging
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from rq import Queue
from rq.job import Job
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import LinkedInAccount
from app.queueing import QUEUE_NAMES

log = logging.getLogger(__name__)


def _age_seconds(moment: datetime | None, now: datetime) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (now - (moment if moment.tzinfo else moment.replace(tzinfo=UTC))).total_seconds())


class QueueCollector:
    """socialscalr_queue_jobs and socialscalr_queue_oldest_job_age_seconds per RQ queue."""

    def __init__(self, connection):
        self.connection = connection

    def collect(self):
        depth = GaugeMetricFamily("socialscalr_queue_jobs", "Jobs waiting in the queue", labels=["queue"])
        oldest = GaugeMetricFamily("socialscalr_queue_oldest_job_age_seconds",
                                   "How long the job at the head of the queue has waited (0 when empty)",
                                   labels=["queue"])
        now = datetime.now(UTC)
        for name in QUEUE_NAMES:
            try:
                queue = Queue(name, connection=self.connection)
                depth.add_metric([name], queue.count)
                head = queue.get_job_ids(0, 0)
                job = Job.fetch(head[0], connection=self.connection) if head else None
                oldest.add_metric([name], _age_seconds(job.enqueued_at if job else None, now))
            except Exception as error:  # a scrape must still answer the rest; Redis health is /readyz's job
                log.warning("metrics: queue %s unreadable (%s)", name, type(error).__name__)
        yield depth
        yield oldest


class PausedAccountsCollector:
    """socialscalr_accounts_paused: accounts whose invites are paused now, by reason (counts only)."""

    def collect(self):
        paused = GaugeMetricFamily("socialscalr_accounts_paused", "LinkedIn accounts whose invites are paused now",
                                   labels=["reason"])
        try:
            rows = db.session.execute(
                select(LinkedInAccount.pause_reason, func.count())
                .where(LinkedInAccount.invites_paused_until > clock.now())
                .group_by(LinkedInAccount.pause_reason)
            ).all()
            db.session.rollback()
        except Exception as error:
            db.session.rollback()
            log.warning("metrics: paused accounts unreadable (%s)", type(error).__name__)
            rows = []
        for reason, count in rows:
            paused.add_metric([_reason_label(reason)], count)
        yield paused


def _reason_label(reason: str | None) -> str:
    """`LinkedIn refused an invite: daily_invite_limit` -> `daily_invite_limit` (a bounded set of labels)."""
    return (reason or "unspecified").rsplit(":", 1)[-1].strip()[:64] or "unspecified"
