"""Google's answers classified: the YouTube Data API's `{"error": {"code", "message", "errors": [{"domain",
"reason", "message"}]}}` and the token endpoint's flat `{"error": "invalid_grant", "error_description"}`.

Quota: the project's daily quota resets at midnight Pacific Time, so `quotaExceeded` (and the upload bucket's
`uploadLimitExceeded`) wait until then; `rateLimitExceeded` / `userRateLimitExceeded` are short-term and wait a
minute."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import requests

from app.platforms.base import ErrorKind, PlatformError

PACIFIC = ZoneInfo("America/Los_Angeles")

_BAD = {
    "invalidTitle": "YouTube: the title is empty, longer than 100 characters or contains < or >",
    "invalidDescription": "YouTube: the description is longer than 5000 bytes or contains < or >",
    "invalidTags": "YouTube: the tags are too long (500 characters in all)",
    "invalidCategoryId": "YouTube: the category does not exist",
    "invalidVideoMetadata": "YouTube refused the video's details",
    "mediaBodyRequired": "YouTube: the upload carried no video",
    "uploadLimitExceededForShorts": "YouTube: the channel reached its limit of Shorts",
    "forbidden": "YouTube refused the upload for this channel (forbidden)",
    "invalidFilename": "YouTube: the file name is not valid",
    "invalidPublishAt": "YouTube: the scheduled publish time is not valid",
}
_DISCONNECT = {
    "insufficientPermissions": "YouTube: the connection was not granted permission to upload; connect the channel "
                               "again and allow uploads",
    "youtubeSignupRequired": "YouTube: the Google account has no YouTube channel; create one and connect again",
    "channelNotFound": "YouTube: the connected channel no longer exists; connect again",
    "accountDisabled": "YouTube: the channel's Google account is disabled",
}


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    """Seconds until the next midnight Pacific Time, when YouTube's daily quotas reset."""
    local = (now or datetime.now(UTC)).astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return max(60.0, (midnight - local).total_seconds())


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def reason_of(response: requests.Response) -> tuple[str, str]:
    error = _json(response).get("error")
    if not isinstance(error, dict):
        return "", response.text[:200]
    errors = error.get("errors") if isinstance(error.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(first.get("reason") or error.get("status") or ""), str(error.get("message") or "")[:200]


def api_error(response: requests.Response) -> PlatformError:
    status = response.status_code
    reason, message = reason_of(response)
    detail = f"{status} {reason}: {message}"[:300]
    if reason == "quotaExceeded":
        return PlatformError(ErrorKind.RETRY_LATER, "YouTube: the app's daily API quota is spent; will try again "
                             "after it resets at midnight Pacific Time", retry_after=seconds_until_quota_reset(),
                             status=status, detail=detail)
    if reason == "uploadLimitExceeded":
        return PlatformError(ErrorKind.RETRY_LATER, "YouTube: the channel reached its daily upload limit; will try "
                             "again tomorrow", retry_after=seconds_until_quota_reset(), status=status, detail=detail)
    if reason in ("rateLimitExceeded", "userRateLimitExceeded"):
        return PlatformError(ErrorKind.RETRY_LATER, "YouTube asked us to slow down; will try again in a minute",
                             retry_after=60.0, status=status, detail=detail)
    if reason in _DISCONNECT:
        return PlatformError(ErrorKind.DISCONNECT, _DISCONNECT[reason], status=status, detail=detail)
    if reason in _BAD:
        return PlatformError(ErrorKind.BAD_REQUEST, _BAD[reason], status=status, detail=detail)
    if status >= 500 or reason in ("backendError", "internalError"):
        return PlatformError(ErrorKind.RETRY_LATER, "YouTube is unavailable; will try again", retry_after=60.0,
                             status=status, detail=detail)
    return PlatformError(ErrorKind.BAD_REQUEST, f"YouTube refused the upload: {message or reason or status}",
                         status=status, detail=detail)


def token_error(response: requests.Response) -> PlatformError | None:
    """`invalid_grant` (revoked, expired or a used code) and `invalid_client` end the connection."""
    if response.ok:
        return None
    body = _json(response)
    code = str(body.get("error") or f"http_{response.status_code}")
    description = str(body.get("error_description") or "")[:200]
    if response.status_code >= 500:
        return PlatformError(ErrorKind.RETRY_LATER, "Google's sign-in service is unavailable; will try again",
                             retry_after=60.0, status=response.status_code, detail=code)
    return PlatformError(ErrorKind.DISCONNECT, f"Google refused the connection ({code}"
                         + (f": {description}" if description else "") + "); connect the channel again",
                         status=response.status_code, detail=f"{code} {description}".strip())
