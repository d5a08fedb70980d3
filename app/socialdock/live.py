"""The live publisher: targets of live accounts connected through a platform's own API, published from a worker
through that platform's adapter (app/platforms), never twice.

`schedule` (in the post's request) sets the target's `due_at`; the periodic job `publish_live_targets` claims due
targets (SKIP LOCKED on PostgreSQL, plus a lease: `lease_owner`, `leased_until`) and commits the claim before any
HTTP, then drives each through `app.platforms.attempt.publish_once` with a `ctx.save` that commits the checkpoint at
once (and only while this worker still holds the lease). A lease that expires (the worker died) is claimed again;
if the checkpoint shows a request may have been sent, the next attempt is marked `unconfirmed`, so the adapter asks
the platform before publishing again.

Outcomes: published -> `targets.finish` (post_published). RETRY_LATER -> the next attempt after the platform's
Retry-After or a backoff, the reason on the target (`error`) while it waits; after MAX_ATTEMPTS or GIVE_UP_AFTER it
fails with the last reason. BAD_REQUEST -> failed with the adapter's message. DISCONNECT -> the account is
`disconnected` with the reason and every open target of it fails with that reason (post_failed each).
Limits (app/socialdock/pacing.py) move `due_at` instead of sending.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockAccount, DockPost, DockTarget
from app.platforms import config as platform_config
from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, PlatformError, PublishContext
from app.platforms.registry import adapter_for
from app.socialdock import live_context, pacing, targets
from app.socialdock.errors import DockError

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 12
GIVE_UP_AFTER = timedelta(hours=24)
BATCH = 20
RUN_SECONDS = 30.0  # a run claims no more after this (its periodic job's timeout is 60 s)


class LeaseLost(Exception):
    """Another worker took the target after this one's lease expired: this one stops writing."""


def app_key(account: DockAccount, app) -> str:
    """Whose budget an "app" limit counts: our client id at the platform, or the bot a Telegram account posts with."""
    return str((account.identity_extra or {}).get("bot_id") or app.client_id or account.id)


def backoff(attempts: int) -> float:
    return float(min(30 * 2 ** max(attempts - 1, 0), 3600))


def claim(now: datetime, owner: str, limit: int = BATCH) -> list:
    """Lease up to `limit` due live targets to `owner`; commits. Their ids."""
    statement = (
        select(DockTarget).join(DockPost, DockPost.id == DockTarget.post_id)
        .join(DockAccount, DockAccount.id == DockTarget.account_id, isouter=True)  # a deleted account: ends failed
        .where(DockPost.mode == "live", DockTarget.status.in_(targets.OPEN_STATUSES), DockTarget.due_at <= now,
               DockTarget.engine_post_id.is_(None), DockAccount.linkedin_account_id.is_(None),
               or_(DockTarget.leased_until.is_(None), DockTarget.leased_until <= now))
        .order_by(DockTarget.due_at).limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=DockTarget, skip_locked=True)
    claimed = []
    for target in db.session.scalars(statement).all():
        checkpoint = dict(target.checkpoint or {})
        if target.leased_until is not None and checkpoint.get("step"):
            checkpoint["unconfirmed"] = True  # its worker died after saying what it was about to send
        target.checkpoint, target.lease_owner, target.leased_until = checkpoint, owner, now + LEASE
        if target.status != "publishing":
            _lock_post(target.post_id)
            target.status = "publishing"
            targets.refresh_post(db.session.get(DockPost, target.post_id), now)
        target.updated_at = now
        claimed.append(target.id)
    db.session.commit()
    return claimed


def _held(target_id, owner: str) -> DockTarget:
    target = db.session.scalar(select(DockTarget).where(DockTarget.id == target_id, DockTarget.lease_owner == owner)
                               .with_for_update())
    if target is None:
        db.session.rollback()
        raise LeaseLost()
    return target


def _lock_post(post_id) -> None:
    """The post's row, locked before one of its targets changes: two workers ending two targets of one post take
    turns, so the second computes the post's status with the first's change committed."""
    db.session.execute(select(DockPost.id).where(DockPost.id == post_id).with_for_update())


def _release(target: DockTarget) -> None:
    target.lease_owner, target.leased_until = None, None


