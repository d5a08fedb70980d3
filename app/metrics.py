"""Prometheus metrics: every instrument of the service, and the tiny functions domain code calls to move them.

Domain code imports only this module (it imports nothing of the project), so instrumenting keeps the
packages' one-way dependencies. What is a state rather than an event (queue depth, paused accounts) is
read when Prometheus scrapes (app/ops/collectors.py), not counted here.

Multiprocess mode (gunicorn workers, RQ workers and their work horses) is on when PROMETHEUS_MULTIPROC_DIR
is set before the process starts: each process writes its values to files in that directory and `/metrics`
adds them up. RQ forks a work horse per job; with the default per-pid files that would leave thousands
of files a day, so a horse writes under its worker's name instead (`identify_as_work_horse`): a worker runs
one horse at a time, and never writes a metric itself while it does.
"""

import collections
import os

from prometheus_client import Counter, Histogram, values

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_identity = {"pid": None, "name": None}


def _process_identifier():
    """This process's file name part: its pid, or `horse<worker pid>` in an RQ work horse."""
    pid = os.getpid()
    return _identity["name"] if _identity["pid"] == pid else pid


if MULTIPROCESS:
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    # Chosen before the first metric is built, as prometheus_client's own environment check is.
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_identifier)


def identify_as_work_horse(worker_pid: int) -> None:
    _identity.update(pid=os.getpid(), name=f"horse{worker_pid}")


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
LAG_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600)

HTTP_REQUESTS = Counter("socialscalr_http_requests_total", "HTTP requests answered, by route and status",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("socialscalr_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["method", "route", "status"], buckets=LATENCY_BUCKETS)
WEBHOOK_DELIVERIES = Counter("socialscalr_webhook_deliveries_total",
                             "Webhook delivery attempts by outcome (delivered, retrying, failed, unsendable)",
                             ["outcome"])
WEBHOOK_LAG = Histogram("socialscalr_webhook_delivery_lag_seconds",
                        "From the event's commit to its successful delivery", buckets=LAG_BUCKETS)
PLANNER_DURATION = Histogram("socialscalr_planner_account_duration_seconds",
                             "Time to plan one LinkedIn account (one plan job or one account of a tick)",
                             ["result"], buckets=LATENCY_BUCKETS)
ACTIONS_PLANNED = Counter("socialscalr_planner_actions_planned_total", "Actions the planner created")
LEASES = Counter("socialscalr_action_leases_total", "Actions leased to the extension, by type", ["type"])
LEASES_EXPIRED = Counter("socialscalr_action_leases_expired_total",
                         "Leases that ended without a report, by what became of the action "
                         "(offered_again, unknown, failed)", ["result"])
ACCOUNT_PAUSES = Counter("socialscalr_account_pauses_total", "Accounts whose invites were paused, by reason",
                         ["reason"])


# Each request's (method, route, status) children, looked up once: `labels()` takes a lock and validates the
# labels every time. Bounded like the labels themselves (route patterns, not paths).
_http_children: dict[tuple, tuple] = {}


def request_answered(method: str, route: str, status: int, seconds: float) -> None:
    children = _http_children.get((method, route, status))
    if children is None:
        labels = (method, route, str(status))
        children = _http_children[(method, route, status)] = (HTTP_REQUESTS.labels(*labels),
                                                               HTTP_LATENCY.labels(*labels))
    children[0].inc()
    children[1].observe(seconds)


def webhook_attempted(outcome: str, lag_seconds: float | None = None) -> None:
    WEBHOOK_DELIVERIES.labels(outcome).inc()
    if lag_seconds is not None:
        WEBHOOK_LAG.observe(max(0.0, lag_seconds))


def account_planned(seconds: float, created: int | None) -> None:
    PLANNER_DURATION.labels("failed" if created is None else "ok").observe(seconds)
    if created:
        ACTIONS_PLANNED.inc(created)


def actions_leased(types) -> None:
    # One increment per type, not per action: a poll of 10 posts is one labels() lookup.
    for action_type, count in collections.Counter(types).items():
        LEASES.labels(action_type).inc(count)


def leases_expired(result: str, count: int) -> None:
    if count:
        LEASES_EXPIRED.labels(result).inc(count)


def account_paused(reason: str) -> None:
    ACCOUNT_PAUSES.labels(reason).inc()
