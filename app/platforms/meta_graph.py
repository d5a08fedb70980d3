"""What Meta's three publishing APIs share (Facebook Pages and Instagram on graph.facebook.com, Threads on
graph.threads.net): the error body `{"error": {"message", "type", "code", "error_subcode", "is_transient",
"error_user_msg", "fbtrace_id"}}` classified into ErrorKind, the usage headers that say a budget is spent, and the
access token sent as the `access_token` parameter (form body for POSTs) as Meta's references show.

Error codes (Graph API "Handling Errors" reference):
- 190 OAuthException: subcode 463 (expired) and none (invalid) are worth a refresh; 458 (app removed), 459
  (checkpoint), 460 (password changed), 464 (unconfirmed user), 467 (logged out / invalidated) and 492 (invalid
  session) mean the connection is revoked: DISCONNECT. 102 (session key) asks for a refresh too.
- 4 (app), 17 (user), 32 (page), 613 (custom), 80001-80014 (business use case) are rate limits; 368 is a temporary
  block; Instagram's 9 / subcode 2207042 is its daily publishing limit: RETRY_LATER.
- 100 invalid parameter: BAD_REQUEST with Meta's own words. 10 and 200-299 are permissions: BAD_REQUEST saying to
  reconnect granting them (a content-specific 200 must not disconnect a whole account).
- 1, 2 and `is_transient` are Meta's own trouble, 9007 / 2207027 a container not ready yet: RETRY_LATER.
- "Could not fetch the media": 9004 / subcode 2207052 (Instagram), 324 / 389 (Facebook photo / video URL), 2207003
  and 2207077 (download timeout / failure), Threads' FAILED_DOWNLOADING_VIDEO: BAD_REQUEST saying the platform could
  not download the file from our server and that SOCIALDOCK_PUBLIC_BASE_URL must be reachable from the internet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime

import requests

from app.platforms.base import AppCredentials, ErrorKind, PlatformError
from app.platforms.http import PlatformHttp, retry_after_seconds, unreadable

EXPIRED_SUBCODES = {463}
REVOKED_SUBCODES = {
    458: "the app was removed from the account",
    459: "the account is behind a security checkpoint (log in on the platform and follow its instructions)",
    460: "the account's password was changed",
    464: "the account is not confirmed",
    467: "the access token was invalidated (logged out)",
    492: "the session is no longer valid (the user lost their role)",
}
RATE_LIMIT_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
PERMISSION_CODES = {10} | set(range(200, 300))
MEDIA_FETCH_CODES = {9004, 324, 389}
MEDIA_FETCH_SUBCODES = {2207052, 2207003, 2207077}
MEDIA_FETCH_WORDS = ("could not be fetched", "failed_downloading", "unable to fetch", "media download has failed")
PUBLISHING_LIMIT_SUBCODES = {2207042}
RATE_LIMIT_WAIT = 300.0  # Meta's app and page budgets roll over an hour: a few minutes' pause, then a probe
APP_USAGE_WAIT = 600.0  # X-App-Usage gives no time to regain access
DAILY_LIMIT_WAIT = 3600.0


def media_fetch_message(label: str) -> str:
    return (f"{label} could not download the file from our server; check that SOCIALDOCK_PUBLIC_BASE_URL is a public "
            "address reachable from the internet (not localhost or a private network) and that the media URL "
            "answers without a login")


def _detail(error: dict, status: int | None) -> str:
    keep = {key: error.get(key) for key in ("code", "error_subcode", "type", "message", "fbtrace_id")
            if error.get(key) is not None}
    return json.dumps({"status": status, **keep})[:500]


def classify(label: str, error: dict, *, status: int | None = None, retry_after: float | None = None) -> PlatformError:
    """A PlatformError for Meta's `error` object, in words a person understands."""
    code, subcode = error.get("code"), error.get("error_subcode")
    said = str(error.get("error_user_msg") or error.get("message") or "no reason given")[:300]
    detail = _detail(error, status)

    def fail(kind, message, wait=None):
        return PlatformError(kind, message, retry_after=wait, status=status, detail=detail)

    if code == 190 or code == 102:
        if subcode in REVOKED_SUBCODES:
            return fail(ErrorKind.DISCONNECT, f"{label} revoked the connection: {REVOKED_SUBCODES[subcode]}; "
                        "connect the account again")
        return fail(ErrorKind.REFRESH_TOKEN, f"{label} says the access token has expired or is invalid")
    if code in MEDIA_FETCH_CODES or subcode in MEDIA_FETCH_SUBCODES or any(
            word in said.lower() for word in MEDIA_FETCH_WORDS):
        return fail(ErrorKind.BAD_REQUEST, media_fetch_message(label))
    if subcode in PUBLISHING_LIMIT_SUBCODES:
        return fail(ErrorKind.RETRY_LATER, f"{label}'s daily publishing limit for this account is reached; "
                    "will try again later", retry_after or DAILY_LIMIT_WAIT)
    if code == 9007 or subcode == 2207027:  # "media is not ready for publishing"
        return fail(ErrorKind.RETRY_LATER, f"{label} is still processing the media; will try again", 30.0)
    if code in RATE_LIMIT_CODES or code == 368:
        return fail(ErrorKind.RETRY_LATER, f"{label} rate limit reached (code {code}); will try again later",
                    retry_after or RATE_LIMIT_WAIT)
    if code in PERMISSION_CODES:
        return fail(ErrorKind.BAD_REQUEST, f"{label} refused for lack of permission ({said}); connect the account "
                    "again and grant every permission asked")
    if code == 100:
        return fail(ErrorKind.BAD_REQUEST, f"{label} refused the post: {said}")
    if code in (1, 2) or error.get("is_transient") or (status is not None and status >= 500):
        return fail(ErrorKind.RETRY_LATER, f"{label} had a temporary problem ({said}); will try again", 60.0)
    return fail(ErrorKind.BAD_REQUEST, f"{label} refused the post: {said}")


