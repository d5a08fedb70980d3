"""Platform limits, kept in Redis so every worker sees the same budget: queue and wait, never hammer.

Each adapter declares its limits (`Limit(action, count, seconds, scope)`). The attempt that starts a publish takes
one slot of every limit of its platform at once (it makes at least one call of each kind), or none. A later attempt
of a post whose checkpoint shows the create already done (`STARTED`: a media container, a TikTok publish id, an
upload session, uploaded media) only finishes or polls what the first attempt started: it takes just a "request"
slot (`actions_for`), so polling a video that is still processing never spends the daily publish or upload budgets.
A metrics fetch takes one "request" slot. Each limit is a sliding log per scope key (a sorted set of moments), all
checked and taken in one Lua script.
Scopes: "account" (the connected account), "app" (our client id; Telegram: the bot), "chat" (Telegram's chat, which
is the account). When a slot is not free the answer is how long to wait, and the publisher moves the target's next
attempt by that much, with the reason on the target.

A platform that says "slow down" (429 with Retry-After, a usage header) pauses the account (`pause`): every target
of it waits until then. Moments come from app.clock, like everything else.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from app.clock import now as clock_now
from app.platforms.base import AppCredentials, Limit, PlatformAdapter
from app.queueing import redis_connection

KEY = "socialscalr:dock-limit:"
PAUSE = "socialscalr:dock-pause:"

# KEYS: one sorted set per limit. ARGV: now (ms), a unique member, then count, window (ms) per key.
# Answers 0 when a slot of every limit was taken, else the milliseconds until the fullest one frees a slot.
_TAKE = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= count then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local free = tonumber(oldest[2]) + window - now
    if free > wait then wait = free end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]) + 60000)
end
return 0
"""


# Checkpoint keys an adapter saves once the platform holds what this post creates (Instagram/Threads containers,
# TikTok publish ids, YouTube upload sessions and videos, Reddit/LinkedIn uploaded media, Facebook's photos): the
# attempt that saved them took the post's publish and upload slots already.
STARTED = ("container_id", "publish_id", "session_url", "video_id", "asset", "media", "photos")


def actions_for(adapter: PlatformAdapter, checkpoint: dict | None) -> tuple[str, ...] | None:
    """The limits an attempt with this checkpoint takes a slot of: every limit (None) for an attempt that starts the
    post, only "request" for one that continues what an earlier attempt started."""
    if any((checkpoint or {}).get(key) for key in STARTED):
        return ("request",)
    return None


def _scope_key(limit: Limit, adapter: PlatformAdapter, app: AppCredentials, account_key: str, app_key: str) -> str:
    who = app_key if limit.scope == "app" else account_key
    return f"{KEY}{adapter.platform}:{limit.action}:{limit.count}/{limit.seconds}:{limit.scope}:{who}"


def take(adapter: PlatformAdapter, app: AppCredentials, account_key: str, app_key: str | None = None,
         actions: tuple[str, ...] | None = None, now: datetime | None = None) -> float:
    """Take one slot of every limit of `actions` (None: every limit the adapter declares, as a publish makes at least
    one call of each kind): 0 when taken, else the seconds to wait (nothing taken)."""
    moment = now or clock_now()
    paused = paused_for(adapter.platform, account_key, moment)
    if paused > 0:
        return paused
    limits = [limit for limit in adapter.limits if actions is None or limit.action in actions]
    if not limits:
        return 0.0
    keys = [_scope_key(limit, adapter, app, account_key, app_key or app.client_id or account_key) for limit in limits]
    now_ms = int(moment.timestamp() * 1000)
    args = [now_ms, f"{now_ms}:{secrets.token_hex(8)}"]
    for limit in limits:
        args += [limit.count, limit.seconds * 1000]
    connection = redis_connection()
    waited = connection.eval(_TAKE, len(keys), *keys, *args)
    return int(waited) / 1000.0


def pause(platform: str, account_key: str, seconds: float, now: datetime | None = None) -> None:
    """The platform asked us to slow down: nothing of this account is sent for `seconds`."""
    if seconds <= 0:
        return
    until = (now or clock_now()).timestamp() + seconds
    connection = redis_connection()
    key = f"{PAUSE}{platform}:{account_key}"
    current = float(connection.get(key) or 0)
    if until > current:
        connection.set(key, str(until), ex=int(seconds) + 3600)


def paused_for(platform: str, account_key: str, now: datetime | None = None) -> float:
    value = redis_connection().get(f"{PAUSE}{platform}:{account_key}")
    if not value:
        return 0.0
    return max(0.0, float(value) - (now or clock_now()).timestamp())
