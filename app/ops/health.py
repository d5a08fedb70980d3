"""Liveness and readiness: is the process up; do PostgreSQL and Redis answer, and are migrations at head.

The checks are cheap (one `SELECT 1`, one read of the Alembic version table, one Redis PING, each with a
short timeout) so a probe may call them every few seconds. A failure names the dependency and says what
went wrong in a few words, never with the connection string (it can hold a password).
"""

import logging
import os
from dataclasses import dataclass, field
from functools import cache

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import text

from app.extensions import db
from app.queueing import redis_connection

log = logging.getLogger(__name__)

MIGRATIONS_DIRECTORY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                    "migrations")
REDIS_TIMEOUT_SECONDS = 2
_PROBE_REDIS = "socialscalr.probe_redis"


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)
    failing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.failing

    def fail(self, dependency: str, why: str) -> None:
        self.checks[dependency] = why
        self.failing.append(dependency)

    @property
    def message(self) -> str:
        return "not ready: " + "; ".join(f"{name}: {self.checks[name]}" for name in self.failing)


@cache
def migration_heads() -> frozenset[str]:
    """The revisions the code expects (read once per process: the files do not change while it runs)."""
    return frozenset(ScriptDirectory(MIGRATIONS_DIRECTORY).get_heads())


def _short(error: Exception) -> str:
    """The kind of failure, without the driver's message (it may carry the host, the user or more)."""
    return f"unreachable ({type(error).__name__})"


def _check_database(readiness: Readiness) -> None:
    try:
        # AUTOCOMMIT: two reads, no transaction (on SQLite, no write lock taken for a probe).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # any driver error means the same to a probe
        log.warning("readiness: database check failed: %s", type(error).__name__)
        readiness.fail("database", _short(error))
        readiness.checks["migrations"] = "unknown (database unreachable)"
        return
    readiness.checks["database"] = "ok"
    expected = migration_heads()
    if current == expected:
        readiness.checks["migrations"] = "ok"
    else:
        at = ", ".join(sorted(current)) or "none"
        readiness.fail("migrations", f"database at {at}, code expects {', '.join(sorted(expected))}: "
                                     "run `socialscalr db upgrade`")


def _probe_redis(app: Flask) -> redis.Redis:
    """A connection of its own with a short timeout: the queues' connection waits up to 30 s."""
    if not app.config.get("REDIS_URL"):
        return redis_connection(app)  # embedded mode: the in-process server
    connection = app.extensions.get(_PROBE_REDIS)
    if connection is None:
        connection = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=REDIS_TIMEOUT_SECONDS,
                                          socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        app.extensions[_PROBE_REDIS] = connection
    return connection


def _check_redis(readiness: Readiness, app: Flask) -> None:
    try:
        _probe_redis(app).ping()
    except redis.RedisError as error:
        log.warning("readiness: Redis check failed: %s", type(error).__name__)
        readiness.fail("redis", _short(error))
        return
    readiness.checks["redis"] = "ok" if app.config.get("REDIS_URL") else "ok (embedded)"


def readiness() -> Readiness:
    """Every dependency checked (all of them, so one answer names every failure)."""
    app = current_app._get_current_object()
    result = Readiness()
    _check_database(result)
    _check_redis(result, app)
    return result
