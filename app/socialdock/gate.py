"""Before any SocialDock API view: the key (401), the plan (403 on FREE), the workspace's per-minute budget (429),
then the same body checks as our API. Our bearer tokens are not keys here, and SocialDock keys are not tokens
there (app/auth.py only reads `ss_` tokens, and only under /api/v1).

Requests are counted in app/ratelimit.py's Redis budget (one script call), per workspace for a paying plan and per
client address otherwise, so every answer carries X-RateLimit-Limit, -Remaining and -Reset.
"""

import math
import time
from datetime import UTC, datetime

from flask import current_app, g, request

from app import ratelimit
from app.content_type import check_json_request
from app.socialdock.errors import DockError
from app.socialdock.keys import PLAN_LIMITS, DockCaller, KeyRefused, resolve_key

API_BLUEPRINTS: set[str] = set()
DEFAULT_ANONYMOUS_PER_MINUTE = 100


def _key_from_header() -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise KeyRefused("Send your API key as 'Authorization: Bearer sd_live_...'.")
    return key.strip()


def _count(key: str, limit: int) -> None:
    count, reset_at = ratelimit.hit(key)
    ratelimit.record_window(limit, count, reset_at)
    if count > limit:
        retry_at = datetime.fromtimestamp(math.ceil(reset_at), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise DockError(429, "Too Many Requests",
                        f"Rate limit of {limit} requests/min exceeded. Retry after {retry_at}.",
                        headers={"Retry-After": str(max(1, math.ceil(reset_at - time.time())))},
                        meta={"retry_after": retry_at})


def _count_anonymous() -> None:
    limit = int(current_app.config.get("SOCIALDOCK_ANONYMOUS_PER_MINUTE") or DEFAULT_ANONYMOUS_PER_MINUTE)
    _count(f"dock-address:{request.remote_addr or 'unknown'}", limit)


def current_caller() -> DockCaller:
    return g.dock_caller


def before_request():
    if request.blueprint not in API_BLUEPRINTS:
        return
    try:
        caller = resolve_key(_key_from_header())
    except KeyRefused as refused:
        _count_anonymous()
        raise DockError(401, "Unauthorized", str(refused)) from None
    limit = PLAN_LIMITS.get(caller.plan, 0)
    if limit <= 0:
        _count_anonymous()
        raise DockError(403, "Forbidden", "Your workspace's plan (FREE) has no API access; upgrade to BUILD, "
                                          "ACCELERATE or UNLIMITED.")
    _count(f"dock-workspace:{caller.team_id}", limit)
    g.dock_caller = caller
    check_json_request()
