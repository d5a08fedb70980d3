"""The text Prometheus scrapes: this process's metrics, or every process's in multiprocess mode, plus the states
read at scrape time (app/ops/collectors.py)."""

import hmac
import ipaddress
import os

from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from app.metrics import MULTIPROCESS
from app.ops.collectors import PausedAccountsCollector, QueueCollector
from app.queueing import redis_connection


class _ThisProcess:
    """The default registry's metrics (single-process mode), inside a registry made for one scrape."""

    def collect(self):
        yield from REGISTRY.collect()


def scrape(app: Flask) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        # Every gunicorn worker's and RQ worker's files in PROMETHEUS_MULTIPROC_DIR, added up.
        multiprocess.MultiProcessCollector(registry, path=os.environ["PROMETHEUS_MULTIPROC_DIR"])
    else:
        registry.register(_ThisProcess())
    registry.register(QueueCollector(redis_connection(app)))
    registry.register(PausedAccountsCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def may_scrape(app: Flask, authorization: str, remote_addr: str | None) -> bool:
    """With METRICS_TOKEN set: `Authorization: Bearer <token>`. Without: only a scraper on this host (loopback)."""
    token = app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, presented = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())
    try:
        return remote_addr is not None and ipaddress.ip_address(remote_addr).is_loopback
    except ValueError:
        return False
