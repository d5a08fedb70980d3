"""Metrics of live platform accounts and their published targets, fetched on a schedule that respects quotas: each
published target at most every POST_EVERY and only for POST_FOR after it was published, each account at most every
ACCOUNT_EVERY, at most BATCH of each a run (the periodic job `fetch_live_metrics`). Stored with `fetched_at`; the
analytics endpoints show them (never invented: nulls until fetched). A platform that says "slow down" ends the run
for that account; a revoked connection disconnects it as publishing does. The same job first renews long-lived
tokens that can only be renewed while they are still valid before they expire (`renew_expiring`).

A post whose metrics cannot be read (deleted on the platform, an id it does not know: BAD_REQUEST) is not asked
again first in line every run: each failed read is counted (`metrics_failures`) and moves its next read later
(`metrics_retry_at`: 2 h, 4 h, 8 h, ... at most a day), never-failing posts go first, and after METRICS_TRIES
refused reads in a row the job stops asking for that post. A passing problem (RETRY_LATER, a timeout) backs off the
same way but never stops the asking.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockAccount, DockPost, DockTarget
from app.platforms import config as platform_config
from app.platforms.base import ErrorKind, PlatformError, PublishContext, PublishRequest
from app.platforms.registry import adapter_for
from app.socialdock import live, live_context, pacing

log = logging.getLogger(__name__)

POST_EVERY = timedelta(hours=1)
POST_FOR = timedelta(days=30)
ACCOUNT_EVERY = timedelta(hours=6)
# Tokens that can only be renewed while still valid (Meta's ~60-day tokens: a Facebook page's renews with its user's
# token, which must not have expired; Instagram's and Threads' renew themselves) are renewed this long before they
# expire, even on an account that publishes nothing: an idle account never has to be reconnected. Only these
# platforms' accounts are picked (in SQL), so hourly tokens with a refresh token never fill the batch.
RENEW_AHEAD = timedelta(days=7)
RENEWED_AHEAD = ("facebook", "instagram", "threads")
BATCH = 50
METRICS_TRIES = 5  # refused reads of a post's metrics in a row before the job stops asking
METRICS_BACKOFF_MAX = timedelta(days=1)
POST_NAMES = ("views", "likes", "comments", "shares", "impressions", "reach")
ACCOUNT_NAMES = ("followers", "following", "posts")


def _numbers(values: dict, names: tuple[str, ...]) -> dict:
    kept = {name: values[name] for name in names if isinstance(values.get(name), (int, float))
            and not isinstance(values.get(name), bool)}
    if "views" not in kept and "impressions" in kept:
        kept["views"] = kept["impressions"]  # what the API calls views: the platform's impressions
    return kept


def _context(account: DockAccount, adapter, app) -> PublishContext:
    return PublishContext(app=app, tokens=live_context.tokens_of(account), account=live_context.identity(account),
                          request=PublishRequest("", None, (), {}, ""), checkpoint={}, save=lambda **_: None,
                          started_at=clock_now())


def _fetch(account: DockAccount, call) -> dict | PlatformError | None:
    """Run `call(ctx)` for the account: refreshed ahead and once after a 401. None when it cannot now (paced,
    paused, disconnected); the platform's error when it answered but gave no numbers."""
    adapter = adapter_for(account.platform)
    app = platform_config.app_credentials(adapter) if adapter else None
    if app is None or pacing.take(adapter, app, str(account.id), live.app_key(account, app), ("request",)) > 0:
        return None  # paused by the platform, or its request budget is spent: next run
    account_id = account.id
    try:
        ctx = _context(account, adapter, app)
        db.session.commit()
        if live_context.needs_refresh(ctx.tokens):
            ctx.tokens = live_context.refresh_ahead(adapter, app, account_id, ctx.tokens)
        try:
            return call(adapter, ctx)
        except PlatformError as error:
            if error.kind is not ErrorKind.REFRESH_TOKEN:
                raise
            ctx.tokens = live_context.refresh(adapter, app, account_id, ctx.tokens)
            return call(adapter, ctx)
    except PlatformError as error:
        db.session.rollback()
        if error.kind in (ErrorKind.DISCONNECT, ErrorKind.REFRESH_TOKEN):
            live.disconnect_account(account_id, error.message)
        elif error.kind is ErrorKind.RETRY_LATER and error.retry_after:
            pacing.pause(account.platform, str(account_id), error.retry_after)
        log.info("dock metrics of account %s: %s (%s)", account_id.hex, error.message, error.kind.value)
        return None if error.kind in (ErrorKind.DISCONNECT, ErrorKind.REFRESH_TOKEN) else error


