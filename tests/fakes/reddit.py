"""A loopback Reddit: OAuth (www.reddit.com/api/v1/authorize and /access_token), the API (oauth.reddit.com) and
the S3-like media store an upload lease points to, built from Reddit's public API reference.

What it holds Reddit to: the token endpoint takes the app's id and secret as HTTP basic auth and answers a bad code
or a revoked refresh token with `{"error": "invalid_grant"}`; a refresh answers no refresh token; API calls need a
bearer token and a unique User-Agent (a generic one is refused); every API answer carries X-Ratelimit-Used /
-Remaining / -Reset and the request past `budget` is a 429; a submit's errors come as HTTP 200 with `json.errors`;
an image post answers a websocket URL (no id) and shows in /user/<name>/submitted after `image_listing_delay`
listing reads.
"""

from __future__ import annotations

import itertools
import secrets
import time
from urllib.parse import urlencode

from flask import Response, g, jsonify, redirect, request

from tests.fakes.base import FakePlatform

SITE = "https://www.reddit.com"
POST_NUMBERS = {"score": 42, "ups": 45, "num_comments": 5, "upvote_ratio": 0.93}
FOLLOWERS, KARMA = 87, 1234


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def _unauthorized():
    return jsonify(message="Unauthorized", error=401), 401


class FakeReddit(FakePlatform):
    name = "reddit"
    authorize_path = "/api/v1/authorize"
    open_paths = ("/api/v1/authorize", "/api/v1/access_token", "/s3-upload")

    def __init__(self, client_id="test-client", client_secret="test-secret", username="ada_lovelace"):
        self.client_id, self.client_secret, self.username = client_id, client_secret, username
        self.codes: dict[str, str] = {}
        self.access: dict[str, str] = {}  # token -> "ok" | "expired" | "revoked"
        self.refresh_tokens: dict[str, str] = {}
        self.leases: dict[str, dict] = {}  # key -> {"mime", "bytes"}
        self.posts: list[dict] = []
        self.missing_subreddits = {"doesnotexist"}
        self.flair_required = {"askscience"}  # subreddits whose posts must carry a flair
        self.ratelimit_message: str | None = None  # the next submit answers RATELIMIT with it
        self.image_listing_delay = 0
        # Reddit allows about 100 requests a minute per client, counted over 10-minute windows: a fake lives within one
        self.budget, self.used, self.reset_seconds = 1000, 0, 420
        self._ids = itertools.count(1_000_000)
        super().__init__()

    # --- what tests look at ---------------------------------------------------------------------------------------
    def published(self) -> list[dict]:
        return [{"id": post["name"], "text": post["selftext"], "title": post["title"], "subreddit": post["subreddit"],
                 "kind": post["kind"], "media": 1 if post["kind"] == "image" else 0} for post in self.posts]

    def expire_leases(self) -> None:
        """Every upload lease handed out so far is past its signed policy's expiry (S3 answers 403)."""
        with self.lock:
            for lease in self.leases.values():
                lease["expired"] = True

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token, state in self.access.items():
                if state == "ok":
                    self.access[token] = "expired"

    def revoke(self) -> None:
        with self.lock:
            for table in (self.access, self.refresh_tokens):
                for token in table:
                    table[token] = "revoked"

    def issue_tokens(self) -> tuple[str, str]:
        access, refresh = "eyJ" + secrets.token_hex(12), "rf-" + secrets.token_hex(12)
        with self.lock:
            self.access[access], self.refresh_tokens[refresh] = "ok", "ok"
        return access, refresh

    # --- routes ---------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        app = self.app
        app.before_request(self._gate)
        app.after_request(self._ratelimit_headers)
        app.add_url_rule("/api/v1/authorize", view_func=self._authorize)
        app.add_url_rule("/api/v1/access_token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/api/v1/me", view_func=self._me)
        app.add_url_rule("/api/media/asset.json", view_func=self._asset, methods=["POST"])
        app.add_url_rule("/s3-upload", view_func=self._s3, methods=["POST"])
        app.add_url_rule("/api/submit", view_func=self._submit, methods=["POST"])
        app.add_url_rule("/user/<name>/submitted", view_func=self._submitted)
        app.add_url_rule("/api/info", view_func=self._info)

    def _gate(self):
        if request.path in self.open_paths:
            return None
        agent = request.headers.get("User-Agent", "")
        if not agent or agent.lower().startswith(("python-requests", "curl/", "python-urllib")):
            return jsonify(message="Forbidden", reason="use a unique and descriptive User-Agent", error=403), 403
        g.api_call = True
        with self.lock:
            self.used += 1
            over = self.used > self.budget
        if over:
            return jsonify(message="Too Many Requests", error=429), 429
        state = self.access.get(request.headers.get("Authorization", "").removeprefix("bearer "))
        return None if state == "ok" else _unauthorized()

    def _ratelimit_headers(self, response):
        if g.get("api_call"):
            response.headers["X-Ratelimit-Used"] = str(self.used)
            response.headers["X-Ratelimit-Remaining"] = f"{max(0, self.budget - self.used):.1f}"
            response.headers["X-Ratelimit-Reset"] = str(self.reset_seconds)
        return response

    def _authorize(self):
        args = request.args
        if args.get("client_id") != self.client_id or args.get("response_type") != "code":
            return Response("reddit: invalid client id or response type", status=400)
        if not args.get("state") or not args.get("redirect_uri") or args.get("duration") not in ("temporary",
                                                                                                "permanent"):
            return Response("reddit: state, redirect_uri and duration are required", status=400)
        if not {"submit", "identity"} <= set(args.get("scope", "").split()):
            return Response("reddit: invalid scope", status=400)
        code = secrets.token_hex(10)
        self.codes[code] = args["redirect_uri"]
        return redirect(args["redirect_uri"] + ("&" if "?" in args["redirect_uri"] else "?")
                        + urlencode({"state": args["state"], "code": code}))

    def _token(self):
        auth = request.authorization
        if auth is None or auth.username != self.client_id or auth.password != self.client_secret:
            return _unauthorized()
        form = request.form
        if form.get("grant_type") == "authorization_code":
            with self.lock:
                redirect_uri = self.codes.pop(form.get("code", ""), None)
            if redirect_uri is None or redirect_uri != form.get("redirect_uri"):
                return jsonify(error="invalid_grant")
            access, refresh = self.issue_tokens()
            return jsonify(access_token=access, token_type="bearer", expires_in=86400, scope="identity read submit",
                           refresh_token=refresh)
        if form.get("grant_type") == "refresh_token":
            if self.refresh_tokens.get(form.get("refresh_token", "")) != "ok":
                return jsonify(error="invalid_grant")
            access = "eyJ" + secrets.token_hex(12)
            with self.lock:
                self.access[access] = "ok"
            return jsonify(access_token=access, token_type="bearer", expires_in=86400, scope="identity read submit")
        return jsonify(error="unsupported_grant_type")

    def _me(self):
        return jsonify(name=self.username, id="1w72", icon_img="https://styles.redditmedia.com/icon.png?width=256",
                       total_karma=KARMA, subreddit={"display_name_prefixed": f"u/{self.username}",
                                                     "subscribers": FOLLOWERS})

    def _asset(self):
        mime, name = request.form.get("mimetype", ""), request.form.get("filepath", "")
        if not mime.startswith("image/") or not name:
            return jsonify(json={"errors": [["BAD_IMAGE", "filepath and an image mimetype are required", "mimetype"]]})
        asset_id = secrets.token_hex(6)
        key = f"rte_images/{asset_id}"
        self.leases[key] = {"mime": mime, "bytes": 0}
        host = self.url.split("://", 1)[1]
        return jsonify(args={"action": f"//{host}/s3-upload", "fields": [
            {"name": "acl", "value": "public-read"}, {"name": "key", "value": key},
            {"name": "Content-Type", "value": mime}, {"name": "x-amz-signature", "value": secrets.token_hex(8)}]},
            asset={"asset_id": asset_id, "processing_state": "incomplete", "payload": {"filepath": name},
                   "websocket_url": f"wss://ws.redditmedia.com/rte_images/{asset_id}"})

    def _s3(self):
        lease = self.leases.get(request.form.get("key", ""))
        upload = request.files.get("file")
        if (lease is None or lease.get("expired") or upload is None
                or request.form.get("Content-Type") != lease["mime"]):
            return Response("<Error><Code>AccessDenied</Code></Error>", status=403, content_type="application/xml")
        lease["bytes"] = len(upload.read())
        location = f"{self.url}/s3-upload/{request.form['key']}"
        return Response(f"<PostResponse><Location>{location}</Location><Key>{request.form['key']}</Key>"
                        "</PostResponse>", status=201, content_type="application/xml")

    def _submit_errors(self, form) -> list:
        if self.ratelimit_message:
            message, self.ratelimit_message = self.ratelimit_message, None
            return [["RATELIMIT", message, "ratelimit"]]
        errors = []
        if not form.get("sr") or form["sr"].lower() in self.missing_subreddits:
            errors.append(["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"])
        if not form.get("title"):
            errors.append(["NO_TEXT", "we need something here", "title"])
        elif len(form["title"]) > 300:
            errors.append(["TOO_LONG", "this is too long (max: 300)", "title"])
        if form.get("sr", "").lower() in self.flair_required and not form.get("flair_id"):
            errors.append(["SUBMIT_VALIDATION_FLAIR_REQUIRED", "Your post must contain post flair.", "flair"])
        kind = form.get("kind")
        if kind not in ("self", "link", "image"):
            errors.append(["INVALID_OPTION", "that option is not valid", "kind"])
        if kind in ("link", "image") and not form.get("url", "").startswith(("http://", "https://")):
            errors.append(["BAD_URL", "you should check that url", "url"])
        if kind == "image":
            key = form.get("url", "").split("/s3-upload/", 1)[-1]
            if not (self.leases.get(key) or {}).get("bytes"):
                errors.append(["BAD_URL", "that image was not uploaded", "url"])
        return errors

    def _submit(self):
        form = request.form
        if form.get("api_type") != "json":
            return Response("api_type=json is expected by this fake", status=400)
        errors = self._submit_errors(form)
        if errors:
            return jsonify(json={"errors": errors})
        with self.lock:
            post_id = _base36(next(self._ids))
            permalink = f"/r/{form['sr']}/comments/{post_id}/{form['title'][:20].lower().replace(' ', '_')}/"
            post = {"id": post_id, "name": f"t3_{post_id}", "title": form["title"], "subreddit": form["sr"],
                    "kind": form["kind"], "selftext": form.get("text", "") if form["kind"] == "self" else "",
                    "url": form.get("url") or SITE + permalink, "permalink": permalink, "created_utc": time.time(),
                    "author": self.username, "flair_id": form.get("flair_id"), "nsfw": form.get("nsfw") == "true",
                    "hidden_reads": self.image_listing_delay if form["kind"] == "image" else 0}
            self.posts.append(post)
        if form["kind"] == "image":
            return jsonify(json={"errors": [], "data": {
                "user_submitted_page": f"{SITE}/user/{self.username}/submitted/",
                "websocket_url": f"wss://ws.redditmedia.com/rte_images/{post_id}"}})
        return jsonify(json={"errors": [], "data": {"url": SITE + permalink, "drafts_count": 0, "id": post_id,
                                                    "name": post["name"]}})

    def _thing(self, post: dict) -> dict:
        data = {key: post[key] for key in ("id", "name", "title", "subreddit", "selftext", "url", "permalink",
                                           "created_utc", "author")}
        return {"kind": "t3", "data": {**data, **POST_NUMBERS}}

    def _submitted(self, name: str):
        visible = []
        with self.lock:
            for post in reversed(self.posts):
                if post["author"] != name:
                    continue
                if post["hidden_reads"] > 0:  # an image still being processed is not listed yet
                    post["hidden_reads"] -= 1
                    continue
                visible.append(self._thing(post))
        limit = int(request.args.get("limit", 25))
        return jsonify(kind="Listing", data={"after": None, "before": None, "children": visible[:limit]})

    def _info(self):
        wanted = set(request.args.get("id", "").split(","))
        return jsonify(kind="Listing", data={"after": None, "children": [
            self._thing(post) for post in self.posts if post["name"] in wanted]})


FAKE_CLASSES = (FakeReddit,)
