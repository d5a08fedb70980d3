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

import redis
from flask import Flask, current_app, request
from limits.storage import MemoryStorage

from app.auth import current_token
from app.errors import ApiError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
KEY_PREFIX = "socialscalr:budget:"
# How long a process counts in memory after Redis failed to answer, before it asks Redis again.
REDIS_RETRY_SECONDS = 10
# Unknown routes (404) and the HTML docs are not counted.
EXEMPT_BLUEPRINTS = {"docs"}
_WINDOW = "socialscalr.rate_limit_window"
_EXTENSION = "socialscalr.budget"
_SELF_COUNTED = "socialscalr.budget.self_counted"
_COUNT_AND_TTL = """
local count = redis.call("incr", KEYS[1])
if count == 1 then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {count, redis.call("ttl", KEYS[1])}
"""


def rate_limit_key() -> str:
    """Who a request counts against: its token when valid, else the client address."""
    token = current_token() if request.path.startswith("/api/v1") else None
    if token is not None:
        return f"token:{token.token_id}"
    return f"ip:{request.remote_addr or 'unknown'}"


class Budget:
    """Counts requests per key in fixed windows: in Redis when configured, else (or while it is down) in memory."""

    def __init__(self, redis_url: str | None):
        self.redis = None
        if redis_url:
            # A short timeout: a stuck Redis must not hold requests, they fall back to memory.
            self.redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
            self.count_and_ttl = self.redis.register_script(_COUNT_AND_TTL)
        self.memory = MemoryStorage()
        self.redis_down_until = 0.0

    def hit(self, key: str) -> tuple[int, float]:
        """Count one request; answer the count in the current window and when it ends (epoch seconds)."""
        if self.redis is not None and time.monotonic() >= self.redis_down_until:
            try:
                count, ttl = self.count_and_ttl(keys=[KEY_PREFIX + key], args=[WINDOW_SECONDS])
                return int(count), time.time() + max(int(ttl), 0)
            except redis.RedisError as error:
                log.warning("rate limit: Redis did not answer (%s); counting in memory for %d s",
                            error, REDIS_RETRY_SECONDS)
                self.redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        count = self.memory.incr(key, WINDOW_SECONDS)
        return count, self.memory.get_expiry(key)


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
    if request.endpoint is None or request.blueprint in EXEMPT_BLUEPRINTS:
        return
    if request.blueprint in current_app.extensions.get(_SELF_COUNTED, ()):
        return
    limit = current_app.config["RATELIMIT_PER_MINUTE"]
    count, reset_at = current_app.extensions[_EXTENSION].hit(rate_limit_key())
    # On the request, not on `g`: an app context (and its `g`) can outlive one request.
    request.environ[_WINDOW] = (limit, count, reset_at)
    if count > limit:
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(429, f"rate limit exceeded ({limit} per 1 minute); retry after the Retry-After seconds",
                       headers={"Retry-After": str(retry_after)})


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
