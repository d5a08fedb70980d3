"""TikTok: Login Kit (OAuth 2 v2, PKCE S256) and the Content Posting API's direct post (a video, or 1-35 photos).

A video goes by FILE_UPLOAD, never twice:
1. `creator_info/query` says which privacy levels the account offers and whether comments/duets/stitches are off.
2. `video/init` (6 a minute per user) answers `publish_id` and `upload_url`, saved at once.
3. Each chunk is PUT to `upload_url` with Content-Range; the checkpoint keeps the chunks acknowledged, and after a
   dropped chunk `status/fetch`'s `uploaded_bytes` says what arrived, so the upload resumes where it stopped.
4. `status/fetch` until PUBLISH_COMPLETE (the public post id) or FAILED (its `fail_reason` in words).

Why FILE_UPLOAD: a `video/init` whose answer was lost leaves an upload URL nobody knows and no bytes, so TikTok can
never publish it (the URL expires after an hour): sending the post again cannot double it. With PULL_FROM_URL
TikTok fetches and publishes on its own, and the only way to learn of it is the account's video list, which shows
posts after moderation (minutes to hours): a lost answer cannot be told from "not yet". `find_published` still
reads that list (videos since `started_at` whose caption is ours) before an init is repeated.

Photos exist only as PULL_FROM_URL (`content/init`): when that answer is lost and the list does not show the post,
the target fails saying so rather than risk a second post. What a post may be (`tiktok_rules`) and the post_info it
is initialised with (`tiktok_post_info`) live beside this module.
"""

from __future__ import annotations

import time

from app.platforms import oauth
from app.platforms.base import (
    AppCredentials,
    ErrorKind,
    Identity,
    Limit,
    PlatformAdapter,
    PlatformError,
    PublishContext,
    Published,
    PublishRequest,
    TokenSet,
)
from app.platforms.http import PlatformHttp
from app.platforms.tiktok_errors import data_of, fail_reason_error, token_error
from app.platforms.tiktok_post_info import photo_cover_index, post_info
from app.platforms.tiktok_rules import (
    DEFAULT_CHUNK,
    MAX_CHUNK,
    MIN_CHUNK,
    caption,
    check_request,
    chunk_plan,
    chunk_range,
    is_photo_post,
)

SCOPES = ["user.info.basic", "user.info.stats", "video.list", "video.publish", "video.upload"]
USER_FIELDS = "open_id,union_id,avatar_url,display_name,username"
DONE, FAILED = "PUBLISH_COMPLETE", "FAILED"
CLOCK_SKEW = 120  # seconds: a video created this long before started_at may still be ours


def _bearer(tokens: TokenSet) -> dict:
    return {"Authorization": f"Bearer {tokens.access_token}"}


def _json_headers(tokens: TokenSet) -> dict:
    return {**_bearer(tokens), "Content-Type": "application/json; charset=UTF-8"}


