"""A loopback TikTok: Login Kit v2 (authorize, token with rotating refresh tokens), Display API (user/info,
video/list, video/query) and the Content Posting API's direct post (creator_info/query, video/init with FILE_UPLOAD,
chunked PUT to the upload URL, status/fetch), built from developers.tiktok.com's reference: request shapes, the
`{"data", "error": {"code", "message", "log_id"}}` envelope, 401 access_token_invalid, 429 rate_limit_exceeded
(video/init: 6 a minute per token) and the chunk rules of the Media Transfer Guide. The posting endpoints live in
tests/fakes/tiktok_posting.py."""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets

from flask import jsonify, redirect, request

from tests.fakes.base import FakePlatform
from tests.fakes.tiktok_posting import ContentPosting, envelope

CLIENT_KEY, CLIENT_SECRET = "test-client", "test-secret"


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FakeTikTok(ContentPosting, FakePlatform):
    name = "tiktok"
    authorize_path = "/v2/auth/authorize/"

    def __init__(self):
        self.client_id, self.client_secret = CLIENT_KEY, CLIENT_SECRET  # what the app credentials must carry
        self.codes: dict[str, dict] = {}
        self.access: dict[str, str] = {}  # access token -> "ok" | "expired"
        self.refresh_tokens: set[str] = set()
        self.posts: list[dict] = []
        self.publishes: dict[str, dict] = {}
        self.inits: list[tuple[str, float]] = []
        self.min_chunk = 5 * 1024 * 1024  # tests lower it to span a small file over several chunks
        self.fail_reasons: list[str] = []  # the next uploads end FAILED with these fail_reason values
        self.processing_polls = 0  # status fetches answering PROCESSING_DOWNLOAD before the post completes
        self.in_moderation = False  # new posts stay out of video/list (moderation can take hours)
        self.pulled: list[list[str]] = []  # photo URLs TikTok was asked to pull
        self.privacy_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        self.ids = itertools.count(7_300_000_000_000_000_001)
        super().__init__()

    # --- what a test reads or arms --------------------------------------------------------------------------------
    def published(self) -> list[dict]:
        return [{"id": post["id"], "text": post["title"], "media": post["media"], "kind": post["kind"]}
                for post in self.posts]

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access:
                self.access[token] = "expired"

    def revoke(self) -> None:
        with self.lock:
            self.access.clear()
            self.refresh_tokens.clear()

    def issue_tokens(self) -> dict:
        access, refresh = "act." + secrets.token_hex(8), "rft." + secrets.token_hex(8)
        with self.lock:
            self.access[access], self.refresh_tokens = "ok", self.refresh_tokens | {refresh}
        return {"access_token": access, "expires_in": 86400, "open_id": "open-1", "refresh_expires_in": 31536000,
                "refresh_token": refresh, "scope": "user.info.basic,video.publish,video.upload",
                "token_type": "Bearer"}

    # --- routes ---------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        app = self.app

        @app.get("/v2/auth/authorize/")
        def authorize():
            args = request.args
            if args.get("client_key") != self.client_id or args.get("response_type") != "code" or not args.get(
                    "scope"):
                return "client_key, response_type=code and scope are required", 400
            if not args.get("redirect_uri") or not args.get("state"):
                return "redirect_uri and state are required", 400
            challenge = args.get("code_challenge")
            if challenge and args.get("code_challenge_method") != "S256":
                return "code_challenge_method must be S256", 400
            code = secrets.token_hex(8)
            self.codes[code] = {"redirect_uri": args["redirect_uri"], "challenge": challenge}
            return redirect(f"{args['redirect_uri']}?code={code}&scopes={args['scope']}&state={args['state']}")

        @app.post("/v2/oauth/token/")
        def token():
            form = request.form
            if not (request.content_type or "").startswith("application/x-www-form-urlencoded"):
                return jsonify(error="invalid_request", error_description="form encoding required"), 400
            if form.get("client_key") != self.client_id or form.get("client_secret") != self.client_secret:
                return jsonify(error="invalid_client", error_description="Client key or secret is incorrect.",
                               log_id="fake-log"), 401
            if form.get("grant_type") == "authorization_code":
                issued = self.codes.pop(form.get("code", ""), None)
                if issued is None or issued["redirect_uri"] != form.get("redirect_uri"):
                    return jsonify(error="invalid_grant", error_description="Authorization code is expired.",
                                   log_id="fake-log"), 400
                if issued["challenge"] and _s256(form.get("code_verifier", "")) != issued["challenge"]:
                    return jsonify(error="invalid_request", error_description="Code verifier or code challenge is "
                                   "invalid.", log_id="fake-log"), 400
                return jsonify(self.issue_tokens())
            if form.get("grant_type") == "refresh_token":
                with self.lock:
                    if form.get("refresh_token") not in self.refresh_tokens:
                        return jsonify(error="invalid_grant", error_description="Refresh token is invalid or "
                                       "expired.", log_id="fake-log"), 400
                    self.refresh_tokens.discard(form["refresh_token"])  # rotated: the old one is spent
                return jsonify(self.issue_tokens())
            return jsonify(error="unsupported_grant_type", error_description="grant_type"), 400

        @app.get("/v2/user/info/")
        def user_info():
            refused = self._authorized()
            if refused:
                return refused
            user = {"open_id": "open-1", "union_id": "union-1", "avatar_url": "https://p16.example/a.jpg",
                    "display_name": "Fake Creator", "username": "fakecreator", "follower_count": 1200,
                    "following_count": 80, "likes_count": 5400, "video_count": 30 + len(self.posts)}
            fields = (request.args.get("fields") or "").split(",")
            return envelope({"user": {key: value for key, value in user.items() if key in fields}})

        @app.post("/v2/post/publish/creator_info/query/")
        def creator_info():
            refused = self._authorized()
            if refused:
                return refused
            return envelope({"creator_avatar_url": "https://p16.example/a.jpg", "creator_username": "fakecreator",
                             "creator_nickname": "Fake Creator", "privacy_level_options": self.privacy_options,
                              "comment_disabled": False, "duet_disabled": False, "stitch_disabled": True,
                              "max_video_post_duration_sec": 600})

        @app.post("/v2/post/publish/video/init/")
        def video_init():
            return self._video_init()

        @app.post("/v2/post/publish/content/init/")
        def content_init():
            return self._content_init()

        @app.put("/video/")
        def upload_chunk():
            return self._chunk()

        @app.post("/v2/post/publish/status/fetch/")
        def status_fetch():
            return self._status_fetch()

        @app.post("/v2/video/list/")
        def video_list():
            refused = self._authorized()
            if refused:
                return refused
            videos = [{"id": post["id"], "title": post["title"], "video_description": post["title"],
                       "create_time": post["create_time"], "share_url": f"https://www.tiktok.com/@fakecreator/video/"
                       f"{post['id']}"} for post in reversed(self.posts) if not post.get("hidden")]
            return envelope({"videos": videos[:20], "cursor": 0, "has_more": False})

        @app.post("/v2/video/query/")
        def video_query():
            refused = self._authorized()
            if refused:
                return refused
            body, bad = self._json_body()
            if bad:
                return bad
            wanted = set((body.get("filters") or {}).get("video_ids") or [])
            videos = [{"id": post["id"], "view_count": 1500, "like_count": 120, "comment_count": 14,
                       "share_count": 9} for post in self.posts if post["id"] in wanted]
            return envelope({"videos": videos, "cursor": 0, "has_more": False})

FAKE_CLASSES = (FakeTikTok,)
