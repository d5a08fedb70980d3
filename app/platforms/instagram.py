"""Instagram professional accounts through the Instagram Graph API's content publishing: a container
(`POST /{ig-user-id}/media` with `image_url`, or `video_url` + `media_type=REELS`, or carousel items then
`media_type=CAROUSEL` + `children`), its `status_code` polled, then `POST /{ig-user-id}/media_publish` with
`creation_id` (app.platforms.meta_containers). Instagram pulls the files from our media URLs.

Two logins reach it (AppCredentials.extra["login"], else chosen by the API base configured):
- "facebook" (the default): Facebook Login for Business on graph.facebook.com; the accounts are the Instagram
  business accounts linked to the pages the login manages (`/me/accounts?fields=instagram_business_account`); the
  long-lived user token (~60 days) is renewed by `fb_exchange_token`.
- "instagram": Business Login for Instagram (auth base https://www.instagram.com, API base
  https://graph.instagram.com/v21.0, code exchanged at extra["token_base"], default https://api.instagram.com); the
  account is the login itself; its long-lived token is renewed by `ig_refresh_token`.

Limits: 50 API-published posts per account per rolling 24 h (checked at `content_publishing_limit` before each
publish); images JPEG up to 8 MB; Reels MP4/MOV up to 300 MB (carousel videos 100 MB); 2 to 10 carousel items; a
caption up to 2,200 characters with at most 30 hashtags.
"""

from __future__ import annotations

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
from app.platforms.meta_graph import GraphApi, extract_metrics
from app.platforms.oauth import authorize_url, token_set

FACEBOOK_SCOPES = ["instagram_basic", "instagram_content_publish", "instagram_manage_insights", "pages_show_list",
                   "pages_read_engagement", "business_management"]
INSTAGRAM_SCOPES = ["instagram_business_basic", "instagram_business_content_publish",
                    "instagram_business_manage_insights"]
IMAGE_TYPES = {"image/jpeg"}
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_REEL_BYTES = 300 * 1024 * 1024
MAX_CAROUSEL_VIDEO_BYTES = 100 * 1024 * 1024
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_ITEMS = 10


def _refuse(message: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"Instagram: {message}")


