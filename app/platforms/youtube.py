"""YouTube: Google OAuth 2 (offline access, consent prompt, PKCE) and a resumable video upload (videos.insert).

Publishing (one video, never twice):
1. POST /upload/youtube/v3/videos?uploadType=resumable with the snippet and status answers a session URL in
   `Location`, saved at once. Until bytes go to it, a session cannot become a video, so a lost answer here is
   harmless: nothing can appear on the channel from it.
2. PUT the file in chunks (multiples of 256 KiB) with Content-Range; 308 Resume Incomplete says with `Range` what
   arrived. After a dropped connection, `PUT` with `Content-Range: bytes */TOTAL` asks the session what it has and
   the upload resumes there (in the same attempt, or the next one from the checkpoint).
3. The final 200/201 carries the video resource: its id is the post id. A session whose final answer was lost
   answers the same probe with 200/201 and the video, so the upload is never sent twice.

`find_published` probes the session; without one (or with an expired one) it reads the channel's uploads playlist
for a video since `started_at` with our title. Quota: videos.insert has its own bucket of 100 a day per project
(`limits`), other calls share 10,000 units; both reset at midnight Pacific Time (`youtube_errors`). What YouTube
takes and the video resource sent (privacy, tags, category, made for kids) are in `youtube_rules`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
from app.platforms.http import PlatformHttp, unreadable
from app.platforms.youtube_errors import api_error, token_error
from app.platforms.youtube_rules import check_request, title_of, video_resource

KIB = 1024
CHUNK_UNIT = 256 * KIB  # every chunk but the last is a multiple of 256 KiB
DEFAULT_CHUNK = 32 * CHUNK_UNIT  # 8 MiB
SCOPES = ["https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"]
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
UPLOAD_PATH = "/upload/youtube/v3/videos"
CLOCK_SKEW = timedelta(minutes=2)


def _bearer(tokens: TokenSet) -> dict:
    return {"Authorization": f"Bearer {tokens.access_token}"}


def _watch(video_id: str) -> Published:
    return Published(video_id, f"https://www.youtube.com/watch?v={video_id}")


class YouTubeAdapter(PlatformAdapter):
    platform = "youtube"
    default_api_base = "https://www.googleapis.com"
    default_auth_base = "https://accounts.google.com"
    uses_pkce = True
    limits = (
        Limit("publish", 100, 24 * 3600, scope="app"),  # videos.insert's own daily bucket per Google Cloud project
    )

    # --- connecting -----------------------------------------------------------------------------------------------
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        # offline + consent: Google sends a refresh token on every connection, not only the first
        return oauth.authorize_url(app, "/o/oauth2/v2/auth", redirect_uri=redirect_uri, scope=SCOPES, state=state,
                                   code_challenge=code_challenge, access_type="offline", prompt="consent",
                                   include_granted_scopes="true")

    def _token_url(self, app: AppCredentials) -> str:
        """Google's token endpoint lives on its own host; configuration that points the API elsewhere (a proxy, the
        tests' fake) points the token endpoint there too, at `<api_base>/token`."""
        if app.extra.get("token_url"):
            return str(app.extra["token_url"])
        base = app.api_base.rstrip("/")
        return GOOGLE_TOKEN_URL if base == self.default_api_base else base + "/token"

    def _token(self, app: AppCredentials, form: dict) -> TokenSet:
        return oauth.post_token_form(
            app, self._token_url(app), {"client_id": app.client_id, "client_secret": app.client_secret, **form},
            name="YouTube", owner="Google", credentials="client id or secret", token_error=token_error)

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        return self._token(app, oauth.code_grant(code, redirect_uri, code_verifier))

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        """Google answers a refresh without a refresh token: `refresh_token` stays None and the caller keeps the
        stored one. `invalid_grant` (revoked, or unused for six months) disconnects."""
        if not tokens.refresh_token:
            raise PlatformError(ErrorKind.DISCONNECT, "YouTube: no refresh token is stored; connect the channel again")
        return self._token(app, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})

    def _get(self, app: AppCredentials, tokens: TokenSet, path: str, params: dict) -> dict:
        response = PlatformHttp(app).read("GET", path, params=params, headers=_bearer(tokens))
        if not response.ok:
            raise api_error(response)
        return response.json()

    def _channels(self, app: AppCredentials, tokens: TokenSet) -> list[dict]:
        return self._get(app, tokens, "/youtube/v3/channels", {"part": "snippet,contentDetails,statistics",
                                                               "mine": "true"}).get("items") or []

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        return [Identity(platform_account_id=channel["id"], username=(channel.get("snippet") or {}).get("customUrl"),
                         display_name=(channel.get("snippet") or {}).get("title"),
                         extra={"uploads_playlist": ((channel.get("contentDetails") or {}).get("relatedPlaylists")
                                                     or {}).get("uploads")})
                for channel in self._channels(app, tokens)]

    # --- publishing -----------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        check_request(request)

    def _chunk_size(self, app: AppCredentials) -> int:
        wanted = int(app.extra.get("chunk_size") or DEFAULT_CHUNK)
        return max(CHUNK_UNIT, wanted - wanted % CHUNK_UNIT)

    def _start_session(self, http: PlatformHttp, ctx: PublishContext) -> None:
        video = ctx.request.media[0]
        ctx.save(step="session", session_url=None, uploaded=0)
        response = http.write("POST", UPLOAD_PATH, params={"uploadType": "resumable", "part": "snippet,status"},
                              json=video_resource(ctx.request), headers={
                                  **_bearer(ctx.tokens), "X-Upload-Content-Length": str(video.size_bytes),
                                  "X-Upload-Content-Type": video.mime_type}, allow_redirects=False)
        if response.status_code != 200 or not response.headers.get("Location"):
            raise api_error(response)
        ctx.save(step="upload", session_url=response.headers["Location"], uploaded=0)

    def _video(self, response, ctx: PublishContext) -> Published:
        try:
            video_id = str(response.json()["id"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise unreadable("YouTube", response, "finish the upload") from None  # the video may exist
        ctx.save(step="done", video_id=video_id)
        return _watch(video_id)

    def _probe(self, http: PlatformHttp, ctx: PublishContext) -> Published | int | None:
        """Ask the session what arrived: the video (complete), the next offset (308), or None (session gone)."""
        size = ctx.request.media[0].size_bytes
        response = http.read("PUT", ctx.checkpoint["session_url"], data=b"", allow_redirects=False,
                             headers={**_bearer(ctx.tokens), "Content-Range": f"bytes */{size}"})
        if response.status_code in (200, 201):
            return self._video(response, ctx)
        if response.status_code == 308:
            received = response.headers.get("Range", "")  # "bytes=0-N"; absent when nothing arrived
            return int(received.rsplit("-", 1)[1]) + 1 if received else 0
        if response.status_code in (404, 410):
            return None
        raise api_error(response)

    def _resume_point(self, http: PlatformHttp, ctx: PublishContext) -> Published | int:
        probed = self._probe(http, ctx)
        if probed is None:  # the session expired unfinished (a week): look at the channel, else start over
            found = self._recent_upload(ctx)
            if found is not None:
                return found
            ctx.save(step=None, session_url=None, uploaded=0)
            raise PlatformError(ErrorKind.RETRY_LATER, "YouTube's upload session expired; will upload again",
                                retry_after=5.0)
        return probed

    def _upload(self, http: PlatformHttp, ctx: PublishContext, offset: int) -> Published:
        video, chunk = ctx.request.media[0], self._chunk_size(ctx.app)
        size, drops = video.size_bytes, 0
        while True:
            with video.open() as handle:
                handle.seek(offset)
                block = handle.read(chunk)
            last = offset + len(block) - 1
            try:
                response = http.write("PUT", ctx.checkpoint["session_url"], data=block, allow_redirects=False,
                                      headers={**_bearer(ctx.tokens), "Content-Type": video.mime_type,
                                               "Content-Range": f"bytes {offset}-{last}/{size}"})
            except PlatformError as error:
                drops += 1
                if not error.maybe_happened or drops > 2:
                    raise
                response = None
            if response is not None and response.status_code in (200, 201):
                return self._video(response, ctx)
            if response is None or response.status_code >= 500 or response.status_code in (404, 410):
                if response is not None:
                    drops += 1
                    if drops > 2:
                        raise api_error(response)
                resumed = self._resume_point(http, ctx)  # a dropped or failed chunk: ask what arrived
                if isinstance(resumed, Published):
                    return resumed
                offset = resumed
            elif response.status_code == 308:
                received = response.headers.get("Range", "")
                offset = int(received.rsplit("-", 1)[1]) + 1 if received else 0
            else:
                raise api_error(response)
            ctx.save(uploaded=offset)

    def publish(self, ctx: PublishContext) -> Published:
        self.check(ctx.request)
        http = PlatformHttp(ctx.app)
        if ctx.checkpoint.get("video_id"):
            return _watch(ctx.checkpoint["video_id"])
        if not ctx.checkpoint.get("session_url"):
            self._start_session(http, ctx)
            return self._upload(http, ctx, 0)
        resumed = self._resume_point(http, ctx)
        return resumed if isinstance(resumed, Published) else self._upload(http, ctx, resumed)

    def find_published(self, ctx: PublishContext) -> Published | None:
        if ctx.checkpoint.get("video_id"):
            return _watch(ctx.checkpoint["video_id"])
        if ctx.checkpoint.get("session_url"):
            probed = self._probe(PlatformHttp(ctx.app), ctx)
            if isinstance(probed, Published):
                return probed
            if probed is not None:
                return None  # the session is unfinished: publish resumes it, nothing new is created
        return self._recent_upload(ctx)

    def _recent_upload(self, ctx: PublishContext) -> Published | None:
        """A video on the channel's uploads playlist since started_at with our title."""
        playlist = ctx.account.extra.get("uploads_playlist")
        if not playlist:
            channel = next(iter(self._channels(ctx.app, ctx.tokens)), {})
            playlist = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
        if not playlist:
            return None
        items = self._get(ctx.app, ctx.tokens, "/youtube/v3/playlistItems", {
            "part": "snippet", "playlistId": playlist, "maxResults": 25}).get("items") or []
        title = title_of(ctx.request)
        for item in items:
            snippet = item.get("snippet") or {}
            published_at = datetime.fromisoformat(str(snippet.get("publishedAt", "1970-01-01T00:00:00Z"))
                                                  .replace("Z", "+00:00"))
            video_id = (snippet.get("resourceId") or {}).get("videoId")
            if video_id and snippet.get("title") == title and published_at >= ctx.started_at - CLOCK_SKEW:
                return _watch(str(video_id))
        return None

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        items = self._get(ctx.app, ctx.tokens, "/youtube/v3/videos", {"part": "statistics",
                                                                      "id": platform_post_id}).get("items") or []
        stats = (items[0].get("statistics") or {}) if items else {}
        return {name: int(stats[key]) for name, key in (("views", "viewCount"), ("likes", "likeCount"),
                                                         ("comments", "commentCount")) if key in stats}

    def account_metrics(self, ctx: PublishContext) -> dict:
        channels = self._get(ctx.app, ctx.tokens, "/youtube/v3/channels", {
            "part": "statistics", "id": ctx.account.platform_account_id}).get("items") or []
        stats = (channels[0].get("statistics") or {}) if channels else {}
        metrics = {"posts": int(stats["videoCount"])} if "videoCount" in stats else {}
        if "subscriberCount" in stats and not stats.get("hiddenSubscriberCount"):
            metrics["followers"] = int(stats["subscriberCount"])
        return metrics


ADAPTER = YouTubeAdapter()
