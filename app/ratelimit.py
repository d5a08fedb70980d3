"""The per-token budget: RATELIMIT_PER_MINUTE requests a minute, shared by every endpoint.

A request counts against its token when valid, else against the client address. The count is a fixed
one-minute window per key in Redis (REDIS_URL), so every process shares it; one script call counts the
request and answers the window's count and time to live: one round trip per request. Without Redis
(embedded mode), or while Redis does not answer, requests are counted in this process's memory.

Every counted answer carries X-RateLimit-Limit, -Remaining and -Reset; a refused one is a 429 with
Retry-After. (Flask-Limiter did the same with three round trips and about a third of the request's
Python work: see docs/benchmarks.md.)
"""

import logging
import math
import time
from datetime import UTC, datetime

import redis
from flask import Flask, current_app, request
from limits.storage import MemoryStorage

from app import clock
from app.auth import confirm_caller, tentative_caller
from app.errors import ApiError
from app.identity_cache import EPOCH_KEY, identity_cache
from app.redis_script import ThreadKeptScript
from app.tokens import Caller

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
KEY_PREFIX = "socialscalr:budget:"
# How long a process counts in memory after Redis failed to answer, before it asks Redis again.
REDIS_RETRY_SECONDS = 10
# Unknown routes (404), the HTML docs, the probes and Prometheus's scrapes are not counted.
EXEMPT_BLUEPRINTS = {"docs", "health", "metrics"}
# Only API calls spend the budget: a person's web page views do not (sign-in has its own limit, `attempt`).
COUNTED_PATH_PREFIX = "/api/v1"
_WINDOW = "socialscalr.rate_limit_window"
_EXTENSION = "socialscalr.budget"
_SELF_COUNTED = "socialscalr.budget.self_counted"
# One round trip: the request's count in its window; the identity epoch (app.identity_cache), where a missing
# one (a new or flushed Redis) is set to the server's time, which no earlier epoch can equal; and KEYS[3], when
# given, the team's request count this month (Settings & billing).
_COUNT_AND_TTL = """
local count = redis.call("incr", KEYS[1])
if count == 1 then
    redis.call("expire", KEYS[1], ARGV[1])
end
local epoch = redis.call("get", KEYS[2])
if not epoch then
    local now = redis.call("time")
    epoch = now[1] .. "." .. now[2]
    redis.call("set", KEYS[2], epoch)
end
if KEYS[3] and redis.call("incr", KEYS[3]) == 1 then
    redis.call("expire", KEYS[3], ARGV[2])
end
return {count, redis.call("ttl", KEYS[1]), epoch}
"""
USAGE_PREFIX = "socialscalr:usage:"
USAGE_KEEP_SECONDS = 40 * 86400  # a month's count outlives the month long enough to be read at its end


def _usage_key(team_id, moment: datetime) -> str:
    return f"{team_id}:{moment.year:04d}-{moment.month:02d}"  # not strftime: it runs on every request


def monthly_requests(team_id, now: datetime) -> int:
    """API requests the team's tokens made this calendar month (UTC); this process's count in embedded mode."""
    return current_app.extensions[_EXTENSION].read(_usage_key(team_id, now.astimezone(UTC)))


def _rate_limit_key(token: Caller | None, remote_addr: str | None) -> str:
    """Who a request counts against: its token when valid, else the client address."""
    if token is not None:
        return f"token:{token.token_id}"
    return f"ip:{remote_addr or 'unknown'}"