class InstagramAdapter(ContainerAdapter):
    platform = "instagram"
    label = "Instagram"
    default_api_base = "https://graph.facebook.com/v21.0"
    default_auth_base = "https://www.facebook.com/v21.0"
    limits = (Limit("publish", 50, 24 * 3600), Limit("request", 200, 3600))
    create_edge, publish_edge, quota_edge = "media", "media_publish", "content_publishing_limit"
    status_fields, text_field = ("status_code", "status"), "caption"
    proof = True

    @staticmethod
    def _instagram_login(app: AppCredentials) -> bool:
        """Instagram Login when asked for, or when the API base configured is graph.instagram.com."""
        login = app.extra.get("login")
        return login == "instagram" or (login is None and "graph.instagram.com" in app.api_base)

    # --- connecting -----------------------------------------------------------------------------------------------
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        if self._instagram_login(app):
            return authorize_url(app, "oauth/authorize", redirect_uri=redirect_uri, scope=INSTAGRAM_SCOPES,
                                 state=state, scope_separator=",")
        return authorize_url(app, "dialog/oauth", redirect_uri=redirect_uri, scope=FACEBOOK_SCOPES, state=state,
                             scope_separator=",")

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        api = self.api(app)
        credentials = {"client_id": app.client_id, "client_secret": app.client_secret, "redirect_uri": redirect_uri,
                       "code": code}
        if self._instagram_login(app):
            base = app.extra.get("token_base", "https://api.instagram.com")
            short = api.token_call("POST", "oauth/access_token", base=base, grant_type="authorization_code",
                                   **credentials)
            body = api.token_call("GET", "access_token", grant_type="ig_exchange_token",
                                  client_secret=app.client_secret, access_token=short.get("access_token", ""))
            tokens = token_set(body, "Instagram")
            tokens.extra["user_id"] = str(short.get("user_id") or "")
            return tokens
        short = api.token_call("GET", "oauth/access_token", once=True, **credentials)
        return self._long_lived(api, app, short.get("access_token", ""))

    def _long_lived(self, api: GraphApi, app: AppCredentials, token: str) -> TokenSet:
        body = api.token_call("GET", "oauth/access_token", grant_type="fb_exchange_token", client_id=app.client_id,
                              client_secret=app.client_secret, fb_exchange_token=token)
        return token_set(body, "Instagram")

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        api = self.api(app)
        if self._instagram_login(app):
            body = api.token_call("GET", "refresh_access_token", grant_type="ig_refresh_token",
                                  access_token=tokens.access_token)
            fresh = token_set(body, "Instagram")
        else:
            fresh = self._long_lived(api, app, tokens.access_token)
        fresh.extra = {**tokens.extra, **fresh.extra}
        return fresh

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        api = self.api(app)
        if self._instagram_login(app):
            me = api.get("me", tokens.access_token, fields="user_id,username,name")
            return [Identity(str(me.get("user_id") or me.get("id")), me.get("username"), me.get("name"))]
        pages = api.pages("me/accounts", tokens.access_token,
                          fields="id,name,instagram_business_account{id,username,name}", limit=100)
        found = []
        for page in pages:
            account = page.get("instagram_business_account")
            if isinstance(account, dict) and account.get("id"):
                found.append(Identity(str(account["id"]), account.get("username"), account.get("name"),
                                      extra={"page_id": str(page.get("id")), "page_name": page.get("name")}))
        return found

    # --- publishing -----------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        media = request.media
        if not media:
            raise _refuse("a post needs at least one image or video")
        if len(media) > MAX_ITEMS:
            raise _refuse(f"a carousel takes at most {MAX_ITEMS} images or videos, this post has {len(media)}")
        if len(request.text or "") > MAX_CAPTION:
            raise _refuse(f"the caption is {len(request.text)} characters, the limit is {MAX_CAPTION}")
        if (request.text or "").count("#") > MAX_HASHTAGS:
            raise _refuse(f"a caption takes at most {MAX_HASHTAGS} hashtags")
        for item in media:
            if item.kind == "image":
                if item.mime_type not in IMAGE_TYPES:
                    raise _refuse(f"images must be JPEG ({item.file_name or 'an image'} is {item.mime_type})")
                if item.size_bytes > MAX_IMAGE_BYTES:
                    raise _refuse(f"the image {item.file_name or ''} is larger than 8 MB".replace("  ", " "))
            elif item.kind == "video":
                if item.mime_type not in VIDEO_TYPES:
                    raise _refuse(f"videos must be MP4 or MOV ({item.file_name or 'a video'} is {item.mime_type})")
                cap = MAX_REEL_BYTES if len(media) == 1 else MAX_CAROUSEL_VIDEO_BYTES
                if item.size_bytes > cap:
                    raise _refuse(f"the video {item.file_name or ''} is larger than {cap // (1024 * 1024)} MB"
                                  .replace("  ", " "))
            else:
                raise _refuse(f"{item.file_name or 'this file'} is neither an image nor a video")

    def single_params(self, request: PublishRequest, item: MediaItem | None) -> dict:
        if item is None:  # check() refuses this; the API would too
            raise _refuse("a post needs at least one image or video")
        params = {"caption": request.text or ""}
        if item.kind == "video":
            return {**params, "media_type": "REELS", "video_url": item.url}
        return {**params, "image_url": item.url}

    def child_params(self, item: MediaItem) -> dict:
        if item.kind == "video":
            return {"media_type": "VIDEO", "video_url": item.url, "is_carousel_item": "true"}
        return {"image_url": item.url, "is_carousel_item": "true"}

    def carousel_params(self, request: PublishRequest, children: list[str]) -> dict:
        return {"media_type": "CAROUSEL", "children": ",".join(children), "caption": request.text or ""}

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        body = self.api(ctx.app).get(f"{platform_post_id}/insights", ctx.tokens.access_token,
                                     metric="reach,likes,comments,shares,saved,views")
        return extract_metrics(body, {"reach": "reach", "likes": "likes", "comments": "comments",
                                      "shares": "shares", "views": "views"})

    def account_metrics(self, ctx: PublishContext) -> dict:
        body = self.api(ctx.app).get(ctx.account.platform_account_id, ctx.tokens.access_token,
                                     fields="followers_count,follows_count,media_count")
        names = {"followers_count": "followers", "follows_count": "following", "media_count": "posts"}
        return {ours: int(body[theirs]) for theirs, ours in names.items() if isinstance(body.get(theirs), int)}


ADAPTER = InstagramAdapter()