def _end(target_id, owner: str, *, published: bool, error: str | None = None, post_id: str | None = None,
         post_url: str | None = None) -> None:
    target = _held(target_id, owner)
    now = clock_now()
    _lock_post(target.post_id)
    _release(target)
    target.due_at = None
    targets.finish(target, now, published=published, platform_post_id=post_id, platform_post_url=post_url,
                   error=error)
    if published and post_id:  # the newest post we know on the account (an adapter may name a later one, e.g.
        # the last message of a Telegram album): where the next lost answer's search starts
        account = db.session.get(DockAccount, target.account_id)
        newest = (target.checkpoint or {}).get("last_post_id") or post_id
        account.identity_extra = dict(account.identity_extra or {}) | {"last_post_id": str(newest)}
    db.session.commit()


def _later(target_id, owner: str, wait: float, reason: str) -> None:
    target = _held(target_id, owner)
    now = clock_now()
    _release(target)
    target.due_at = now + timedelta(seconds=max(wait, 1.0))
    target.error = f"{reason} (next attempt at {target.due_at:%Y-%m-%d %H:%M:%S} UTC)"[:300]
    target.updated_at = now
    db.session.commit()


def disconnect_account(account_id, reason: str, owner: str | None = None) -> int:
    """The connection can no longer act: the account `disconnected` with the reason; every open target of it that no
    other worker holds fails with that reason (post_failed each). Commits; how many targets failed."""
    now = clock_now()
    account = db.session.scalar(select(DockAccount).where(DockAccount.id == account_id).with_for_update())
    if account.status == "active":
        account.status, account.status_reason, account.disconnected_at = "disconnected", reason[:300], now
        account.updated_at = now
    failed = 0
    for target in db.session.scalars(
        select(DockTarget).where(DockTarget.account_id == account_id, DockTarget.status.in_(targets.OPEN_STATUSES),
                                 or_(DockTarget.leased_until.is_(None), DockTarget.leased_until <= now,
                                     DockTarget.lease_owner == owner))
        .with_for_update()
    ).all():
        _lock_post(target.post_id)
        _release(target)
        target.due_at = None
        targets.finish(target, now, published=False, error=targets.ended_unsent(target, reason))
        failed += 1
    db.session.commit()
    return failed


def _failed(target, error: PlatformError, now: datetime) -> str | None:
    """The final error when this RETRY_LATER ends the target (too many attempts, too long), else None."""
    started = target.first_attempt_at or now
    if target.attempts < MAX_ATTEMPTS and now - started < GIVE_UP_AFTER:
        return None
    unsure = " It may have been published: check the account before posting it again." \
        if (target.checkpoint or {}).get("unconfirmed") else ""
    return f"gave up after {target.attempts} attempts: {error.message}.{unsure}"


def _context(target: DockTarget, post: DockPost, account: DockAccount, adapter, app, owner: str) -> PublishContext:
    media = live_context.media_items(post.team_id, targets.media_of(post, target))
    request = live_context.publish_request(post.text, post.title, media, dict(target.metadata_ or {}),
                                           target.id.hex)
    target_id = target.id

    def save(**values) -> None:
        ctx.checkpoint.update(values)
        now = clock_now()  # each step extends the lease (its owner only): a long upload keeps its target
        done = db.session.execute(update(DockTarget).where(DockTarget.id == target_id, DockTarget.lease_owner == owner)
                                  .values(checkpoint=dict(ctx.checkpoint), updated_at=now, leased_until=now + LEASE))
        if done.rowcount != 1:
            db.session.rollback()
            raise LeaseLost()
        db.session.commit()

    ctx = PublishContext(app=app, tokens=live_context.tokens_of(account), account=live_context.identity(account),
                         request=request, checkpoint=dict(target.checkpoint or {}), save=save,
                         started_at=target.first_attempt_at or clock_now())
    return ctx


def _count_attempt(target: DockTarget) -> None:
    """This attempt will talk to the platform: it counts toward MAX_ATTEMPTS, and the first one starts
    GIVE_UP_AFTER (committed before any request, so a worker that dies mid-attempt has it counted)."""
    now = clock_now()
    target.attempts = (target.attempts or 0) + 1
    target.first_attempt_at = target.first_attempt_at or now
    target.updated_at = now


