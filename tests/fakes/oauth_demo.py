"""A minimal OAuth 2 platform, for the publisher's and the connect flow's own tests ONLY (not a real platform's
API; the real adapters live in app/platforms and are tested against their own fakes). It exercises what every
adapter shares: authorize (state + PKCE) and token endpoints, refresh (optionally without a new refresh token),
several identities per login, a create call whose answer can be lost, a read-only listing to find a post since a
moment, metrics, 401 for expired tokens and invalid_grant once revoked.

`DemoAdapter(platform)` speaks it; a test puts it in `app.platforms.registry.ADAPTERS[platform]` for the test.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from urllib.parse import urlencode

from flask import jsonify, redirect, request

from app.platforms.base import (
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
from app.platforms.oauth import authorize_url, token_set
from tests.fakes.base import FakePlatform


class FakeOAuthPlatform(FakePlatform):
    name = "demo"

    def __init__(self, identities=(("page-1", "First Page"),), rotate_refresh=False, refresh_returns_refresh=True):
        self.codes: dict[str, dict] = {}
        self.access: dict[str, str] = {}  # access token -> "ok" | "expired" | "revoked"
        self.refresh_tokens: dict[str, str] = {}
        self.identity_rows = [{"id": key, "name": name} for key, name in identities]
        self.rotate_refresh, self.refresh_returns_refresh = rotate_refresh, refresh_returns_refresh
        self.posts: list[dict] = []
        self.refreshes = 0
        self.code_grants_refresh = True  # False: a later consent answers without a refresh token
        self._ids = itertools.count(1000)
        super().__init__()

    def expire_access_tokens(self) -> None:
        for token in self.access:
            if self.access[token] == "ok":
                self.access[token] = "expired"

    def revoke(self) -> None:
        for token in self.access:
            self.access[token] = "revoked"
        for token in self.refresh_tokens:
            self.refresh_tokens[token] = "revoked"

    def published(self) -> list[dict]:
        return [{"id": post["id"], "text": post["text"], "media": post["media"]} for post in self.posts]

    def _issue(self, refresh: bool = True) -> dict:
        access = "at-" + secrets.token_hex(8)
        self.access[access] = "ok"
        body = {"access_token": access, "token_type": "bearer", "expires_in": 3600}
        if refresh:
            token = "rt-" + secrets.token_hex(8)
            self.refresh_tokens[token] = "ok"
            body["refresh_token"] = token
        return body

    def _authorized(self):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        state = self.access.get(token)
        if state != "ok":
            return jsonify({"error": "invalid_token", "error_description": state or "unknown"}), 401
        return None

    def routes(self) -> None:
        app = self.app

        @app.get("/oauth/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != "demo-client" or not args.get("redirect_uri") or not args.get("state"):
                return jsonify({"error": "invalid_request"}), 400
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                return jsonify({"error": "invalid_request", "error_description": "PKCE required"}), 400
            code = "code-" + secrets.token_hex(6)
            self.codes[code] = {"redirect_uri": args["redirect_uri"], "challenge": args["code_challenge"]}
            return redirect(args["redirect_uri"] + "?" + urlencode({"code": code, "state": args["state"]}), 302)

        @app.post("/oauth/token")
        def token():
            form = request.form
            if form.get("client_id") != "demo-client" or form.get("client_secret") != "demo-secret":
                return jsonify({"error": "invalid_client"}), 401
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                expected = (grant or {}).get("redirect_uri"), (grant or {}).get("challenge")
                if grant is None or expected != (form.get("redirect_uri"), challenge):
                    return jsonify({"error": "invalid_grant"}), 400
                return jsonify(self._issue(refresh=self.code_grants_refresh))
            if form.get("grant_type") == "refresh_token":
                if self.refresh_tokens.get(form.get("refresh_token", "")) != "ok":
                    return jsonify({"error": "invalid_grant", "error_description": "refresh token revoked"}), 400
                self.refreshes += 1
                if self.rotate_refresh:
                    self.refresh_tokens[form["refresh_token"]] = "used"
                return jsonify(self._issue(refresh=self.rotate_refresh or self.refresh_returns_refresh))
            return jsonify({"error": "unsupported_grant_type"}), 400

        @app.get("/me/accounts")
        def accounts():
            return self._authorized() or jsonify({"data": self.identity_rows})

        @app.post("/<account>/posts")
        def create(account):
            refused = self._authorized()
            if refused:
                return refused
            body = request.get_json(silent=True) or {}
            if not body.get("text"):
                return jsonify({"error": {"message": "text is required", "code": 100}}), 400
            post = {"id": f"post-{next(self._ids)}", "account": account, "text": body["text"],
                    "ref": body.get("ref"), "media": len(body.get("media") or [])}
            self.posts.append(post)
            return jsonify({"id": post["id"]})

        @app.get("/<account>/posts")
        def listing(account):
            return self._authorized() or jsonify(
                {"data": [post for post in self.posts if post["account"] == account]})

        @app.get("/posts/<post_id>/insights")
        def insights(post_id):
            return self._authorized() or jsonify({"views": 1200, "likes": 80, "comments": 9, "shares": 4})

        @app.get("/<account>/stats")
        def stats(account):
            return self._authorized() or jsonify({"followers": 5120, "following": 12, "posts": len(self.posts)})


class DemoAdapter(PlatformAdapter):
    default_api_base = default_auth_base = "http://127.0.0.1:9"
    uses_pkce = True
    limits = (Limit("publish", 100, 60),)

    def __init__(self, platform: str):
        self.platform = platform

    def authorize_url(self, app, redirect_uri, state, code_challenge):
        return authorize_url(app, "/oauth/authorize", redirect_uri=redirect_uri, scope=["publish"], state=state,
                             code_challenge=code_challenge)

    def _token(self, app, form) -> TokenSet:
        response = PlatformHttp(app).write("POST", "/oauth/token", base=app.auth_base,
                                           data=form | {"client_id": app.client_id,
                                                        "client_secret": app.client_secret})
        if response.status_code != 200:
            raise PlatformError(ErrorKind.DISCONNECT, f"{self.platform}: the grant was refused",
                                status=response.status_code, detail=response.text[:200])
        return token_set(response.json(), self.platform)

    def exchange_code(self, app, code, redirect_uri, code_verifier):
        return self._token(app, {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                 "code_verifier": code_verifier})

    def refresh(self, app, tokens):
        return self._token(app, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})

    def _headers(self, tokens: TokenSet) -> dict:
        return {"Authorization": f"Bearer {tokens.access_token}"}

    def identities(self, app, tokens):
        rows = PlatformHttp(app).read("GET", "/me/accounts", headers=self._headers(tokens)).json()["data"]
        return [Identity(row["id"], row["name"].lower().replace(" ", "_"), row["name"]) for row in rows]

    def check(self, request: PublishRequest) -> None:
        if len(request.text) > 280:
            raise PlatformError(ErrorKind.BAD_REQUEST, f"{self.platform}: a post is at most 280 characters")

    def publish(self, ctx: PublishContext) -> Published:
        if done := ctx.checkpoint.get("post_id") or ctx.checkpoint.get("platform_post_id"):
            return Published(done)
        ctx.save(step="create")
        response = PlatformHttp(ctx.app).write(
            "POST", f"/{ctx.account.platform_account_id}/posts", headers=self._headers(ctx.tokens),
            json={"text": ctx.request.text, "ref": ctx.request.target_ref,
                  "media": [item.url for item in ctx.request.media]})
        if response.status_code != 200:
            raise PlatformError(ErrorKind.BAD_REQUEST, f"{self.platform} refused the post: "
                                f"{response.json()['error']['message']}", status=response.status_code)
        post_id = response.json()["id"]
        ctx.save(post_id=post_id)
        return Published(post_id, f"https://demo.invalid/{post_id}")

    def find_published(self, ctx: PublishContext) -> Published | None:
        rows = PlatformHttp(ctx.app).read("GET", f"/{ctx.account.platform_account_id}/posts",
                                          headers=self._headers(ctx.tokens)).json()["data"]
        for row in rows:
            if row.get("ref") == ctx.request.target_ref:
                return Published(row["id"], f"https://demo.invalid/{row['id']}")
        return None

    def post_metrics(self, ctx, platform_post_id):
        return PlatformHttp(ctx.app).read("GET", f"/posts/{platform_post_id}/insights",
                                          headers=self._headers(ctx.tokens)).json()

    def account_metrics(self, ctx):
        return PlatformHttp(ctx.app).read("GET", f"/{ctx.account.platform_account_id}/stats",
                                          headers=self._headers(ctx.tokens)).json()
