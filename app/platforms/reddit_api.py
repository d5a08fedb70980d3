"""Reddit's API (oauth.reddit.com): bearer token, a unique User-Agent, the rate-limit headers, and its answers
classified.

Reddit counts requests per OAuth client and says what is left in `X-Ratelimit-Remaining` (and when the window
resets in `X-Ratelimit-Reset`, seconds). When the budget is spent, no further request goes out before the reset:
the next call raises RETRY_LATER with the seconds left (kept per client id and API base in this process; the
publisher's `Limit` keeps the pace across workers).

Errors of a submit come as HTTP 200 with `json.errors`, a list of [code, message, field]:
RATELIMIT ("... try again in 5 minutes.") -> RETRY_LATER with that wait; USER_REQUIRED -> DISCONNECT; anything
else (SUBREDDIT_NOEXIST, NO_SELFS, TOO_LONG, ...) -> BAD_REQUEST with Reddit's words.
"""

from __future__ import annotations

import json
import re
import threading
import time

import requests

from app.platforms.base import AppCredentials, ErrorKind, PlatformError, TokenSet
from app.platforms.http import PlatformHttp, unreadable

SERVER_RETRY_AFTER = 60.0
DEFAULT_RATELIMIT_WAIT = 60.0
_WAIT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)", re.IGNORECASE)
_UNIT_SECONDS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}

_spent_until: dict[tuple[str, str], float] = {}
_spent_lock = threading.Lock()


def wait_from(message: str) -> float:
    """Seconds from Reddit's "try again in 5 minutes." (60 s when it names no wait)."""
    found = _WAIT.search(message or "")
    if not found:
        return DEFAULT_RATELIMIT_WAIT
    return max(1.0, int(found.group(1)) * _UNIT_SECONDS[found.group(2).lower()])


def raise_for_json_errors(body: dict, doing: str) -> None:
    errors = [list(error) + ["", "", ""] for error in ((body.get("json") or {}).get("errors") or [])
              if isinstance(error, list | tuple)]
    if not errors:
        return
    detail = json.dumps(body.get("json", {}).get("errors"))[:300]
    codes = [str(error[0]) for error in errors]
    said = "; ".join(f"{error[1]}" + (f" ({error[2]})" if error[2] else "") for error in errors)
    if "RATELIMIT" in codes:
        message = next(str(error[1]) for error in errors if error[0] == "RATELIMIT")
        raise PlatformError(ErrorKind.RETRY_LATER, f"Reddit: {message}", retry_after=wait_from(message),
                            detail=detail)
    if "USER_REQUIRED" in codes:
        raise PlatformError(ErrorKind.DISCONNECT, "Reddit says this connection is not signed in as a user; connect "
                            "the account again", detail=detail)
    raise PlatformError(ErrorKind.BAD_REQUEST, f"Reddit refused to {doing}: {said} [{', '.join(codes)}]",
                        detail=detail)


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("message") or body.get("reason") or body.get("error") or response.reason)[:200]
    return response.reason or f"HTTP {response.status_code}"


def classify(response: requests.Response, doing: str) -> dict:
    """The JSON of a 2xx answer; PlatformError for anything else."""
    status = response.status_code
    if status < 300:
        try:
            body = response.json()
        except ValueError as error:
            raise PlatformError(ErrorKind.RETRY_LATER, f"Reddit answered without JSON while trying to {doing}; will "
                                "try again", retry_after=SERVER_RETRY_AFTER, status=status,
                                detail=response.text[:300]) from error
        return body if isinstance(body, dict) else {"data": body}
    detail = response.text[:300]
    if status == 403:
        raise PlatformError(ErrorKind.DISCONNECT, f"Reddit does not let this connection {doing} ({_message(response)});"
                            " connect the account again with the submit, identity and read permissions",
                            status=status, detail=detail)
    if status in (400, 404, 409, 413, 415, 422):
        raise PlatformError(ErrorKind.BAD_REQUEST, f"Reddit refused to {doing}: {_message(response)}", status=status,
                            detail=detail)
    raise PlatformError(ErrorKind.RETRY_LATER, f"Reddit could not {doing} just now ({_message(response)}); will try "
                        "again", retry_after=SERVER_RETRY_AFTER, status=status, detail=detail)


class RedditApi:
    def __init__(self, app: AppCredentials, tokens: TokenSet | None = None):
        self.app, self.tokens = app, tokens
        self.http = PlatformHttp(app)
        self._budget_key = (app.api_base, app.client_id)

    def _headers(self) -> dict:
        return {"Authorization": f"bearer {self.tokens.access_token}"} if self.tokens else {}

    def _wait_for_budget(self) -> None:
        with _spent_lock:
            until = _spent_until.get(self._budget_key, 0.0)
        left = until - time.monotonic()
        if left > 0:
            raise PlatformError(ErrorKind.RETRY_LATER, f"Reddit's request budget for this app is spent; it resets "
                                f"in {int(left) + 1} s", retry_after=left)

    def _note_budget(self, response: requests.Response) -> None:
        try:
            remaining = float(response.headers["X-Ratelimit-Remaining"])
            reset = float(response.headers.get("X-Ratelimit-Reset", DEFAULT_RATELIMIT_WAIT))
        except (KeyError, ValueError):
            return
        if remaining < 1:
            with _spent_lock:
                _spent_until[self._budget_key] = time.monotonic() + max(1.0, reset)

    def get(self, path: str, doing: str, **kwargs) -> dict:
        self._wait_for_budget()
        response = self.http.read("GET", path, headers=self._headers(), **kwargs)
        self._note_budget(response)
        return classify(response, doing)

    def post(self, path: str, doing: str, **kwargs) -> dict:
        """A call that may create something: sent once."""
        self._wait_for_budget()
        response = self.http.write("POST", path, headers=self._headers(), **kwargs)
        self._note_budget(response)
        try:
            return classify(response, doing)
        except PlatformError as error:
            if response.status_code < 300:  # accepted, but the answer cannot be read: Reddit may have acted
                raise unreadable("Reddit", response, doing) from error
            raise

    def token(self, form: dict, doing: str) -> dict:
        """POST www.reddit.com/api/v1/access_token with the app's id and secret as HTTP basic auth."""
        try:
            response = self.http.write("POST", "/api/v1/access_token", base=self.app.auth_base, data=form,
                                       auth=(self.app.client_id, self.app.client_secret))
        except PlatformError as error:
            if error.kind is ErrorKind.REFRESH_TOKEN:  # 401: the client id / secret were refused
                raise PlatformError(ErrorKind.DISCONNECT, f"Reddit refused to {doing}: the app's client id or secret "
                                    "was not accepted", status=401, detail=error.detail) from error
            raise
        if response.status_code >= 500:
            classify(response, doing)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or not isinstance(body, dict) or "error" in body:
            reason = body.get("error") if isinstance(body, dict) else None
            raise PlatformError(ErrorKind.DISCONNECT, f"Reddit refused to {doing}"
                                + (f" ({reason})" if reason else "") + "; connect the account again",
                                status=response.status_code, detail=response.text[:300])
        return body
