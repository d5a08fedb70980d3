"""Metrics of live platform accounts and their published targets, fetched on a schedule that respects quotas: each
published target at most every POST_EVERY and only for POST_FOR after it was published, each account at most every
ACCOUNT_EVERY, at most BATCH of each a run (the periodic job `fetch_live_metrics`). Stored with `fetched_at`; the
analytics endpoints show them (never invented: nulls until fetched). A platform that says "slow down" ends the run
for that account; a revoked connection disconnects it as publishing does. The same job first renews long-lived
tokens that renew themselves (no refresh token) before they expire (`renew_expiring`).
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
# Tokens without a refresh token that renew themselves while valid (Meta's ~60-day tokens) are renewed this long
# before they expire, even on an account that publishes nothing: an idle account never has to be reconnected.
RENEW_AHEAD = timedelta(days=7)
BATCH = 50
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


def _fetch(account: DockAccount, call) -> dict | None:
    """Run `call(ctx)` for the account: refreshed ahead and once after a 401; None when it cannot now."""
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
        return None


def renew_expiring(now: datetime | None = None, limit: int = BATCH) -> int:
    """Renew self-renewing tokens that expire within RENEW_AHEAD; commits. How many were renewed."""
    now = now or clock_now()
    renewed = 0
    for account_id in db.session.scalars(
        select(DockAccount.id).where(DockAccount.mode == "live", DockAccount.status == "active",
                                     DockAccount.token_ciphertext.is_not(None),
                                     DockAccount.token_expires_at <= now + RENEW_AHEAD)
        .order_by(DockAccount.token_expires_at).limit(limit)
    ).all():
        account = db.session.get(DockAccount, account_id)
        adapter = adapter_for(account.platform)
        app = platform_config.app_credentials(adapter) if adapter else None
        try:
            tokens = live_context.tokens_of(account)
            if app is None or tokens.refresh_token:
                continue  # a refresh token: refreshed when next used
            live_context.refresh_ahead(adapter, app, account_id, tokens)
            renewed += 1
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
               or_(DockTarget.metrics_fetched_at.is_(None), DockTarget.metrics_fetched_at <= now - POST_EVERY))
        .order_by(DockTarget.metrics_fetched_at.asc().nulls_first()).limit(limit)
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
        target.metrics, target.metrics_fetched_at, target.updated_at = _numbers(values, POST_NAMES), now, now
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
        if values is None:
            continue
        account = db.session.get(DockAccount, account_id)
        account.metrics, account.metrics_fetched_at, account.updated_at = _numbers(values, ACCOUNT_NAMES), now, now
        db.session.commit()
        done += 1
    return done
