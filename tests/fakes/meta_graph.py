"""What Meta's fakes share, after Meta's Graph API reference: the OAuth dialog that auto-approves, tokens that can
expire (code 190, subcode 463) or be revoked (190 / 458), the error body `{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}`, the `X-App-Usage` / `X-Business-Use-Case-Usage` headers, and media fetched from
the URL a publish names, as Meta's servers do (a URL that does not answer fails like Meta's "could not fetch").
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests
from flask import Response, jsonify, redirect, request

from tests.fakes.base import FakePlatform

CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"  # what tests.fakes.context.app_for configures
LONG_LIVED_SECONDS = 60 * 24 * 3600


def graph_error(code: int, message: str, *, subcode: int | None = None, status: int = 400,
                kind: str = "OAuthException", **extra) -> Response:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": secrets.token_hex(6), **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    response = jsonify({"error": error})
    response.status_code = status
    if code == 190:
        response.headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token"'
    return response


class GraphFailure(Exception):
    def __init__(self, response: Response):
        self.response = response


def fail(code: int, message: str, **kwargs):
    raise GraphFailure(graph_error(code, message, **kwargs))


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class FakeMeta(FakePlatform):
    """Tokens are `{token: {"kind", "state", "expires"?, ...}}`; kind "code-user" (short-lived), "user" (long-lived),
    "page"; state "ok", "expired" (refused by the API, still renewable, as an access token our refresh-ahead missed)
    or "revoked". A token issued with a lifetime (Facebook's user tokens) is past it when `clock()` (epoch seconds;
    a test may point it at its ManualClock) reaches "expires": then no exchange or refresh accepts it, as Meta's
    reference says ("a valid long-lived token" is exchanged; an expired one answers 190 / 463)."""

    name = "meta"
    require_proof = False
    authorize_paths: tuple[str, ...] = ("/dialog/oauth",)

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET):
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.ids = itertools.count(17841400000000001)
        self.app_usage: dict = {"call_count": 3, "total_time": 2, "total_cputime": 1}
        self.business_usage: dict | None = None
        self.fetched: list[dict] = []
        self.clock = time.time
        super().__init__()
        for path in self.authorize_paths:
            self.app.add_url_rule(path, f"authorize{path}", self._authorize)
        self.app.register_error_handler(GraphFailure, lambda failure: failure.response)
        self.app.after_request(self._usage_headers)

    def new_id(self) -> str:
        return str(next(self.ids))

    # --- OAuth ------------------------------------------------------------------------------------------------------
    def _authorize(self):
        args = request.args
        if args.get("client_id") != self.client_id:
            fail(100, "Invalid App ID", subcode=None)
        if not args.get("redirect_uri") or args.get("response_type") != "code" or not args.get("scope"):
            fail(100, "redirect_uri, response_type=code and scope are required")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": args["redirect_uri"], "scope": args["scope"], "used": False}
        return redirect(args["redirect_uri"] + "?" + urlencode({"code": code, "state": args.get("state", "")}))

    def redeem_code(self, values) -> dict:
        if values.get("client_id") != self.client_id or values.get("client_secret") != self.client_secret:
            fail(101, "Error validating client secret.", status=400)
        grant = self.codes.get(values.get("code") or "")
        if grant is None:
            fail(100, "Invalid verification code format.", subcode=36008)
        if grant["used"]:
            fail(100, "This authorization code has been used.", subcode=36009)
        if grant["redirect_uri"] != values.get("redirect_uri"):
            fail(100, "Error validating verification code. Please make sure your redirect_uri is identical to the one "
                 "you used in the OAuth dialog request", subcode=36008)
        grant["used"] = True
        return grant

    def issue(self, kind: str, lifetime: int | None = None, **extra) -> str:
        token = f"{kind}-{secrets.token_urlsafe(12)}"
        self.tokens[token] = {"kind": kind, "state": "ok", **extra}
        if lifetime is not None:
            self.tokens[token]["expires"] = self.clock() + lifetime
        return token

    def renewable(self, token: str | None, kinds: tuple[str, ...]) -> dict:
        """A token an exchange or refresh may start from: known, of the right kind, not revoked and not past its
        lifetime (the "expired" state alone is fine: an access token refused by the API, still within its life)."""
        known = self.tokens.get(token or "")
        if known is None or known["kind"] not in kinds:
            fail(190, "Invalid OAuth access token - Cannot parse access token")
        if known["state"] == "revoked":
            fail(190, "Error validating access token: The user has not authorized application.", subcode=458)
        if "expires" in known and self.clock() >= known["expires"]:
            fail(190, f"Error validating access token: Session has expired on {iso(known['expires'])}.", subcode=463)
        return known

    def caller(self, *kinds: str) -> dict:
        """The token this API request carries (parameter or Authorization header), refused as Meta refuses it."""
        header = request.headers.get("Authorization", "")
        token = request.values.get("access_token") or (header.split(" ", 1)[1] if " " in header else "")
        if not token:
            fail(2500, "An active access token must be used to query information about the current user.")
        known = self.tokens.get(token)
        if known is None:
            fail(190, "Invalid OAuth access token - Cannot parse access token")
        if self.require_proof:  # the app is set to "Require App Secret"
            proof = request.values.get("appsecret_proof")
            if not proof:
                fail(100, "API calls from the server require an appsecret_proof argument", kind="GraphMethodException")
            if not hmac.compare_digest(proof, hmac.new(self.client_secret.encode(), token.encode(),
                                                       hashlib.sha256).hexdigest()):
                fail(100, "Invalid appsecret_proof provided in the API argument", kind="GraphMethodException")
        if known["state"] == "revoked":
            fail(190, "Error validating access token: The user has not authorized application.", subcode=458)
        if known["state"] == "expired":
            fail(190, "Error validating access token: Session has expired.", subcode=463)
        if kinds and known["kind"] not in kinds:
            fail(200, "(#200) The permission(s) this call needs were not granted to this token", kind="OAuthException",
                 status=403)
        return known

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.tokens.values():
                if token["state"] == "ok":
                    token["state"] = "expired"

    def revoke(self) -> None:
        with self.lock:
            for token in self.tokens.values():
                token["state"] = "revoked"

    # --- usage headers and media --------------------------------------------------------------------------------
    def _usage_headers(self, response):
        response.headers["X-App-Usage"] = json.dumps(self.app_usage)
        if self.business_usage is not None:
            response.headers["X-Business-Use-Case-Usage"] = json.dumps(self.business_usage)
        return response

    def fetch(self, url: str | None) -> dict | None:
        """Download what a publish points at, as Meta's servers do; None when it cannot be fetched."""
        try:
            answer = requests.get(url or "", timeout=5)
        except requests.RequestException:
            return None
        if answer.status_code != 200 or not answer.content:
            return None
        item = {"url": url, "size": len(answer.content), "content_type": answer.headers.get("Content-Type", "")}
        self.fetched.append(item)
        return item

    @staticmethod
    def since() -> float:
        try:
            return float(request.args.get("since") or 0)
        except ValueError:
            fail(100, "(#100) The parameter since must be a unix timestamp")
            raise

    @staticmethod
    def now() -> float:
        return time.time()
