"""LinkedIn's REST API (api.linkedin.com/rest): the versioned headers every call carries, and its answers classified.

Every call sends `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version: 2.0.0` (LinkedIn refuses versioned
endpoints without them). Errors come as `{"status", "serviceErrorCode", "code", "message"}`:
401 -> REFRESH_TOKEN (serviceErrorCode 65601, "revoked by the user" -> DISCONNECT), 403 (no permission for what was
asked) -> DISCONNECT, 400/422 -> BAD_REQUEST with LinkedIn's message, 429 -> RETRY_LATER (PlatformHttp; a daily
limit waits until midnight UTC, when LinkedIn resets it), 5xx -> RETRY_LATER.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import requests

from app.platforms.base import AppCredentials, ErrorKind, PlatformError, TokenSet
from app.platforms.http import PlatformHttp

# LinkedIn supports each monthly version for about a year; AppCredentials.extra["linkedin_version"] overrides it.
LINKEDIN_VERSION = "202605"
REVOKED_SERVICE_ERROR = 65601  # "The token used in the request has been revoked by the user"
SERVER_RETRY_AFTER = 60.0
# The "little text" format of `commentary`: these characters are markup and must be escaped to be shown as written.
_RESERVED = set("\\|{}@[]()<>#*_~")


def little_text(text: str) -> str:
    return "".join("\\" + char if char in _RESERVED else char for char in text)


def same_text(commentary: object, text: str) -> bool:
    """Whether LinkedIn's stored commentary is this text, whatever escaping or whitespace LinkedIn normalised."""
    if not isinstance(commentary, str):
        return False
    plain = re.sub(r"\\(.)", r"\1", commentary)
    return " ".join(plain.split()) == " ".join(text.split())


def restli_list(values) -> str:
    """Rest.li 2.0 list syntax for a query parameter: List(urn%3Ali%3Ashare%3A1,...) (the parentheses unencoded)."""
    return "List(" + ",".join(quote(str(value), safe="") for value in values) + ")"


def urn_path(urn: str) -> str:
    return quote(urn, safe="")


def _error_body(text: str | None) -> dict:
    try:
        body = json.loads(text or "")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(body: dict, fallback: str) -> str:
    message = body.get("message") or body.get("error_description") or body.get("error") or fallback
    return str(message)[:300]


def classify(response: requests.Response, doing: str) -> requests.Response:
    """Return a 2xx answer; raise PlatformError for anything else, in words a person understands."""
    if response.status_code < 300:
        return response
    body = _error_body(response.text)
    message = _message(body, response.reason or f"HTTP {response.status_code}")
    detail = response.text[:300]
    status = response.status_code
    if status == 403:
        raise PlatformError(ErrorKind.DISCONNECT, f"LinkedIn does not let this connection {doing}: {message}; "
                            "connect the account again and grant the permission", status=status, detail=detail)
    if status in (400, 404, 409, 410, 413, 415, 422):
        raise PlatformError(ErrorKind.BAD_REQUEST, f"LinkedIn refused to {doing}: {message}", status=status,
                            detail=detail)
    raise PlatformError(ErrorKind.RETRY_LATER, f"LinkedIn could not {doing} just now ({message}); will try again",
                        retry_after=SERVER_RETRY_AFTER, status=status, detail=detail)


def seconds_to_utc_midnight(now: datetime | None = None) -> float:
    now = now or datetime.now(UTC)
    return ((now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0) - now).total_seconds()


def _refined(error: PlatformError) -> PlatformError:
    """A 401 whose body says the member revoked the app is a disconnect, not a token to refresh; a 429 for a daily
    limit ("... MEMBER DAY limit ...") waits for LinkedIn's reset at midnight UTC rather than a minute."""
    if error.kind is ErrorKind.RETRY_LATER and error.status == 429:
        message = str(_error_body(error.detail).get("message") or "")
        if " DAY " in f" {message.upper()} ":
            wait = max(error.retry_after or 0.0, seconds_to_utc_midnight())
            return PlatformError(ErrorKind.RETRY_LATER, f"LinkedIn's daily limit is reached ({message}); trying again "
                                 "after it resets at midnight UTC", retry_after=wait, status=429, detail=error.detail)
    if error.kind is ErrorKind.REFRESH_TOKEN:
        body = _error_body(error.detail)
        if body.get("serviceErrorCode") == REVOKED_SERVICE_ERROR or "revoked" in str(body.get("message", "")):
            return PlatformError(ErrorKind.DISCONNECT, "LinkedIn: the member revoked this app's access; connect the "
                                 "account again", status=401, detail=error.detail)
    return error


class LinkedInApi:
    """One login's calls to LinkedIn's API, with the versioned headers and classified answers."""

    def __init__(self, app: AppCredentials, tokens: TokenSet | None = None):
        self.app = app
        self.http = PlatformHttp(app)
        self.tokens = tokens
        self.version = str(app.extra.get("linkedin_version") or LINKEDIN_VERSION)

    def headers(self, *, auth: bool = True, **extra) -> dict:
        headers = {"LinkedIn-Version": self.version, "X-Restli-Protocol-Version": "2.0.0"}
        if auth and self.tokens is not None:
            headers["Authorization"] = f"Bearer {self.tokens.access_token}"
        headers.update(extra)
        return headers

    def get(self, path: str, doing: str, **kwargs) -> dict:
        """A read-only call (retried by PlatformHttp); its JSON object, or RETRY_LATER when LinkedIn sent none."""
        try:
            response = self.http.read("GET", path, headers=self.headers(), **kwargs)
        except PlatformError as error:
            raise _refined(error) from error
        try:
            body = classify(response, doing).json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise PlatformError(ErrorKind.RETRY_LATER, f"LinkedIn answered without data while trying to {doing}; will "
                                "try again", retry_after=SERVER_RETRY_AFTER, status=response.status_code,
                                detail=response.text[:300])
        return body

    def send(self, method: str, path: str, doing: str, *, headers: dict | None = None, **kwargs) -> requests.Response:
        """A call that may create something: sent once (PlatformHttp.write)."""
        try:
            response = self.http.write(method, path, headers=headers or self.headers(), **kwargs)
        except PlatformError as error:
            raise _refined(error) from error
        return classify(response, doing)

    def token(self, form: dict, doing: str) -> dict:
        """POST the OAuth token endpoint (www.linkedin.com/oauth/v2/accessToken); refusals mean no access."""
        form = {**form, "client_id": self.app.client_id, "client_secret": self.app.client_secret}
        try:
            response = self.http.write("POST", "/oauth/v2/accessToken", base=self.app.auth_base, data=form)
        except PlatformError as error:
            if error.kind is ErrorKind.REFRESH_TOKEN:  # 401: LinkedIn refused our client id / secret
                raise PlatformError(ErrorKind.DISCONNECT, f"LinkedIn refused to {doing}: the app's client id or "
                                    "secret was not accepted", status=401, detail=error.detail) from error
            raise
        body = _error_body(response.text)
        if response.status_code >= 500:
            classify(response, doing)
        if response.status_code >= 400 or "error" in body:
            raise PlatformError(ErrorKind.DISCONNECT, f"LinkedIn refused to {doing}: "
                                f"{_message(body, 'the grant is invalid, expired or revoked')}; connect the account "
                                "again", status=response.status_code, detail=response.text[:300])
        return body
