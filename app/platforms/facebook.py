"""Facebook Pages through the Graph API (graph.facebook.com). Facebook Login's OAuth dialog gives a code; the code
becomes a short-lived user token, exchanged at once (`grant_type=fb_exchange_token`) for a long-lived one (~60
days). `/me/accounts` lists the pages the login manages, each with its own page token: a page publishes with its
page token, never the user's.

A page's TokenSet is `access_token` = the page token, `refresh_token` = the long-lived user token it came from and
`extra["page_id"]`: refreshing renews the user token (`fb_exchange_token`) and reads the page's token again
(`/{page-id}?fields=access_token`), so a page never needs reconnecting while its user token is good.

Publishing (Facebook pulls media from our URLs):
- text: `POST /{page-id}/feed` (message);
- one image: `POST /{page-id}/photos` (url, message) -> the photo id and the feed post id;
- several images: each `POST /{page-id}/photos` with published=false (invisible until attached), then
  `POST /{page-id}/feed` with `attached_media[i]={"media_fbid": id}`;
- a video: `POST /{page-id}/videos` (file_url, description).
`find_published` reads the page's `/posts` (and `/videos`) since the first attempt, matched by message.
Limits: images JPEG, PNG, GIF, BMP or TIFF up to 4 MB, at most 10 per post; one video per post, MP4 or MOV up to
1 GB (the file_url upload's ceiling); a message up to 63,206 characters; images and a video not mixed.
"""

from __future__ import annotations

import json
from datetime import timedelta

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
from app.platforms.meta_graph import GraphApi, created_id, same_text, unix
from app.platforms.oauth import authorize_url, token_set

SCOPES = ["pages_show_list", "pages_manage_posts", "pages_read_engagement", "read_insights"]
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
MAX_IMAGE_BYTES = 4 * 1024 * 1024
MAX_VIDEO_BYTES = 1024 * 1024 * 1024
MAX_IMAGES = 10
MAX_MESSAGE = 63206
CLOCK_SKEW = timedelta(minutes=2)


def _refuse(message: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"Facebook: {message}")


def _post_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