def is_transient(response: requests.Response) -> bool:
    """Whether Meta's error body says the trouble was its own (codes 1 and 2, or `is_transient`)."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and (error.get("code") in (1, 2) or bool(error.get("is_transient")))


def _percent_spent(usage: dict) -> bool:
    return any(isinstance(value, int | float) and value >= 100 for value in usage.values())


def usage_wait(headers) -> float | None:
    """Seconds to pause when X-App-Usage, X-Page-Usage or X-Business-Use-Case-Usage says a budget is spent."""
    waits = []
    for name in ("X-App-Usage", "X-Page-Usage"):
        try:
            usage = json.loads(headers.get(name) or "{}")
        except ValueError:
            continue
        if isinstance(usage, dict) and _percent_spent(usage):
            waits.append(APP_USAGE_WAIT)
    try:
        business = json.loads(headers.get("X-Business-Use-Case-Usage") or "{}")
    except ValueError:
        business = {}
    for entries in business.values() if isinstance(business, dict) else ():
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and _percent_spent(entry):
                minutes = entry.get("estimated_time_to_regain_access") or 0
                waits.append(float(minutes) * 60 if isinstance(minutes, int | float) and minutes > 0 else 60.0)
    return max(waits) if waits else None


def appsecret_proof(token: str, app_secret: str) -> str:
    """HMAC-SHA256 of the token keyed by the app secret: Graph API calls carry it so that an app set to "Require App
    Secret" accepts them and a leaked token is useless without our secret."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


