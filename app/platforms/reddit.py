"""Reddit through its OAuth API (oauth.reddit.com).

Connect: www.reddit.com/api/v1/authorize (duration=permanent, scopes submit identity read), the code exchanged at
/api/v1/access_token with the app's id and secret as HTTP basic auth. A refresh answers a new access token and no
refresh token: the stored one stays good until the user revokes the app. Identity: the user (/api/v1/me).

Publish: POST /api/submit (api_type=json) to `metadata.subreddit` with the post's title: kind=self with the text,
kind=link with `metadata.url`, or kind=image with an image uploaded to Reddit's media store first (reddit_media);
`metadata.flair_id` / `flair_text`, `nsfw` and `spoiler` go along.
Reddit answers a self or link post with its id; an image post is answered with a websocket to watch instead, and
the post is found in the user's submissions.

Never twice: `checkpoint["step"] == "submit"` marks a submit that was sent; after a lost answer find_published reads
/user/<name>/submitted (newest first) for a post with the same title in the same subreddit since the attempt
began. An image post Reddit accepted but has not listed yet is "still processing" (RETRY_LATER) for
IMAGE_PROCESSING_WINDOW, then a failure asking a person to look, never a second post.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
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
from app.platforms.reddit_api import RedditApi, raise_for_json_errors
from app.platforms.reddit_media import upload_image

SCOPES = ("submit", "identity", "read")
MAX_TITLE = 300
MAX_TEXT = 40000
MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
SUBREDDIT = re.compile(r"^(?:/?r/)?([A-Za-z0-9][A-Za-z0-9_]{1,22})$")
CLOCK_SLACK = timedelta(minutes=5)
IMAGE_PROCESSING_WINDOW = 15 * 60
PROCESSING_RETRY_AFTER = 30.0
SITE = "https://www.reddit.com"
PLATFORM = "Reddit"
FLAIR_LIMITS = {"flair_id": 36, "flair_text": 64}


def _refused(message: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"{PLATFORM}: {message}")


def subreddit_of(request: PublishRequest) -> str:
    named = request.metadata.get("subreddit")
    if isinstance(named, int) and not isinstance(named, bool):
        named = str(named)
    found = SUBREDDIT.match(named.strip()) if isinstance(named, str) else None
    if not found:
        raise _refused("metadata.subreddit must name a subreddit (e.g. \"python\" or \"r/python\")")
    return found.group(1)


def check_metadata(metadata: dict) -> str | None:
    """The metadata fields publish reads besides the subreddit, of the right type and size; answers the link."""
    rules.text(metadata, "title", PLATFORM, max_length=MAX_TITLE)
    for name, limit in FLAIR_LIMITS.items():
        rules.text(metadata, name, PLATFORM, max_length=limit)
    for name in ("nsfw", "spoiler"):
        rules.flag(metadata, name, PLATFORM)
    return rules.link(metadata, "url", PLATFORM)


def title_of(request: PublishRequest) -> str:
    return (request.title or str(request.metadata.get("title") or "")).strip()


def _options(metadata: dict) -> dict:
    """Flair (some subreddits require it: SUBMIT_VALIDATION_FLAIR_REQUIRED) and the NSFW / spoiler marks."""
    options = {name: metadata[name] for name in ("flair_id", "flair_text") if metadata.get(name)}
    options.update({name: "true" for name in ("nsfw", "spoiler") if metadata.get(name) is True})
    return options


def _published(data: dict) -> Published:
    permalink = data.get("permalink")
    return Published(str(data["name"]), SITE + permalink if permalink else data.get("url"))


class RedditAdapter(PlatformAdapter):
    platform = "reddit"
    default_api_base = "https://oauth.reddit.com"
    default_auth_base = "https://www.reddit.com"
    uses_pkce = False
    limits = (Limit("request", 60, 60, "app"),)

    # --- connecting -----------------------------------------------------------------------------------------------
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        return oauth.authorize_url(app, "/api/v1/authorize", redirect_uri=redirect_uri, scope=list(SCOPES),
                                   state=state, duration="permanent")

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        body = RedditApi(app).token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
                                    "grant access")
        return oauth.token_set(body, "Reddit")

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise PlatformError(ErrorKind.DISCONNECT, "Reddit gave no refresh token for this connection; connect the "
                                "account again")
        body = RedditApi(app).token({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                                    "refresh the access")
        return oauth.token_set(body, "Reddit")  # no refresh_token in the answer: the caller keeps the old one

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        me = RedditApi(app, tokens).get("/api/v1/me?raw_json=1", "read the account")
        if not me.get("name") or not me.get("id"):
            raise PlatformError(ErrorKind.DISCONNECT, "Reddit did not say which user this connection is")
        return [Identity(platform_account_id=f"t2_{me['id']}", username=me["name"], display_name=f"u/{me['name']}",
                         extra={"kind": "user", "icon": str(me.get("icon_img") or "").split("?")[0] or None})]

    # --- publishing -----------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        if not all(rules.sendable(value) for value in (request.text, request.title or "")):
            raise _refused("the title and text must not carry NUL or invalid (unpaired surrogate) characters")
        subreddit_of(request)
        title = title_of(request)
        if not title:
            raise _refused("a post needs a title")
        if len(title) > MAX_TITLE:
            raise _refused(f"the title is {len(title)} characters; Reddit takes at most {MAX_TITLE}")
        if len(request.text) > MAX_TEXT:
            raise _refused(f"the text is {len(request.text)} characters; Reddit takes at most {MAX_TEXT}")
        link = check_metadata(request.metadata)
        if link and request.media:
            raise _refused("a post is a link or an image, not both")
        if len(request.media) > 1:
            raise _refused("a post takes one image here (galleries are not supported)")
        for item in request.media:
            name = item.file_name or item.kind
            if item.kind != "image":
                raise _refused(f"only image posts are supported here, not {item.kind} ({name})")
            if item.mime_type not in IMAGE_TYPES:
                raise _refused(f"images must be JPEG, PNG or GIF, not {item.mime_type} ({name})")
            if item.size_bytes > MAX_IMAGE_BYTES:
                raise _refused(f"an image may be at most 20 MB; {name} is {item.size_bytes / 1048576:.1f} MB")

    def publish(self, ctx: PublishContext) -> Published:
        if ctx.checkpoint.get("platform_post_id"):
            return Published(ctx.checkpoint["platform_post_id"], ctx.checkpoint.get("platform_post_url"))
        if ctx.checkpoint.get("accepted_at"):  # Reddit took this image post already: only ever look for it
            found = self.find_published(ctx)
            if found is not None:
                ctx.save(platform_post_id=found.platform_post_id, platform_post_url=found.platform_post_url)
                return found
        self.check(ctx.request)
        api = RedditApi(ctx.app, ctx.tokens)
        request = ctx.request
        form = {"api_type": "json", "sr": subreddit_of(request), "title": title_of(request), "sendreplies": "true",
                "resubmit": "true"}
        if request.media:
            form.update(kind="image", url=upload_image(api, ctx, request.media[0]))
        elif request.metadata.get("url"):
            form.update(kind="link", url=str(request.metadata["url"]))
        else:
            form.update(kind="self", text=request.text)
        form.update(_options(request.metadata))
        ctx.save(step="submit")
        body = api.post("/api/submit", f"post to r/{form['sr']}", data=form)
        raise_for_json_errors(body, f"post to r/{form['sr']}")
        data = (body.get("json") or {}).get("data") or {}
        if data.get("name"):
            published = Published(str(data["name"]), data.get("url"))
            ctx.save(platform_post_id=published.platform_post_id, platform_post_url=published.platform_post_url)
            return published
        # An image post: accepted, processed, then listed in the user's submissions.
        ctx.save(accepted_at=time.time())
        try:
            found = self._listed(api, ctx)
        except PlatformError as error:
            raise PlatformError(ErrorKind.RETRY_LATER, "Reddit accepted the image post; it will be looked for in the "
                                "account's posts", retry_after=error.retry_after or PROCESSING_RETRY_AFTER,
                                status=error.status, detail=error.detail, maybe_happened=True) from error
        if found is not None:
            ctx.save(platform_post_id=found.platform_post_id, platform_post_url=found.platform_post_url)
            return found
        raise PlatformError(ErrorKind.RETRY_LATER, "Reddit accepted the image post and is still processing it; "
                            "checking again shortly", retry_after=PROCESSING_RETRY_AFTER, maybe_happened=True)

    def _listed(self, api: RedditApi, ctx: PublishContext) -> Published | None:
        user = ctx.account.username
        listing = api.get(f"/user/{quote(str(user))}/submitted?sort=new&limit=25&raw_json=1",
                          "read the account's latest posts")
        title, subreddit = " ".join(title_of(ctx.request).split()), subreddit_of(ctx.request).lower()
        since = (ctx.started_at - CLOCK_SLACK).timestamp()
        for child in (listing.get("data") or {}).get("children") or []:
            data = child.get("data") if isinstance(child, dict) else None
            if not isinstance(data, dict) or not data.get("name"):
                continue
            created = data.get("created_utc")
            if (" ".join(str(data.get("title") or "").split()) == title
                    and str(data.get("subreddit", "")).lower() == subreddit
                    and isinstance(created, int | float) and created >= since):
                return _published(data)
        return None

    def find_published(self, ctx: PublishContext) -> Published | None:
        if ctx.checkpoint.get("platform_post_id"):
            return Published(ctx.checkpoint["platform_post_id"], ctx.checkpoint.get("platform_post_url"))
        if ctx.checkpoint.get("step") != "submit":
            return None  # /api/submit was never sent
        found = self._listed(RedditApi(ctx.app, ctx.tokens), ctx)
        accepted_at = ctx.checkpoint.get("accepted_at")
        if found is not None or accepted_at is None:
            return found
        if time.time() - float(accepted_at) < IMAGE_PROCESSING_WINDOW:
            raise PlatformError(ErrorKind.RETRY_LATER, "Reddit accepted the image post and is still processing it",
                                retry_after=PROCESSING_RETRY_AFTER)
        raise PlatformError(ErrorKind.BAD_REQUEST, "Reddit accepted the image post but it has not appeared in the "
                            f"account's posts; look at r/{subreddit_of(ctx.request)} before posting it again")

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        listing = RedditApi(ctx.app, ctx.tokens).get(f"/api/info?id={quote(platform_post_id)}&raw_json=1",
                                                     "read the post's score")
        children = (listing.get("data") or {}).get("children") or []
        if not children:
            return {}
        data = children[0].get("data") if isinstance(children[0], dict) else None
        if not isinstance(data, dict):
            return {}
        counts = {"score": data.get("score"), "likes": data.get("ups"), "comments": data.get("num_comments"),
                  "upvote_ratio": data.get("upvote_ratio")}
        return {key: value for key, value in counts.items() if isinstance(value, int | float)}

    def account_metrics(self, ctx: PublishContext) -> dict:
        me = RedditApi(ctx.app, ctx.tokens).get("/api/v1/me?raw_json=1", "read the account")
        counts = {"followers": (me.get("subreddit") or {}).get("subscribers"), "karma": me.get("total_karma")}
        return {key: value for key, value in counts.items() if isinstance(value, int)}


ADAPTER = RedditAdapter()