class FacebookAdapter(PlatformAdapter):
    platform = "facebook"
    default_api_base = "https://graph.facebook.com/v21.0"
    default_auth_base = "https://www.facebook.com/v21.0"
    limits = (Limit("request", 200, 3600),)

    def api(self, app: AppCredentials) -> GraphApi:
        return GraphApi(app, "Facebook", proof=True)

    # --- connecting -----------------------------------------------------------------------------------------------
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        return authorize_url(app, "dialog/oauth", redirect_uri=redirect_uri, scope=SCOPES, state=state,
                             scope_separator=",")

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        api = self.api(app)
        short = api.token_call("GET", "oauth/access_token", once=True, client_id=app.client_id,
                               client_secret=app.client_secret, redirect_uri=redirect_uri, code=code)
        return self._long_lived(api, app, short.get("access_token", ""))

    def _long_lived(self, api: GraphApi, app: AppCredentials, user_token: str) -> TokenSet:
        body = api.token_call("GET", "oauth/access_token", grant_type="fb_exchange_token", client_id=app.client_id,
                              client_secret=app.client_secret, fb_exchange_token=user_token)
        return token_set(body, "Facebook")

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        api = self.api(app)
        page_id = tokens.extra.get("page_id")
        if not page_id:
            return self._long_lived(api, app, tokens.access_token)
        if not tokens.refresh_token:
            raise PlatformError(ErrorKind.DISCONNECT, "Facebook: this page's token cannot be renewed without its "
                                "user's login; connect the page again")
        user = self._long_lived(api, app, tokens.refresh_token)
        page = api.get(str(page_id), user.access_token, fields="access_token")
        if not page.get("access_token"):
            raise PlatformError(ErrorKind.DISCONNECT, "Facebook no longer gives this login a token for the page "
                                "(its role on the page was removed?); connect the page again", detail=str(page_id))
        return TokenSet(access_token=page["access_token"], refresh_token=user.access_token,
                        expires_at=user.expires_at, extra={"page_id": str(page_id)})

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        pages = self.api(app).pages("me/accounts", tokens.access_token, fields="id,name,username,access_token,tasks",
                                    limit=100)
        return [Identity(str(page["id"]), page.get("username"), page.get("name"),
                         tokens=TokenSet(access_token=page["access_token"], refresh_token=tokens.access_token,
                                         expires_at=tokens.expires_at, extra={"page_id": str(page["id"])}),
                         extra={"tasks": page.get("tasks") or []})
                for page in pages if page.get("id") and page.get("access_token")]

    # --- publishing -----------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        text, media = request.text or "", request.media
        if len(text) > MAX_MESSAGE:
            raise _refuse(f"the message is {len(text)} characters, the limit is {MAX_MESSAGE}")
        if not text.strip() and not media:
            raise _refuse("a post needs a message, images or a video")
        videos = [item for item in media if item.kind == "video"]
        images = [item for item in media if item.kind == "image"]
        if len(videos) + len(images) != len(media):
            raise _refuse("only images and videos can be attached")
        if videos and (images or len(videos) > 1):
            raise _refuse("a post takes one video, or up to 10 images, not both")
        if len(images) > MAX_IMAGES:
            raise _refuse(f"a post takes at most {MAX_IMAGES} images, this one has {len(images)}")
        for item in images:
            name = item.file_name or "an image"
            if item.mime_type not in IMAGE_TYPES:
                raise _refuse(f"images must be JPEG, PNG, GIF, BMP or TIFF ({name} is {item.mime_type})")
            if item.size_bytes > MAX_IMAGE_BYTES:
                raise _refuse(f"the image {name} is larger than 4 MB")
        for item in videos:
            name = item.file_name or "the video"
            if item.mime_type not in VIDEO_TYPES:
                raise _refuse(f"videos must be MP4 or MOV ({name} is {item.mime_type})")
            if item.size_bytes > MAX_VIDEO_BYTES:
                raise _refuse(f"the video {name} is larger than 1 GB")

    def publish(self, ctx: PublishContext) -> Published:
        checkpoint = ctx.checkpoint
        if checkpoint.get("platform_post_id"):
            return Published(checkpoint["platform_post_id"], checkpoint.get("platform_post_url")
                             or _post_url(checkpoint["platform_post_id"]))
        api, token, page = self.api(ctx.app), ctx.tokens.access_token, ctx.account.platform_account_id
        text, media = ctx.request.text or "", ctx.request.media
        if media and media[0].kind == "video":
            ctx.save(step="video")
            body = api.post(f"{page}/videos", token, file_url=media[0].url, description=text)
            return self._record(ctx, created_id(body, "Facebook"))
        if len(media) == 1:
            ctx.save(step="photo")
            body = api.post(f"{page}/photos", token, url=media[0].url, message=text)
            return self._record(ctx, str(body.get("post_id") or created_id(body, "Facebook")))
        photos = list(checkpoint.get("photos") or [])
        for index in range(len(photos), len(media)):  # unpublished photos are invisible: a lost one costs nothing
            ctx.save(step=f"photo_{index}")
            photos.append(created_id(api.post(f"{page}/photos", token, url=media[index].url, published="false"),
                                     "Facebook"))
            ctx.save(photos=photos)
        attached = {f"attached_media[{index}]": json.dumps({"media_fbid": photo}) for index, photo in enumerate(photos)}
        ctx.save(step="feed")
        return self._record(ctx, created_id(api.post(f"{page}/feed", token, message=text, **attached), "Facebook"))

    def _record(self, ctx: PublishContext, post_id: str) -> Published:
        ctx.save(platform_post_id=post_id, platform_post_url=_post_url(post_id))
        return Published(post_id, _post_url(post_id))

    def find_published(self, ctx: PublishContext) -> Published | None:
        checkpoint = ctx.checkpoint
        if checkpoint.get("platform_post_id"):
            return Published(checkpoint["platform_post_id"], checkpoint.get("platform_post_url")
                             or _post_url(checkpoint["platform_post_id"]))
        api, token, page = self.api(ctx.app), ctx.tokens.access_token, ctx.account.platform_account_id
        since = unix(ctx.started_at - CLOCK_SKEW)
        media = ctx.request.media
        if media and media[0].kind == "video":
            videos = api.get(f"{page}/videos", token, fields="id,description,created_time", since=since, limit=25)
            for video in videos.get("data") or []:
                if same_text(ctx.request.text, video.get("description")):
                    return Published(str(video["id"]), _post_url(str(video["id"])))
        posts = api.get(f"{page}/posts", token, fields="id,message,created_time,permalink_url", since=since, limit=25)
        for post in posts.get("data") or []:
            if same_text(ctx.request.text, post.get("message")):
                return Published(str(post["id"]), post.get("permalink_url") or _post_url(str(post["id"])))
        return None

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        body = self.api(ctx.app).get(platform_post_id, ctx.tokens.access_token,
                                     fields="reactions.summary(total_count),comments.summary(total_count),shares")
        counts = {"likes": ((body.get("reactions") or {}).get("summary") or {}).get("total_count"),
                  "comments": ((body.get("comments") or {}).get("summary") or {}).get("total_count"),
                  "shares": (body.get("shares") or {}).get("count", 0)}
        return {name: int(value) for name, value in counts.items() if isinstance(value, int)}

    def account_metrics(self, ctx: PublishContext) -> dict:
        body = self.api(ctx.app).get(ctx.account.platform_account_id, ctx.tokens.access_token,
                                     fields="followers_count,fan_count")
        followers = body.get("followers_count", body.get("fan_count"))
        return {"followers": int(followers)} if isinstance(followers, int) else {}


ADAPTER = FacebookAdapter()
