"""A loopback TikTok: Login Kit v2 (authorize, token with rotating refresh tokens), Display API (user/info,
video/list, video/query) and the Content Posting API's direct post (creator_info/query, video/init with FILE_UPLOAD,
chunked PUT to the upload URL, status/fetch), built from developers.tiktok.com's reference: request shapes, the
`{"data", "error": {"code", "message", "log_id"}}` envelope, 401 access_token_invalid, 429 rate_limit_exceeded
(video/init: 6 a minute per token) and the chunk rules of the Media Transfer Guide."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
import time

from flask import jsonify, redirect, request

from tests.fakes.base import FakePlatform

CLIENT_KEY, CLIENT_SECRET = "test-client", "test-secret"


def _envelope(data=None, code="ok", message="", status=200):
    response = jsonify({"data": data or {}, "error": {"code": code, "message": message, "log_id": "fake-log"}})
    response.status_code = status
    return response


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FakeTikTok(FakePlatform):
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
    def _authorized(self):
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        if self.access.get(token) != "ok":
            return _envelope(code="access_token_invalid", message="The access token is invalid or not found in the "
                             "request.", status=401)
        return None

    def _json_body(self):
        if not (request.content_type or "").startswith("application/json"):
            return None, _envelope(code="invalid_params", message="Content-Type must be application/json",
                                   status=400)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None, _envelope(code="invalid_params", message="body is not a JSON object", status=400)
        return body, None

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
            return _envelope({"user": {key: value for key, value in user.items() if key in fields}})

        @app.post("/v2/post/publish/creator_info/query/")
        def creator_info():
            refused = self._authorized()
            if refused:
                return refused
            return _envelope({"creator_avatar_url": "https://p16.example/a.jpg", "creator_username": "fakecreator",
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
            refused = self._authorized()
            if refused:
                return refused
            body, bad = self._json_body()
            if bad:
                return bad
            publish = self.publishes.get(str(body.get("publish_id")))
            if publish is None:
                return _envelope(code="invalid_publish_id", message="publish_id does not exist", status=400)
            data = {"status": publish["status"], "uploaded_bytes": publish["received"]}
            if publish.get("fail_reason"):
                data["fail_reason"] = publish["fail_reason"]
            if publish["status"] == "PROCESSING_DOWNLOAD":
                if publish["polls_left"] > 0:
                    publish["polls_left"] -= 1
                else:
                    publish["status"] = "PUBLISH_COMPLETE"
                    data["status"] = "PUBLISH_COMPLETE"
            if data["status"] == "PUBLISH_COMPLETE":
                data["publicaly_available_post_id"] = [int(publish["post"]["id"])]
            return _envelope(data)

        @app.post("/v2/video/list/")
        def video_list():
            refused = self._authorized()
            if refused:
                return refused
            videos = [{"id": post["id"], "title": post["title"], "video_description": post["title"],
                       "create_time": post["create_time"], "share_url": f"https://www.tiktok.com/@fakecreator/video/"
                       f"{post['id']}"} for post in reversed(self.posts) if not post.get("hidden")]
            return _envelope({"videos": videos[:20], "cursor": 0, "has_more": False})

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
            return _envelope({"videos": videos, "cursor": 0, "has_more": False})

    def _video_init(self):
        refused = self._authorized()
        if refused:
            return refused
        token = request.headers["Authorization"].removeprefix("Bearer ")
        now = time.monotonic()
        with self.lock:
            recent = [when for who, when in self.inits if who == token and now - when < 60]
            if len(recent) >= 6:
                return _envelope(code="rate_limit_exceeded", message="6 requests a minute", status=429)
            self.inits.append((token, now))
        body, bad = self._json_body()
        if bad:
            return bad
        info, source = body.get("post_info") or {}, body.get("source_info") or {}
        if info.get("privacy_level") not in self.privacy_options:
            return _envelope(code="privacy_level_option_mismatch", message="privacy_level", status=400)
        if source.get("source") != "FILE_UPLOAD":
            return _envelope(code="invalid_params", message="this fake takes FILE_UPLOAD", status=400)
        size, chunk, count = (source.get(key) for key in ("video_size", "chunk_size", "total_chunk_count"))
        if not all(isinstance(value, int) and value > 0 for value in (size, chunk, count)):
            return _envelope(code="invalid_params", message="video_size, chunk_size, total_chunk_count", status=400)
        whole = chunk == size and count == 1
        if not whole and (chunk < self.min_chunk or chunk > 64 * 1024 * 1024 or count != size // chunk
                          or count > 1000):
            return _envelope(code="invalid_params", message="chunk_size/total_chunk_count break the chunk rules",
                             status=400)
        publish_id = "v_pub_file~v2-1." + secrets.token_hex(6)
        upload_id = secrets.token_hex(6)
        self.publishes[publish_id] = {"upload_id": upload_id, "size": size, "chunk": chunk, "count": count,
                                      "received": 0, "status": "PROCESSING_UPLOAD", "title": info.get("title", ""),
                                      "polls_left": self.processing_polls, "post": None}
        return _envelope({"publish_id": publish_id, "upload_url": f"{self.url}/video/?upload_id={upload_id}"
                          f"&upload_token={secrets.token_hex(4)}"})

    def _new_post(self, title: str, kind: str, media: int) -> dict:
        post = {"id": str(next(self.ids)), "title": title, "create_time": int(time.time()), "kind": kind,
                "media": media, "hidden": self.in_moderation}
        self.posts.append(post)
        return post

    def _content_init(self):
        refused = self._authorized()
        if refused:
            return refused
        body, bad = self._json_body()
        if bad:
            return bad
        info, source = body.get("post_info") or {}, body.get("source_info") or {}
        images = source.get("photo_images")
        if body.get("post_mode") != "DIRECT_POST" or body.get("media_type") != "PHOTO":
            return _envelope(code="invalid_params", message="post_mode and media_type", status=400)
        if source.get("source") != "PULL_FROM_URL" or not isinstance(images, list) or not 1 <= len(images) <= 35:
            return _envelope(code="invalid_params", message="photo_images: 1-35 URLs pulled from a verified domain",
                             status=400)
        if not all(isinstance(url, str) and url.startswith(("http://", "https://")) for url in images) or not (
                0 <= int(source.get("photo_cover_index") or 0) < len(images)):
            return _envelope(code="invalid_params", message="photo_images / photo_cover_index", status=400)
        if info.get("privacy_level") not in self.privacy_options:
            return _envelope(code="privacy_level_option_mismatch", message="privacy_level", status=400)
        publish_id = "p_pub_url~v2." + secrets.token_hex(6)
        with self.lock:
            self.pulled.append(images)
            post = self._new_post(info.get("description") or info.get("title") or "", "image", len(images))
            self.publishes[publish_id] = {"upload_id": None, "size": 0, "received": 0, "title": post["title"],
                                          "status": "PROCESSING_DOWNLOAD", "polls_left": self.processing_polls,
                                          "post": post}
        return _envelope({"publish_id": publish_id})

    def _chunk(self):
        upload_id = request.args.get("upload_id")
        publish = next((item for item in self.publishes.values() if upload_id and item["upload_id"] == upload_id),
                       None)
        if publish is None:
            return _envelope(code="invalid_params", message="unknown upload", status=404)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("Content-Range", ""))
        if not match or not (request.content_type or "").startswith("video/"):
            return _envelope(code="invalid_params", message="Content-Range and a video Content-Type", status=400)
        first, last, total = (int(group) for group in match.groups())
        data = request.get_data()
        index = first // publish["chunk"]
        expected_last = publish["size"] - 1 if index == publish["count"] - 1 else first + publish["chunk"] - 1
        if (total != publish["size"] or first % publish["chunk"] or index >= publish["count"]
                or last != expected_last or len(data) != last - first + 1):
            return _envelope(code="invalid_params", message="Content-Range does not match the chunk plan",
                             status=416)
        with self.lock:
            if first > publish["received"]:  # chunks go in order
                return _envelope(code="invalid_params", message="chunks must be uploaded sequentially", status=416)
            publish["received"] = max(publish["received"], last + 1)
            if publish["received"] == publish["size"] and publish["status"] == "PROCESSING_UPLOAD":
                if self.fail_reasons:  # TikTok's processing refuses the video
                    publish["status"], publish["fail_reason"] = "FAILED", self.fail_reasons.pop(0)
                else:
                    publish["post"] = self._new_post(publish["title"], "video", 1)
                    publish["status"] = "PROCESSING_DOWNLOAD"
        return ("", 201) if publish["received"] == publish["size"] else ("", 206)


FAKE_CLASSES = (FakeTikTok,)