def publish_target(target_id, owner: str) -> None:
    """One claimed target, start to end (commits as it goes)."""
    target = db.session.get(DockTarget, target_id)
    if target is None or target.lease_owner != owner:
        log.warning("dock target %s: lease taken over by another worker; not starting", target_id.hex)
        return None
    post, account = db.session.get(DockPost, target.post_id), db.session.get(DockAccount, target.account_id)
    known = (target.checkpoint or {}).get("platform_post_id")
    if known:  # the platform had confirmed it; the worker died before ending the target
        return _end(target_id, owner, published=True, post_id=known)
    if account is None or account.status != "active":
        reason = account.status_reason if account is not None and account.status_reason else "account disconnected"
        return _end(target_id, owner, published=False,
                    error=targets.ended_unsent(target, f"account disconnected: {reason}")[:300])
    adapter = adapter_for(target.platform)
    app = platform_config.app_credentials(adapter) if adapter else None
    if app is None:
        return _end(target_id, owner, published=False,
                    error=f"{target.platform} is no longer configured on this server (its app's settings)")
    wait = pacing.take(adapter, app, str(account.id), app_key(account, app),
                       pacing.actions_for(adapter, target.checkpoint))
    if wait > 0:  # waiting for a slot is not an attempt: MAX_ATTEMPTS and GIVE_UP_AFTER count sending only
        return _later(target_id, owner, wait, f"waiting for {target.platform}'s rate limit")
    account_id = account.id
    try:
        _count_attempt(target)
        ctx = _context(target, post, account, adapter, app, owner)
        adapter.check(ctx.request)
        db.session.commit()  # the attempt is counted, and no transaction stays open across the platform's calls
        if live_context.needs_refresh(ctx.tokens):
            ctx.tokens = live_context.refresh_ahead(adapter, app, account_id, ctx.tokens)
        published = publish_once(adapter, ctx, lambda: live_context.refresh(adapter, app, account_id, ctx.tokens))
    except DockError as error:  # its media is gone from our store
        db.session.rollback()
        return _end(target_id, owner, published=False, error=str(error.details))
    except LeaseLost:
        log.warning("dock target %s: lease taken over by another worker; stopping", target_id.hex)
        return None
    except PlatformError as error:
        return _handle(target_id, owner, account_id, adapter.platform, error)
    except Exception:  # an adapter's bug: never guess; ask the platform first next time
        log.exception("dock target %s: unexpected error while publishing", target_id.hex)
        db.session.rollback()
        error = PlatformError(ErrorKind.RETRY_LATER, f"{target.platform}: unexpected error; will check and try again",
                              maybe_happened=True)
        return _handle(target_id, owner, account_id, adapter.platform, error, unsure=True)
    return _end(target_id, owner, published=True, post_id=published.platform_post_id,
                post_url=published.platform_post_url)


def _handle(target_id, owner: str, account_id, platform: str, error: PlatformError, unsure: bool = False) -> None:
    db.session.rollback()
    log.info("dock target %s: %s (%s: %s)", target_id.hex, error.kind.value, error.message, error.detail)
    if error.kind in (ErrorKind.DISCONNECT, ErrorKind.REFRESH_TOKEN):
        disconnect_account(account_id, f"{platform}: {error.message}" if not error.message.lower().startswith(
            platform) else error.message, owner)
        return None
    if error.kind is ErrorKind.BAD_REQUEST:
        return _end(target_id, owner, published=False, error=error.message)
    target = _held(target_id, owner)
    if unsure:
        target.checkpoint = dict(target.checkpoint or {}) | {"unconfirmed": True}
    final = _failed(target, error, clock_now())
    db.session.commit()
    if final:
        return _end(target_id, owner, published=False, error=final)
    if error.retry_after and not error.maybe_happened:  # the platform said when (429, 503, a usage header)
        pacing.pause(platform, str(account_id), error.retry_after)
    wait = error.retry_after if error.retry_after is not None else backoff(target.attempts)
    return _later(target_id, owner, wait, error.message)


def publish_live(now: datetime | None = None, limit: int = BATCH, budget_seconds: float = RUN_SECONDS) -> int:
    """Claim due live targets one at a time and publish each, until none is due, `limit` were taken or the run's
    time is spent (so a run ends well within its job timeout and nothing claimed waits for a lease to expire);
    how many were taken."""
    owner = secrets.token_hex(16)
    started = time.monotonic()
    taken = 0
    while taken < limit and time.monotonic() - started < budget_seconds:
        claimed = claim(now or clock_now(), owner, 1)
        if not claimed:
            break
        try:
            publish_target(claimed[0], owner)
        except LeaseLost:  # ending it, this worker found another holding it: that one ends it
            db.session.rollback()
            log.warning("dock target %s: lease taken over by another worker before it ended", claimed[0].hex)
        taken += 1
    return taken
