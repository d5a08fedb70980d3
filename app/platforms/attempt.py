"""One attempt at publishing one target, never twice: the protocol every adapter is driven by.

1. If the last attempt's answer was lost (`checkpoint["unconfirmed"]`), ask the platform first (`find_published`,
   read-only); publish again only when it says the post is not there.
2. Publish (the adapter resumes from its checkpoint and saves before each request that may create something).
3. A 401 is refreshed once and the attempt retried once; a second 401 means the connection can no longer act.
4. An answer lost now is marked `unconfirmed` and checked at once (it is often already visible); if it is not, the
   error goes back to the caller to schedule the next attempt, which starts at step 1.

The caller (app.socialdock.live) owns persistence: `ctx.save` commits, `refresh` stores the new tokens.
"""

from __future__ import annotations

from collections.abc import Callable

from app.platforms.base import ErrorKind, PlatformAdapter, PlatformError, PublishContext, Published, TokenSet


def _confirm(adapter: PlatformAdapter, ctx: PublishContext) -> Published | None:
    found = adapter.find_published(ctx)
    if found is not None:
        ctx.save(unconfirmed=False, platform_post_id=found.platform_post_id)
    return found


def _publish(adapter: PlatformAdapter, ctx: PublishContext) -> Published:
    try:
        published = adapter.publish(ctx)
    except PlatformError as error:
        if not error.maybe_happened:
            raise
        ctx.save(unconfirmed=True)
        found = _confirm(adapter, ctx)
        if found is not None:
            return found
        raise
    ctx.save(unconfirmed=False, platform_post_id=published.platform_post_id)
    return published


def publish_once(adapter: PlatformAdapter, ctx: PublishContext, refresh: Callable[[], TokenSet]) -> Published:
    """Publish ctx's target or raise PlatformError (classified). Never sends what may already be on the platform."""
    for refreshed in (False, True):
        try:
            if ctx.checkpoint.get("unconfirmed"):
                found = _confirm(adapter, ctx)
                if found is not None:
                    return found
                ctx.save(unconfirmed=False)
            return _publish(adapter, ctx)
        except PlatformError as error:
            if error.kind is not ErrorKind.REFRESH_TOKEN:
                raise
            if refreshed:
                raise PlatformError(ErrorKind.DISCONNECT, f"{adapter.platform} refused the access token again right "
                                    "after a refresh; connect the account again", status=error.status,
                                    detail=error.detail) from error
            ctx.tokens = refresh()
    raise AssertionError("unreachable")