def _read_failed(target: DockTarget, error: PlatformError, now: datetime) -> None:
    """Count a failed read of the post's metrics and move its next read later; only a refusal (BAD_REQUEST: the post
    is gone or the id unknown) can reach METRICS_TRIES and end the asking."""
    failures = (target.metrics_failures or 0) + 1
    if error.kind is not ErrorKind.BAD_REQUEST:
        failures = min(failures, METRICS_TRIES - 1)
    target.metrics_failures, target.updated_at = failures, now
    target.metrics_retry_at = now + min(POST_EVERY * 2 ** failures, METRICS_BACKOFF_MAX)


def renew_expiring(now: datetime | None = None, limit: int = BATCH) -> int:
    """Renew the tokens of RENEWED_AHEAD platforms that expire within RENEW_AHEAD; commits. How many were renewed."""
    now = now or clock_now()
    renewed = 0
    for account_id in db.session.scalars(
        select(DockAccount.id).where(DockAccount.mode == "live", DockAccount.status == "active",
                                     DockAccount.token_ciphertext.is_not(None),
                                     DockAccount.platform.in_(RENEWED_AHEAD),
                                     DockAccount.token_expires_at <= now + RENEW_AHEAD)
        .order_by(DockAccount.token_expires_at).limit(limit)
    ).all():
        account = db.session.get(DockAccount, account_id)
        adapter = adapter_for(account.platform)
        app = platform_config.app_credentials(adapter) if adapter else None
        if app is None:
            continue
        try:
            held = live_context.tokens_of(account)
            fresh = live_context.refresh_ahead(adapter, app, account_id, held)
            renewed += fresh.access_token != held.access_token  # a passing refusal keeps the held tokens: next run
        except PlatformError as error:
            db.session.rollback()
            live.disconnect_account(account_id, error.message)
    db.session.commit()
    return renewed


def fetch_metrics(now: datetime | None = None, limit: int = BATCH) -> int:
    """Renew expiring tokens, then fetch what is due; commits. How many targets and accounts got numbers."""
    now = now or clock_now()
    renew_expiring(now, limit)
    done = 0
    due_targets = db.session.execute(
        select(DockTarget.id, DockTarget.account_id).join(DockPost, DockPost.id == DockTarget.post_id)
        .join(DockAccount, DockAccount.id == DockTarget.account_id)
        .where(DockPost.mode == "live", DockTarget.status == "published", DockTarget.platform_post_id.is_not(None),
               DockTarget.engine_post_id.is_(None), DockAccount.status == "active",
               DockAccount.token_ciphertext.is_not(None), DockTarget.published_at >= now - POST_FOR,
               or_(DockTarget.metrics_fetched_at.is_(None), DockTarget.metrics_fetched_at <= now - POST_EVERY),
               DockTarget.metrics_failures < METRICS_TRIES,
               or_(DockTarget.metrics_retry_at.is_(None), DockTarget.metrics_retry_at <= now))
        .order_by(DockTarget.metrics_failures, DockTarget.metrics_fetched_at.asc().nulls_first()).limit(limit)
    ).all()
    for target_id, account_id in due_targets:
        target, account = db.session.get(DockTarget, target_id), db.session.get(DockAccount, account_id)
        if account.status != "active":
            continue
        post_id = target.platform_post_id
        values = _fetch(account, lambda adapter, ctx, post_id=post_id: adapter.post_metrics(ctx, post_id))
        if values is None:
            continue
        target = db.session.get(DockTarget, target_id)
        if isinstance(values, PlatformError):
            _read_failed(target, values, now)
            db.session.commit()
            continue
        target.metrics, target.metrics_fetched_at, target.updated_at = _numbers(values, POST_NAMES), now, now
        target.metrics_failures, target.metrics_retry_at = 0, None
        db.session.commit()
        done += 1
    due_accounts = db.session.scalars(
        select(DockAccount.id).where(DockAccount.mode == "live", DockAccount.status == "active",
                                     DockAccount.token_ciphertext.is_not(None),
                                     or_(DockAccount.metrics_fetched_at.is_(None),
                                         DockAccount.metrics_fetched_at <= now - ACCOUNT_EVERY))
        .order_by(DockAccount.metrics_fetched_at.asc().nulls_first()).limit(limit)
    ).all()
    for account_id in due_accounts:
        account = db.session.get(DockAccount, account_id)
        values = _fetch(account, lambda adapter, ctx: adapter.account_metrics(ctx))
        if values is None or isinstance(values, PlatformError):
            continue
        account = db.session.get(DockAccount, account_id)
        account.metrics, account.metrics_fetched_at, account.updated_at = _numbers(values, ACCOUNT_NAMES), now, now
        db.session.commit()
        done += 1
    return done