class Budget:
    """Counts requests per key in fixed windows: in Redis when configured, else (or while it is down) in memory."""

    def __init__(self, redis_url: str | None):
        self.redis = None
        if redis_url:
            # A short timeout: a stuck Redis must not hold requests, they fall back to memory.
            self.redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
            self.count_and_ttl = ThreadKeptScript(self.redis, _COUNT_AND_TTL)
        self.memory = MemoryStorage()
        self.redis_down_until = 0.0

    def hit(self, key: str, usage_key: str | None = None,
            window: int = WINDOW_SECONDS) -> tuple[int, float, bytes | None]:
        """Count one request (and one for `usage_key`'s month); answer the count in the current window, when it
        ends (epoch seconds) and the identity epoch (None when counted in memory)."""
        if self.redis is not None and time.monotonic() >= self.redis_down_until:
            try:
                keys = [KEY_PREFIX + key, EPOCH_KEY] + ([USAGE_PREFIX + usage_key] if usage_key else [])
                count, ttl, epoch = self.count_and_ttl(keys, [window, USAGE_KEEP_SECONDS])
                return int(count), time.time() + max(int(ttl), 0), epoch
            except redis.RedisError as error:
                log.warning("rate limit: Redis did not answer (%s); counting in memory for %d s",
                            error, REDIS_RETRY_SECONDS)
                self.redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
                identity_cache().forget_all()
        if usage_key:
            self.memory.incr(USAGE_PREFIX + usage_key, USAGE_KEEP_SECONDS)
        count = self.memory.incr(key, window)
        return count, self.memory.get_expiry(key), None

    def read(self, usage_key: str) -> int:
        if self.redis is not None:
            try:
                return int(self.redis.get(USAGE_PREFIX + usage_key) or 0)
            except redis.RedisError:
                pass
        return self.memory.get(USAGE_PREFIX + usage_key)


def count_elsewhere(app: Flask, blueprint_names) -> None:
    """These blueprints count their requests themselves (their own keys and limits), with `hit`/`record_window`."""
    app.extensions.setdefault(_SELF_COUNTED, set()).update(blueprint_names)


def hit(key: str) -> tuple[int, float]:
    """Count one request against `key` in the shared budget (Redis, or memory): (count in window, reset epoch)."""
    count, reset_at = current_app.extensions[_EXTENSION].hit(key)[:2]
    return count, reset_at


def record_window(limit: int, count: int, reset_at: float) -> None:
    """The window this request was counted in: its X-RateLimit-* headers are added to the answer."""
    request.environ[_WINDOW] = (limit, count, reset_at)


def _count_request():
    # The objects behind the proxies, read once: this runs on every request.
    this_request, app = request._get_current_object(), current_app._get_current_object()
    blueprint = this_request.blueprint
    if this_request.endpoint is None or blueprint in EXEMPT_BLUEPRINTS:
        return
    if not this_request.path.startswith(COUNTED_PATH_PREFIX):
        return
    if blueprint in app.extensions.get(_SELF_COUNTED, ()):
        return
    limit = app.config["RATELIMIT_PER_MINUTE"]
    token = tentative_caller()
    now = usage_key = None
    if token is not None:
        now = clock.now()  # read once: it dates both the month's usage and the token's last use
        usage_key = _usage_key(token.team_id, now.astimezone(UTC))
    count, reset_at, identity_epoch = app.extensions[_EXTENSION].hit(
        _rate_limit_key(token, this_request.remote_addr), usage_key)
    confirm_caller(identity_epoch, now)
    # On the request, not on `g`: an app context (and its `g`) can outlive one request.
    this_request.environ[_WINDOW] = (limit, count, reset_at)
    if count > limit:
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(429, f"rate limit exceeded ({limit} per 1 minute); retry after the Retry-After seconds",
                       headers={"Retry-After": str(retry_after)})


def attempt(key: str, limit: int, window: int = WINDOW_SECONDS) -> bool:
    """Count one attempt of something limited per key (sign-in per address, per account) in the shared budget
    store; False once more than `limit` were made in the window."""
    count, _, _ = current_app.extensions[_EXTENSION].hit(key, window=window)
    return count <= limit


def _add_headers(response):
    window = request.environ.get(_WINDOW)
    if window is not None:
        limit, count, reset_at = window
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, limit - count))
        response.headers["X-RateLimit-Reset"] = str(math.ceil(reset_at))
    return response


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = Budget(app.config.get("REDIS_URL"))
    app.before_request(_count_request)
    app.after_request(_add_headers)
