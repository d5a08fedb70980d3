"""Instagram's and Threads' publish, the same three steps: create a media container (carousel: one per item, then
the carousel's), wait until its status is FINISHED, publish it. A container is invisible until published, so a
container whose answer was lost costs nothing; the publish call is the one that must never run twice.

Checkpoint keys: `children` (carousel item containers, in order), `container_id`, `platform_post_id` and
`platform_post_url` (the keys app.platforms.attempt records too), and `step` (what was about to be sent). On resume
a known container's status decides: PUBLISHED -> find the post (never publish again), FINISHED -> publish,
IN_PROGRESS -> wait, EXPIRED (24 h unpublished) -> create a new one, ERROR -> say why.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from datetime import datetime, timedelta

from app.platforms.base import (
    AppCredentials,
    ErrorKind,
    MediaItem,
    PlatformAdapter,
    PlatformError,
    PublishContext,
    Published,
    PublishRequest,
)
from app.platforms.meta_graph import GraphApi, classify, created_id, poll_settings, same_text, unix, wait_for

PROCESSING_WAIT = 60.0
CLOCK_SKEW = timedelta(minutes=2)


def _when(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


class ContainerAdapter(PlatformAdapter):
    label: str  # "Instagram", "Threads": names the platform in messages
    create_edge: str  # "media" / "threads"
    publish_edge: str  # "media_publish" / "threads_publish"
    status_fields: tuple[str, str]  # (status field, error field) of a container
    text_field: str  # "caption" / "text" on a published post
    quota_edge: str  # "content_publishing_limit" / "threads_publishing_limit"

    proof = False  # send appsecret_proof (graph.facebook.com / graph.instagram.com take it)

    def api(self, app: AppCredentials) -> GraphApi:
        return GraphApi(app, self.label, proof=self.proof)

    # --- what differs per platform ------------------------------------------------------------------------------
    @abstractmethod
    def single_params(self, request: PublishRequest, item: MediaItem | None) -> dict:
        """The container for a post with at most one media item."""

    @abstractmethod
    def child_params(self, item: MediaItem) -> dict:
        """One carousel item's container."""

    @abstractmethod
    def carousel_params(self, request: PublishRequest, children: list[str]) -> dict:
        """The carousel container."""

    def container_error(self, said: str) -> PlatformError:
        """A container's ERROR: Instagram puts the error subcode in `status` (alone or in a sentence)."""
        found = re.search(r"\b(\d{6,8})\b", said)
        subcode = int(found.group(1)) if found else None
        error = {"error_subcode": subcode, "message": said or "no reason given"}
        known = classify(self.label, error)
        if known.kind is ErrorKind.BAD_REQUEST and "could not download" in known.message:
            return known
        return PlatformError(ErrorKind.BAD_REQUEST, f"{self.label} could not process the media ({said or 'no reason'})"
                             "; check its format, size and duration", detail=f"container status ERROR: {said}")

    # --- the protocol -------------------------------------------------------------------------------------------
    def publish(self, ctx: PublishContext) -> Published:
        checkpoint = ctx.checkpoint
        if checkpoint.get("platform_post_id"):
            return Published(checkpoint["platform_post_id"], checkpoint.get("platform_post_url"))
        api, token, owner = self.api(ctx.app), ctx.tokens.access_token, ctx.account.platform_account_id
        interval, attempts = poll_settings(ctx.app)
        container = checkpoint.get("container_id")
        if container:
            status, said = self._status(api, token, container)
            if status == "PUBLISHED":  # an earlier attempt published it and died before recording the id
                return self._record(ctx, self._locate(api, ctx, container))
            if status == "EXPIRED":
                container = None
                ctx.save(container_id=None, children=[])
            elif status == "ERROR":
                raise self.container_error(said)
        if not container:
            container = self._create(api, ctx, interval, attempts)
        status = self._settle(api, ctx, container, interval, attempts, expired={"container_id": None})
        if status == "PUBLISHED":
            return self._record(ctx, self._locate(api, ctx, container))
        self._check_quota(api, token, owner)
        ctx.save(step="publish", container_id=container)
        post_id = created_id(api.post(f"{owner}/{self.publish_edge}", token, creation_id=container), self.label)
        ctx.save(platform_post_id=post_id)
        return self._record(ctx, Published(post_id, self._permalink(api, token, post_id)))

    def find_published(self, ctx: PublishContext) -> Published | None:
        checkpoint = ctx.checkpoint
        if checkpoint.get("platform_post_id"):
            return Published(checkpoint["platform_post_id"], checkpoint.get("platform_post_url"))
        container = checkpoint.get("container_id")
        if not container:
            return None  # nothing can be published without its container, and we never had one
        api = self.api(ctx.app)
        status, _ = self._status(api, ctx.tokens.access_token, container)
        if status != "PUBLISHED":
            return None  # FINISHED, IN_PROGRESS, ERROR, EXPIRED: the publish did not happen
        return self._locate(api, ctx, container)

    # --- steps --------------------------------------------------------------------------------------------------
    def _create(self, api: GraphApi, ctx: PublishContext, interval: float, attempts: int) -> str:
        token, owner, media = ctx.tokens.access_token, ctx.account.platform_account_id, ctx.request.media
        path = f"{owner}/{self.create_edge}"
        if len(media) <= 1:
            ctx.save(step="create_container")
            params = self.single_params(ctx.request, media[0] if media else None)
            container = created_id(api.post(path, token, **params), self.label)
            ctx.save(container_id=container)
            return container
        children = list(ctx.checkpoint.get("children") or [])
        for index in range(len(children), len(media)):
            ctx.save(step=f"create_child_{index}")
            children.append(created_id(api.post(path, token, **self.child_params(media[index])), self.label))
            ctx.save(children=children)
        for child in children:
            self._settle(api, ctx, child, interval, attempts, expired={"children": []})
        ctx.save(step="create_carousel")
        container = created_id(api.post(path, token, **self.carousel_params(ctx.request, children)), self.label)
        ctx.save(container_id=container)
        return container

    def _status(self, api: GraphApi, token: str, container: str) -> tuple[str, str]:
        status_field, error_field = self.status_fields
        body = api.get(container, token, fields=f"{status_field},{error_field}")
        return str(body.get(status_field) or "IN_PROGRESS"), str(body.get(error_field) or "")

    def _settle(self, api: GraphApi, ctx: PublishContext, container: str, interval: float, attempts: int, *,
                expired: dict) -> str:
        token, said = ctx.tokens.access_token, ""

        def read() -> str:
            nonlocal said
            status, said = self._status(api, token, container)
            return status

        status = wait_for(read, interval=interval, attempts=attempts)
        if status == "IN_PROGRESS":
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.label} is still processing the media; will check "
                                "again", retry_after=PROCESSING_WAIT, detail=f"container {container} IN_PROGRESS")
        if status == "ERROR":
            raise self.container_error(said)
        if status == "EXPIRED":
            ctx.save(**expired)
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.label} let the media container expire; it will be "
                                "created again", retry_after=5.0, detail=f"container {container} EXPIRED")
        return status

    def _check_quota(self, api: GraphApi, token: str, owner: str) -> None:
        body = api.get(f"{owner}/{self.quota_edge}", token, fields="quota_usage,config")
        for item in body.get("data") or []:
            usage, total = item.get("quota_usage"), (item.get("config") or {}).get("quota_total")
            if isinstance(usage, int) and isinstance(total, int) and usage >= total:
                raise PlatformError(ErrorKind.RETRY_LATER, f"{self.label} allows {total} API posts per 24 hours and "
                                    "this account has used them; will try again later", retry_after=3600.0,
                                    detail=f"quota_usage={usage} quota_total={total}")

    def _permalink(self, api: GraphApi, token: str, post_id: str) -> str | None:
        try:  # the post is live: a missing permalink must never fail (and so repeat) it
            return api.get(post_id, token, check_usage=False, fields="permalink").get("permalink")
        except PlatformError:
            return None

    def _locate(self, api: GraphApi, ctx: PublishContext, container: str) -> Published:
        """The post a PUBLISHED container became: ours by text among the account's posts since the first attempt,
        else the only post since then, else (the list lagging behind, or others posting too) the container's id."""
        since = ctx.started_at - CLOCK_SKEW
        posts = api.get(f"{ctx.account.platform_account_id}/{self.create_edge}", ctx.tokens.access_token,
                        fields=f"id,{self.text_field},timestamp,permalink", since=unix(since), limit=25)
        recent = [post for post in posts.get("data") or []
                  if isinstance(post, dict) and (_when(post.get("timestamp")) or since) >= since]
        ours = [post for post in recent if same_text(ctx.request.text, post.get(self.text_field))]
        if not ours and len(recent) == 1:
            ours = recent
        if ours:
            return Published(str(ours[0]["id"]), ours[0].get("permalink"))
        return Published(container, None)

    def _record(self, ctx: PublishContext, published: Published) -> Published:
        ctx.save(platform_post_id=published.platform_post_id, platform_post_url=published.platform_post_url)
        return published