class GraphApi:
    """Calls to one of Meta's Graph hosts for one platform (`label` names it in messages). `proof`: send
    `appsecret_proof` with every token (graph.facebook.com and graph.instagram.com take it)."""

    def __init__(self, app: AppCredentials, label: str, *, proof: bool = False):
        self.app, self.label, self.proof = app, label, proof
        self.http = PlatformHttp(app)

    def _authorized(self, values: dict, token: str | None) -> dict:
        if token is not None:
            values["access_token"] = token
            if self.proof and self.app.client_secret:
                values["appsecret_proof"] = appsecret_proof(token, self.app.client_secret)
        return values

    def get(self, path: str, token: str | None, *, check_usage: bool = True, **params) -> dict:
        """A read: retried, and a spent usage budget raises RETRY_LATER (nothing is lost by waiting)."""
        self._authorized(params, token)
        response = self._send(self.http.read, "GET", path, params=params)
        body = self._body(response)
        if check_usage and (wait := usage_wait(response.headers)) is not None:
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.label} says our call budget is spent; will try again "
                                f"in {int(wait)} s", retry_after=wait, detail="usage headers at 100%")
        return body

    def post(self, path: str, token: str | None, **data) -> dict:
        """A write, sent once. Its answer is returned even when the usage headers say the budget is now spent (the
        id it carries must be recorded); the next read will pause."""
        self._authorized(data, token)
        response = self._send(self.http.write, "POST", path, data=data)
        try:
            return self._body(response)
        except PlatformError as error:
            if response.status_code < 300:  # a 2xx we cannot read: Meta acted
                raise unreadable(self.label, response, f"call {path.rsplit('/', 1)[-1]}") from error
            if error.kind is ErrorKind.RETRY_LATER and error.status != 429 and is_transient(response):
                error.maybe_happened = True  # Meta's own trouble (code 1, 2, is_transient) may come after it acted
            raise

    def token_call(self, method: str, path: str, *, base: str | None = None, once: bool = False, **params) -> dict:
        """An OAuth token endpoint. A refusal means no access was granted (a wrong or used code, a revoked token).
        `once`: a code is good for one exchange, so that call is never repeated."""
        send = self.http.write if method == "POST" or once else self.http.read
        kwargs = {"data": params} if method == "POST" else {"params": params}
        try:
            return self._body(self._send(send, method, path, base=base, **kwargs))
        except PlatformError as error:
            if error.kind in (ErrorKind.RETRY_LATER, ErrorKind.DISCONNECT):
                raise
            try:
                said = json.loads(error.detail or "{}").get("message") or error.message
            except (ValueError, AttributeError):
                said = error.message
            raise PlatformError(ErrorKind.DISCONNECT, f"{self.label} did not grant access: {said}",
                                status=error.status, detail=error.detail) from error

    def _send(self, send: Callable, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return send(method, path, **kwargs)
        except PlatformError as error:
            # A 401 carrying a revoked-token body is not worth a refresh.
            if error.status == 401 and error.detail:
                try:
                    body = json.loads(error.detail)
                except ValueError:
                    raise error from None
                if isinstance(body, dict) and isinstance(body.get("error"), dict):
                    raise classify(self.label, body["error"], status=401) from error
            raise

    def _body(self, response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            raise classify(self.label, body["error"], status=response.status_code,
                           retry_after=retry_after_seconds(response, 0.0) or None)
        if response.status_code >= 400 or not isinstance(body, dict):
            kind = ErrorKind.RETRY_LATER if response.status_code >= 500 else ErrorKind.BAD_REQUEST
            raise PlatformError(kind, f"{self.label} answered {response.status_code} without an explanation",
                                retry_after=60.0 if kind is ErrorKind.RETRY_LATER else None,
                                status=response.status_code, detail=response.text[:300])
        return body

    def pages(self, path: str, token: str, limit: int = 10, **params) -> list[dict]:
        """Every item of a paged edge (`data` + `paging.next`), at most `limit` pages."""
        items: list[dict] = []
        body = self.get(path, token, **params)
        for _ in range(limit):
            items.extend(item for item in body.get("data") or [] if isinstance(item, dict))
            following = (body.get("paging") or {}).get("next")
            if not following:
                break
            body = self.get(following, None)
        return items


def created_id(body: dict, label: str) -> str:
    """The id a create call answered; a 200 without one may still have acted, so it is checked before a retry."""
    value = body.get("id") or body.get("post_id")
    if not value:
        raise PlatformError(ErrorKind.RETRY_LATER, f"{label} answered without an id; checking whether it was "
                            "published before trying again", retry_after=5.0, detail=str(body)[:300],
                            maybe_happened=True)
    return str(value)


def same_text(ours: str, theirs: object) -> bool:
    return " ".join(str(theirs or "").split()) == " ".join((ours or "").split())


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def wait_for(read_status: Callable[[], str], *, interval: float, attempts: int, pending=("IN_PROGRESS",)) -> str:
    """Poll a container until it leaves `pending` or `attempts` run out; returns the last status seen. The waits
    grow from a tenth of `interval` to `interval` (most containers are ready within a second or two)."""
    status = read_status()
    for attempt in range(max(0, attempts - 1)):
        if status not in pending:
            break
        time.sleep(min(interval, interval / 10 * 2 ** attempt))
        status = read_status()
    return status


def poll_settings(app: AppCredentials) -> tuple[float, int]:
    """(seconds between container status reads, reads per attempt) from AppCredentials.extra; the defaults keep one
    attempt under a minute, and a container still processing is picked up again by the next attempt."""
    return float(app.extra.get("poll_interval", 5.0)), int(app.extra.get("poll_attempts", 10))


def extract_metrics(insights: dict, names: dict[str, str]) -> dict:
    """Meta's insights answer `{"data": [{"name", "values": [{"value"}]} or {"name", "total_value": {"value"}}]}` as
    our metric names (`names` maps theirs to ours; several of theirs may add up to one of ours)."""
    out: dict[str, int] = {}
    for item in insights.get("data") or []:
        ours = names.get(item.get("name")) if isinstance(item, dict) else None
        if ours is None:
            continue
        value = (item.get("total_value") or {}).get("value")
        if value is None and item.get("values"):
            value = item["values"][-1].get("value")
        if isinstance(value, int | float):
            out[ours] = out.get(ours, 0) + int(value)
    return out
