"""LinkedIn through its REST API (Community Management: Posts, Images, Videos, organizationAcls).

Connect: OAuth 2 at www.linkedin.com/oauth/v2/authorization and /accessToken (no PKCE for web apps). LinkedIn
returns a refresh token only to apps it enabled for programmatic refresh; without one the connection lasts the
access token's 60 days and then needs connecting again. Identities: the member (OpenID userinfo) and the
organizations the member administers (organizationAcls). Publish: media first (linkedin_media), then
POST /rest/posts (text; images, a video, or `metadata.url` as an article); the post's urn comes back in the
`x-restli-id` header.

Never twice: `checkpoint["step"] == "post"` marks a POST /rest/posts that was sent; after a lost answer,
find_published reads the author's posts (GET /rest/posts?q=author) since the attempt began and matches the
commentary. If LinkedIn does not let this app read them (r_member_social is a restricted permission), the target
fails asking a person to look rather than risk a second post.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from app.platforms import metadata_rules as rules
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
from app.platforms.linkedin_api import LinkedInApi, little_text, same_text
from app.platforms.linkedin_media import upload_media
from app.platforms.linkedin_metrics import account_metrics, post_metrics

SCOPES = ("openid", "profile", "w_member_social", "r_organization_social", "w_organization_social")
MAX_TEXT = 3000
MAX_IMAGES = 20
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
MIN_VIDEO_BYTES = 75 * 1024
MAX_VIDEO_BYTES = 500 * 1024 * 1024
VISIBILITIES = ("PUBLIC", "CONNECTIONS", "LOGGED_IN")
POSTING_ROLES = ("ADMINISTRATOR", "CONTENT_ADMINISTRATOR")
CLOCK_SLACK = timedelta(minutes=5)


def _refused(message: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"LinkedIn: {message}")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class LinkedInAdapter(PlatformAdapter):
    platform = "linkedin"
    default_api_base = "https://api.linkedin.com"
    default_auth_base = "https://www.linkedin.com"
    uses_pkce = False
    # LinkedIn's daily application limits for creating posts (per member and per app).
    limits = (Limit("publish", 150, 86400, "account"), Limit("publish", 100000, 86400, "app"))

    # --- connecting -----------------------------------------------------------------------------------------------
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        scopes = list(app.extra.get("scopes") or SCOPES)
        return oauth.authorize_url(app, "/oauth/v2/authorization", redirect_uri=redirect_uri, scope=scopes,
                                   state=state)

    def _tokens(self, body: dict) -> TokenSet:
        tokens = oauth.token_set(body, "LinkedIn")
        refresh_in = tokens.extra.pop("refresh_token_expires_in", None)
        if isinstance(refresh_in, int | float) or str(refresh_in or "").isdigit():
            tokens.refresh_expires_at = datetime.now(UTC) + timedelta(seconds=int(refresh_in))
        return tokens

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        body = LinkedInApi(app).token({"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": redirect_uri}, "grant access")
        return self._tokens(body)

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            # Apps without programmatic refresh: the token is good until it expires (60 days), then only a new
            # consent helps. Before that, hand it back unchanged (a refresh ahead of expiry must not disconnect).
            if tokens.expires_at is not None and tokens.expires_at > datetime.now(UTC):
                return TokenSet(tokens.access_token, None, tokens.expires_at, tokens.refresh_expires_at, tokens.scope,
                                dict(tokens.extra))
            raise PlatformError(ErrorKind.DISCONNECT, "LinkedIn gave this app no refresh token and the access token "
                                "has expired; connect the account again")
        body = LinkedInApi(app).token({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                                      "refresh the access")
        return self._tokens(body)

    def _member(self, api: LinkedInApi) -> Identity:
        """The member: OpenID userinfo (openid profile), else /v2/me for apps granted r_basicprofile instead."""
        try:
            member = api.get("/v2/userinfo", "read the member's profile")
            member_id, name, username = member.get("sub"), member.get("name"), None
        except PlatformError as error:
            if error.status != 403:
                raise
            member = api.get("/v2/me", "read the member's profile")
            member_id, username = member.get("id"), member.get("vanityName")
            name = " ".join(str(member[key]) for key in ("localizedFirstName", "localizedLastName") if member.get(key))
        if not isinstance(member_id, str) or not member_id:
            raise PlatformError(ErrorKind.DISCONNECT, "LinkedIn did not say which member this connection is (the "
                                "openid and profile permissions are needed)", detail=str(member)[:300])
        return Identity(platform_account_id=f"urn:li:person:{member_id}", username=username, display_name=name or None,
                        extra={"kind": "member", "picture": member.get("picture")})

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        api = LinkedInApi(app, tokens)
        found = [self._member(api)]
        try:
            acls = api.get("/rest/organizationAcls?q=roleAssignee&state=APPROVED&count=100",
                           "list the organizations the member administers")
        except PlatformError as error:
            if error.status != 403:
                raise
            return found  # the app was not granted the organization permissions: the member alone
        for acl in acls.get("elements") or []:
            if not isinstance(acl, dict):
                continue
            urn = str(acl.get("organization") or "")
            if acl.get("role") not in POSTING_ROLES or not urn.startswith("urn:li:organization:"):
                continue
            organization = api.get(f"/rest/organizations/{urn.rsplit(':', 1)[1]}", "read an organization")
            found.append(Identity(platform_account_id=urn, username=organization.get("vanityName"),
                                  display_name=organization.get("localizedName"),
                                  extra={"kind": "organization", "role": acl.get("role")}))
        return found

    # --- publishing -----------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        if len(request.text) > MAX_TEXT:
            raise _refused(f"the text is {len(request.text)} characters; LinkedIn takes at most {MAX_TEXT}")
        if not request.text.strip() and not request.media:
            raise _refused("the post has neither text nor media")
        rules.text(request.metadata, "visibility", "LinkedIn", max_length=0, choices=VISIBILITIES)
        link = rules.link(request.metadata, "url", "LinkedIn")
        if link and request.media:
            raise _refused("a post shares a link or carries media, not both")
        videos = [item for item in request.media if item.kind == "video"]
        if videos and len(request.media) > 1:
            raise _refused("a post takes one video and nothing else with it")
        if len(request.media) > MAX_IMAGES:
            raise _refused(f"a post takes at most {MAX_IMAGES} images, not {len(request.media)}")
        for item in request.media:
            name = item.file_name or item.kind
            if item.kind == "video":
                if item.mime_type != "video/mp4":
                    raise _refused(f"videos must be MP4, not {item.mime_type} ({name})")
                if not MIN_VIDEO_BYTES <= item.size_bytes <= MAX_VIDEO_BYTES:
                    raise _refused(f"a video must be 75 KB to 500 MB; {name} is {_megabytes(item.size_bytes)}")
            elif item.kind == "image":
                if item.mime_type not in IMAGE_TYPES:
                    raise _refused(f"images must be JPEG, PNG or GIF, not {item.mime_type} ({name})")
                if item.size_bytes > MAX_IMAGE_BYTES:
                    raise _refused(f"an image may be at most 5 MB; {name} is {_megabytes(item.size_bytes)}")
            else:
                raise _refused(f"{name} is neither an image nor a video")

    def _body(self, ctx: PublishContext, media_urns: list[str]) -> dict:
        request = ctx.request
        body = {
            "author": ctx.account.platform_account_id,
            "commentary": little_text(request.text),
            "visibility": request.metadata.get("visibility") or "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(media_urns) == 1:
            body["content"] = {"media": {"id": media_urns[0], **({"title": request.title} if request.title else {})}}
        elif media_urns:
            body["content"] = {"multiImage": {"images": [{"id": urn} for urn in media_urns]}}
        elif request.metadata.get("url"):  # an article: LinkedIn shows the link's card with this title
            link = request.metadata["url"]
            body["content"] = {"article": {"source": link, "title": request.title or link}}
        return body

    def publish(self, ctx: PublishContext) -> Published:
        if ctx.checkpoint.get("platform_post_id"):
            urn = ctx.checkpoint["platform_post_id"]
            return Published(urn, post_url(urn))
        self.check(ctx.request)
        api = LinkedInApi(ctx.app, ctx.tokens)
        media_urns = upload_media(api, ctx, ctx.account.platform_account_id) if ctx.request.media else []
        ctx.save(step="post")
        response = api.send("POST", "/rest/posts", "publish the post", json=self._body(ctx, media_urns),
                            headers=api.headers(**{"Content-Type": "application/json"}))
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise PlatformError(ErrorKind.RETRY_LATER, "LinkedIn accepted the post without saying its id; checking "
                                "the feed before anything is sent again", retry_after=5.0, maybe_happened=True)
        ctx.save(platform_post_id=urn)
        return Published(urn, post_url(urn))

    def find_published(self, ctx: PublishContext) -> Published | None:
        if ctx.checkpoint.get("platform_post_id"):
            urn = ctx.checkpoint["platform_post_id"]
            return Published(urn, post_url(urn))
        if ctx.checkpoint.get("step") != "post":
            return None  # POST /rest/posts was never sent: only uploads (which show nowhere) may have happened
        api = LinkedInApi(ctx.app, ctx.tokens)
        author = ctx.account.platform_account_id
        try:
            response = api.get(f"/rest/posts?author={quote(author, safe='')}&q=author&count=20&sortBy=CREATED",
                               "read the account's recent posts")
        except PlatformError as error:
            if error.status != 403:
                raise
            raise PlatformError(ErrorKind.BAD_REQUEST, "LinkedIn did not confirm the post and does not let this app "
                                "read the account's posts to check; look at the LinkedIn feed before publishing it "
                                "again", status=403, detail=error.detail) from error
        since = int((ctx.started_at - CLOCK_SLACK).timestamp() * 1000)
        for element in response.get("elements") or []:
            if not isinstance(element, dict):
                continue
            created = element.get("createdAt") or element.get("publishedAt") or 0
            if same_text(element.get("commentary"), ctx.request.text) and created >= since and element.get("id"):
                return Published(element["id"], post_url(element["id"]))
        return None

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        return post_metrics(LinkedInApi(ctx.app, ctx.tokens), ctx.account.platform_account_id, platform_post_id)

    def account_metrics(self, ctx: PublishContext) -> dict:
        return account_metrics(LinkedInApi(ctx.app, ctx.tokens), ctx.account.platform_account_id)


ADAPTER = LinkedInAdapter()