class TikTokAdapter(PlatformAdapter):
    platform = "tiktok"
    default_api_base = "https://open.tiktokapis.com"
    default_auth_base = "https://www.tiktok.com"
    uses_pkce = True  # Login Kit for Web takes S256 (base64url); only the desktop flow wants a hex challenge
    limits = (
        Limit("upload_init", 6, 60),  # video/init: 6 a minute per user access token
        Limit("request", 20, 60),  # creator_info/query's 20 a minute (status/fetch allows 30)
        Limit("publish", 15, 24 * 3600),  # about 15 API posts a day per creator before spam_risk_too_many_posts
    )

    # --- connecting -----------------------------------------------------------------------------------------------
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        return oauth.authorize_url(app, "/v2/auth/authorize/", redirect_uri=redirect_uri, scope=SCOPES, state=state,
                                   code_challenge=code_challenge, scope_separator=",", client_id_name="client_key")

    def _token(self, app: AppCredentials, form: dict) -> TokenSet:
        return oauth.post_token_form(
            app, "/v2/oauth/token/", {"client_key": app.client_id, "client_secret": app.client_secret, **form},
            name="TikTok", owner="TikTok", credentials="client key or secret", token_error=token_error,
            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        return self._token(app, oauth.code_grant(code, redirect_uri, code_verifier))

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        """TikTok rotates the refresh token: the answer's `refresh_token` replaces the stored one."""
        if not tokens.refresh_token:
            raise PlatformError(ErrorKind.DISCONNECT, "TikTok: no refresh token is stored; connect the account again")
        return self._token(app, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        user = data_of(PlatformHttp(app).read("GET", "/v2/user/info/", params={"fields": USER_FIELDS},
                                              headers=_bearer(tokens))).get("user") or {}
        if not user.get("open_id"):
            raise PlatformError(ErrorKind.RETRY_LATER, "TikTok did not say which account signed in; will try again",
                                retry_after=60.0)
        return [Identity(platform_account_id=str(user["open_id"]), username=user.get("username"),
                         display_name=user.get("display_name"),
                         extra={"avatar_url": user.get("avatar_url"), "union_id": user.get("union_id")})]

    # --- publishing -----------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        check_request(request)

    def _preferred_chunk(self, app: AppCredentials) -> int:
        chunk = int(app.extra.get("chunk_size") or DEFAULT_CHUNK)  # tests use small chunks against the fake
        return chunk if "chunk_size" in app.extra else min(max(chunk, MIN_CHUNK), MAX_CHUNK)

    def _post_info(self, http: PlatformHttp, ctx: PublishContext) -> dict:
        creator = data_of(http.read("POST", "/v2/post/publish/creator_info/query/", headers=_json_headers(ctx.tokens)))
        return post_info(ctx.request, creator)

    def _photo_init(self, http: PlatformHttp, ctx: PublishContext) -> None:
        """Photos go by PULL_FROM_URL (TikTok fetches them from our media store, whose domain must be verified)."""
        request = ctx.request
        body = {"post_info": self._post_info(http, ctx), "post_mode": "DIRECT_POST", "media_type": "PHOTO",
                "source_info": {"source": "PULL_FROM_URL", "photo_images": [item.url for item in request.media],
                                "photo_cover_index": photo_cover_index(request)}}
        ctx.save(step="photo_init", publish_id=None)
        data = data_of(http.write("POST", "/v2/post/publish/content/init/", json=body,
                                  headers=_json_headers(ctx.tokens)))
        if not data.get("publish_id"):
            raise PlatformError(ErrorKind.RETRY_LATER, "TikTok did not answer a publish id; checking whether it "
                                "was published before trying again", retry_after=60.0, detail=str(data)[:300],
                                maybe_happened=True)
        ctx.save(step="processing", publish_id=data["publish_id"])

    def _init(self, http: PlatformHttp, ctx: PublishContext) -> None:
        video = ctx.request.media[0]
        chunk, count = chunk_plan(video.size_bytes, self._preferred_chunk(ctx.app))
        body = {"post_info": self._post_info(http, ctx),
                "source_info": {"source": "FILE_UPLOAD", "video_size": video.size_bytes, "chunk_size": chunk,
                                "total_chunk_count": count}}
        ctx.save(step="init", chunk_size=chunk, chunk_count=count, chunks_done=0, publish_id=None, upload_url=None)
        data = data_of(http.write("POST", "/v2/post/publish/video/init/", json=body, headers=_json_headers(ctx.tokens)))
        if not data.get("publish_id") or not data.get("upload_url"):
            raise PlatformError(ErrorKind.RETRY_LATER, "TikTok did not answer an upload address; will try again",
                                retry_after=60.0, detail=str(data)[:300])
        ctx.save(step="upload", publish_id=data["publish_id"], upload_url=data["upload_url"])

    def _status(self, http: PlatformHttp, ctx: PublishContext) -> dict:
        return data_of(http.read("POST", "/v2/post/publish/status/fetch/", json={"publish_id": ctx.checkpoint[
            "publish_id"]}, headers=_json_headers(ctx.tokens)))

    def _acknowledged(self, http: PlatformHttp, ctx: PublishContext) -> int:
        """Chunks TikTok has, from status/fetch's uploaded_bytes (after a chunk whose answer never came)."""
        cp, size = ctx.checkpoint, ctx.request.media[0].size_bytes
        status = self._status(http, ctx)
        if status.get("status") == FAILED:
            raise self._failed(ctx, status)
        if status.get("status") != "PROCESSING_UPLOAD":
            return cp["chunk_count"]  # TikTok moved past the upload: every byte arrived
        arrived = int(status.get("uploaded_bytes") or 0)
        done = sum(1 for index in range(cp["chunk_count"])
                   if chunk_range(index, cp["chunk_size"], cp["chunk_count"], size)[1] < arrived)
        return max(done, int(cp.get("chunks_done") or 0))

    def _upload(self, http: PlatformHttp, ctx: PublishContext) -> None:
        cp, video = ctx.checkpoint, ctx.request.media[0]
        chunk, count, size = cp["chunk_size"], cp["chunk_count"], video.size_bytes
        if cp.get("chunk_interrupted"):
            ctx.save(chunks_done=self._acknowledged(http, ctx), chunk_interrupted=False)
        drops = 0
        while (index := int(ctx.checkpoint.get("chunks_done") or 0)) < count:
            first, last = chunk_range(index, chunk, count, size)
            with video.open() as handle:
                handle.seek(first)
                block = handle.read(last - first + 1)
            ctx.save(chunk_interrupted=True)
            try:
                response = http.write("PUT", cp["upload_url"], data=block, headers={
                    "Content-Type": video.mime_type, "Content-Range": f"bytes {first}-{last}/{size}"})
            except PlatformError as error:
                drops += 1
                if not error.maybe_happened or drops > 2:
                    raise
                ctx.save(chunks_done=self._acknowledged(http, ctx), chunk_interrupted=False)
                continue
            if response.status_code in (404, 410):  # the upload URL expired (an hour): start again, nothing posted
                ctx.save(step=None, publish_id=None, upload_url=None, chunks_done=0, chunk_interrupted=False)
                raise PlatformError(ErrorKind.RETRY_LATER, "TikTok's upload address expired; will upload again",
                                    retry_after=5.0, status=response.status_code)
            if response.status_code not in (200, 201, 206):
                data_of(response)  # raises TikTok's classified error
                raise PlatformError(ErrorKind.RETRY_LATER, f"TikTok did not take part {index + 1} of the video; "
                                    "will try again", retry_after=30.0, status=response.status_code)
            ctx.save(chunks_done=index + 1, chunk_interrupted=False)
        ctx.save(step="processing")

    def _failed(self, ctx: PublishContext, status: dict) -> PlatformError:
        error = fail_reason_error(str(status.get("fail_reason") or ""))
        if error.kind is ErrorKind.RETRY_LATER:  # transient: the next attempt starts a fresh upload
            ctx.save(step=None, publish_id=None, upload_url=None, chunks_done=0)
        return error

    def _outcome(self, ctx: PublishContext, status: dict) -> Published | None:
        state = status.get("status")
        if state == FAILED:
            raise self._failed(ctx, status)
        if state not in (DONE, "SEND_TO_USER_INBOX"):
            return None
        ids = status.get("publicaly_available_post_id") or status.get("publicly_available_post_id") or []
        username = ctx.account.username
        if ids:  # private (SELF_ONLY) posts get no public id: the publish id names them
            post_id = str(ids[0])
            kind = "photo" if is_photo_post(ctx.request) else "video"
            return Published(post_id, f"https://www.tiktok.com/@{username}/{kind}/{post_id}" if username else None)
        return Published(str(ctx.checkpoint["publish_id"]),
                         f"https://www.tiktok.com/@{username}" if username else None)

    def _await(self, http: PlatformHttp, ctx: PublishContext) -> Published:
        polls = int(ctx.app.extra.get("status_polls", 6))
        interval = float(ctx.app.extra.get("poll_interval", 5.0))
        for poll in range(max(polls, 1)):
            published = self._outcome(ctx, self._status(http, ctx))
            if published is not None:
                return published
            if poll + 1 < polls:
                time.sleep(interval)
        raise PlatformError(ErrorKind.RETRY_LATER, "TikTok is still processing the video; will check again",
                            retry_after=60.0)

    def publish(self, ctx: PublishContext) -> Published:
        self.check(ctx.request)
        http = PlatformHttp(ctx.app)
        if not ctx.checkpoint.get("publish_id"):
            (self._photo_init if is_photo_post(ctx.request) else self._init)(http, ctx)
        if ctx.checkpoint.get("step") == "upload":
            self._upload(http, ctx)
        return self._await(http, ctx)

    def find_published(self, ctx: PublishContext) -> Published | None:
        http = PlatformHttp(ctx.app)
        if ctx.checkpoint.get("publish_id"):
            return self._outcome(ctx, self._status(http, ctx))
        found = self._recent_video(http, ctx)
        if found is None and ctx.checkpoint.get("step") == "photo_init":
            # TikTok pulls photos on its own: a lost answer may still become a post after moderation, so it is
            # not sent again (a missing post is told; a double one could not be taken back)
            raise PlatformError(ErrorKind.BAD_REQUEST, "TikTok did not confirm the photo post and may still publish "
                                "it; it is not sent again so it cannot appear twice: check the TikTok account",
                                detail="content/init answer lost")
        return found

    def _recent_video(self, http: PlatformHttp, ctx: PublishContext) -> Published | None:
        """A video on the account since started_at whose caption is ours (an init whose answer was lost)."""
        since = ctx.started_at.timestamp() - CLOCK_SKEW
        ours = caption(ctx.request).strip()
        data = data_of(http.read("POST", "/v2/video/list/", params={
            "fields": "id,title,video_description,create_time,share_url"}, json={"max_count": 20},
            headers=_json_headers(ctx.tokens)))
        for video in data.get("videos") or []:
            texts = {str(video.get("title") or "").strip(), str(video.get("video_description") or "").strip()}
            if int(video.get("create_time") or 0) >= since and ours in texts:
                return Published(str(video["id"]), video.get("share_url"))
        return None

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        data = data_of(PlatformHttp(ctx.app).read(
            "POST", "/v2/video/query/", params={"fields": "id,view_count,like_count,comment_count,share_count"},
            json={"filters": {"video_ids": [platform_post_id]}}, headers=_json_headers(ctx.tokens)))
        video = next((item for item in data.get("videos") or [] if str(item.get("id")) == platform_post_id), None)
        if video is None:
            return {}
        return {"views": video.get("view_count"), "likes": video.get("like_count"),
                "comments": video.get("comment_count"), "shares": video.get("share_count")}

    def account_metrics(self, ctx: PublishContext) -> dict:
        user = data_of(PlatformHttp(ctx.app).read(
            "GET", "/v2/user/info/", params={"fields": "open_id,follower_count,following_count,video_count"},
            headers=_bearer(ctx.tokens))).get("user") or {}
        return {"followers": user.get("follower_count"), "following": user.get("following_count"),
                "posts": user.get("video_count")}


ADAPTER = TikTokAdapter()
