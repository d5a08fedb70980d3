"""Threads (graph.threads.net): OAuth at threads.net/oauth/authorize, the code exchanged for a short-lived token
(`POST /oauth/access_token`), that exchanged for a long-lived one (~60 days, `GET /access_token?grant_type=
th_exchange_token`) and renewed with `GET /refresh_access_token?grant_type=th_refresh_token` (no refresh token:
the long-lived token renews itself while it is valid). Publishing is a container (`POST /{user-id}/threads` with
media_type TEXT, IMAGE or VIDEO; carousel items then CAROUSEL) polled for its `status`, then `POST
/{user-id}/threads_publish` with `creation_id` (app.platforms.meta_containers). Threads pulls files from our URLs.

Limits: 250 API-published posts per profile per rolling 24 h (checked at `threads_publishing_limit`); text up to
500 characters; images JPEG or PNG up to 8 MB; videos MP4 or MOV up to 1 GB and 5 minutes; 2 to 20 carousel items.
Metrics come from `/{media-id}/insights` and `/{user-id}/threads_insights`.
"""

from __future__ import annotations

import re

from app.platforms.base import (
    AppCredentials,
    ErrorKind,
    Identity,
    Limit,
    MediaItem,
    PlatformError,
    PublishContext,
    PublishRequest,
    TokenSet,
)
from app.platforms.meta_containers import ContainerAdapter
from app.platforms.meta_graph import extract_metrics, media_fetch_message
from app.platforms.oauth import authorize_url, token_set

SCOPES = ["threads_basic", "threads_content_publish", "threads_manage_insights"]
IMAGE_TYPES = {"image/jpeg", "image/png"}
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_VIDEO_BYTES = 1024 * 1024 * 1024
MAX_TEXT = 500
MAX_ITEMS = 20
CONTAINER_ERRORS = {
    "FAILED_PROCESSING_AUDIO": "could not process the video's audio",
    "FAILED_PROCESSING_VIDEO": "could not process the video",
    "INVALID_ASPEC_RATIO": "does not take the video's aspect ratio",
    "INVALID_BIT_RATE": "does not take the video's bit rate",
    "INVALID_DURATION": "does not take the video's duration (at most 5 minutes)",
    "INVALID_FRAME_RATE": "does not take the video's frame rate (23 to 60 FPS)",
    "INVALID_AUDIO_CHANNELS": "does not take the video's audio channels (at most 2)",
    "INVALID_AUDIO_CHANNEL_LAYOUT": "does not take the video's audio channel layout",
}


def _refuse(message: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"Threads: {message}")


def _root(api_base: str) -> str:
    """The token endpoints live at the host's root, outside the versioned path."""
    return re.sub(r"/v\d+(\.\d+)?/?$", "", api_base.rstrip("/"))


class ThreadsAdapter(ContainerAdapter):
    platform = "threads"
    label = "Threads"
    default_api_base = "https://graph.threads.net/v1.0"
    default_auth_base = "https://threads.net"
    limits = (Limit("publish", 250, 24 * 3600),)
    create_edge, publish_edge, quota_edge = "threads", "threads_publish", "threads_publishing_limit"
    status_fields, text_field = ("status", "error_message"), "text"

    # --- connecting -----------------------------------------------------------------------------------------------
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        return authorize_url(app, "oauth/authorize", redirect_uri=redirect_uri, scope=SCOPES, state=state,
                             scope_separator=",")

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        api, root = self.api(app), _root(app.api_base)
        short = api.token_call("POST", "oauth/access_token", base=root, client_id=app.client_id,
                               client_secret=app.client_secret, grant_type="authorization_code",
                               redirect_uri=redirect_uri, code=code)
        body = api.token_call("GET", "access_token", base=root, grant_type="th_exchange_token",
                              client_secret=app.client_secret, access_token=short.get("access_token", ""))
        tokens = token_set(body, "Threads")
        tokens.extra["user_id"] = str(short.get("user_id") or "")
        return tokens

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        body = self.api(app).token_call("GET", "refresh_access_token", base=_root(app.api_base),
                                        grant_type="th_refresh_token", access_token=tokens.access_token)
        fresh = token_set(body, "Threads")
        fresh.extra = {**tokens.extra, **fresh.extra}
        return fresh

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        me = self.api(app).get("me", tokens.access_token, fields="id,username,name,threads_profile_picture_url")
        return [Identity(str(me["id"]), me.get("username"), me.get("name") or me.get("username"),
                         extra={"picture": me.get("threads_profile_picture_url")})]

    # --- publishing -----------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        text, media = request.text or "", request.media
        if not text.strip() and not media:
            raise _refuse("a post needs text or at least one image or video")
        if len(text) > MAX_TEXT:
            raise _refuse(f"the text is {len(text)} characters, the limit is {MAX_TEXT}")
        if len(media) > MAX_ITEMS:
            raise _refuse(f"a carousel takes at most {MAX_ITEMS} images or videos, this post has {len(media)}")
        for item in media:
            name = item.file_name or f"this {item.kind}"
            if item.kind == "image":
                if item.mime_type not in IMAGE_TYPES:
                    raise _refuse(f"images must be JPEG or PNG ({name} is {item.mime_type})")
                if item.size_bytes > MAX_IMAGE_BYTES:
                    raise _refuse(f"the image {name} is larger than 8 MB")
            elif item.kind == "video":
                if item.mime_type not in VIDEO_TYPES:
                    raise _refuse(f"videos must be MP4 or MOV ({name} is {item.mime_type})")
                if item.size_bytes > MAX_VIDEO_BYTES:
                    raise _refuse(f"the video {name} is larger than 1 GB")
            else:
                raise _refuse(f"{name} is neither an image nor a video")

    def container_error(self, said: str) -> PlatformError:
        if said == "FAILED_DOWNLOADING_VIDEO":
            return PlatformError(ErrorKind.BAD_REQUEST, media_fetch_message("Threads"), detail=said)
        if said in CONTAINER_ERRORS:
            return PlatformError(ErrorKind.BAD_REQUEST, f"Threads {CONTAINER_ERRORS[said]}", detail=said)
        return super().container_error(said)

    def single_params(self, request: PublishRequest, item: MediaItem | None) -> dict:
        params = {"text": request.text or ""}
        if item is None:
            return {**params, "media_type": "TEXT"}
        if item.kind == "video":
            return {**params, "media_type": "VIDEO", "video_url": item.url}
        return {**params, "media_type": "IMAGE", "image_url": item.url}

    def child_params(self, item: MediaItem) -> dict:
        if item.kind == "video":
            return {"media_type": "VIDEO", "video_url": item.url, "is_carousel_item": "true"}
        return {"media_type": "IMAGE", "image_url": item.url, "is_carousel_item": "true"}

    def carousel_params(self, request: PublishRequest, children: list[str]) -> dict:
        return {"media_type": "CAROUSEL", "children": ",".join(children), "text": request.text or ""}

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        body = self.api(ctx.app).get(f"{platform_post_id}/insights", ctx.tokens.access_token,
                                     metric="views,likes,replies,reposts,quotes,shares")
        return extract_metrics(body, {"views": "views", "likes": "likes", "replies": "comments",
                                      "reposts": "shares", "quotes": "shares", "shares": "shares"})

    def account_metrics(self, ctx: PublishContext) -> dict:
        body = self.api(ctx.app).get(f"{ctx.account.platform_account_id}/threads_insights", ctx.tokens.access_token,
                                     metric="followers_count")
        return extract_metrics(body, {"followers_count": "followers"})


ADAPTER = ThreadsAdapter()
