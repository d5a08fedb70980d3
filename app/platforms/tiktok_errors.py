"""TikTok's answers read and classified: every v2 API answer carries `{"data": ..., "error": {"code", "message",
"log_id"}}` and `error.code` is "ok" on success; the token endpoint answers errors flat (`{"error":
"invalid_grant", "error_description", "log_id"}`). Codes from the Content Posting API reference's error table."""

from __future__ import annotations

import requests

from app.platforms.base import ErrorKind, PlatformError

HOUR = 3600.0

# code -> (kind, what a person is told, seconds to wait for RETRY_LATER)
_CODES: dict[str, tuple[ErrorKind, str, float | None]] = {
    "access_token_invalid": (ErrorKind.REFRESH_TOKEN, "TikTok no longer accepts the access token", None),
    "scope_not_authorized": (ErrorKind.DISCONNECT, "TikTok: the connection was not allowed to post videos; "
                             "connect the account again and grant every permission", None),
    "scope_permission_missed": (ErrorKind.DISCONNECT, "TikTok: the connection lacks a permission it needs; "
                                "connect the account again", None),
    "rate_limit_exceeded": (ErrorKind.RETRY_LATER, "TikTok asked us to slow down; will try again in a minute", 60.0),
    "spam_risk_too_many_posts": (ErrorKind.RETRY_LATER, "TikTok: this account reached its daily limit of posts "
                                 "made through apps; will try again later", 6 * HOUR),
    "spam_risk_too_many_pending_share": (ErrorKind.RETRY_LATER, "TikTok: this account has too many uploads waiting "
                                         "in its TikTok inbox; will try again later", HOUR),
    "reached_active_user_cap": (ErrorKind.RETRY_LATER, "TikTok: the app reached its daily quota of active users; "
                                "will try again later", 6 * HOUR),
    "spam_risk_user_banned_from_posting": (ErrorKind.BAD_REQUEST, "TikTok: this account is banned from posting",
                                           None),
    "spam_risk_text": (ErrorKind.BAD_REQUEST, "TikTok refused the caption as possible spam", None),
    "spam_risk": (ErrorKind.BAD_REQUEST, "TikTok refused the post as possible spam", None),
    "unaudited_client_can_only_post_to_private_accounts": (
        ErrorKind.BAD_REQUEST, "TikTok: until the app passes TikTok's audit it may only post privately (privacy "
        "level SELF_ONLY)", None),
    "privacy_level_option_mismatch": (ErrorKind.BAD_REQUEST, "TikTok: this account does not offer the chosen "
                                      "privacy level", None),
    "url_ownership_unverified": (ErrorKind.BAD_REQUEST, "TikTok: the media URL's domain is not verified for this "
                                 "app", None),
    "invalid_file_upload": (ErrorKind.BAD_REQUEST, "TikTok refused the video file (format or size)", None),
    "file_format_check_failed": (ErrorKind.BAD_REQUEST, "TikTok: the video's format is not supported (MP4, MOV "
                                 "or WebM)", None),
    "duration_check_failed": (ErrorKind.BAD_REQUEST, "TikTok: the video is longer than this account may post",
                              None),
    "frame_rate_check_failed": (ErrorKind.BAD_REQUEST, "TikTok: the video's frame rate is not supported (23-60 "
                                "FPS)", None),
    "picture_size_check_failed": (ErrorKind.BAD_REQUEST, "TikTok: the picture size is not supported (at least "
                                  "360 px, at most 4096 px)", None),
    "video_pull_failed": (ErrorKind.BAD_REQUEST, "TikTok could not download the video from our server", None),
    "invalid_params": (ErrorKind.BAD_REQUEST, "TikTok refused the request's parameters", None),
    "internal_error": (ErrorKind.RETRY_LATER, "TikTok had an internal error; will try again", 60.0),
    "internal": (ErrorKind.RETRY_LATER, "TikTok had an internal error; will try again", 60.0),
}

# A publish that ended FAILED with one of these may succeed when sent again from the start.
TRANSIENT_FAIL_REASONS = {"internal", "internal_error", "video_pull_failed", "upload_timeout"}


def classify(code: str, message: str = "", *, status: int | None = None) -> PlatformError:
    detail = f"{code}: {message}"[:300] if message else code
    kind, text, wait = _CODES.get(code, (None, None, None))
    if kind is None:
        if status is not None and status >= 500:
            kind, text, wait = ErrorKind.RETRY_LATER, "TikTok is unavailable; will try again", 60.0
        else:
            kind, text = ErrorKind.BAD_REQUEST, f"TikTok refused the post ({code}" + (f": {message[:150]})"
                                                                                      if message else ")")
    return PlatformError(kind, text, retry_after=wait, status=status, detail=detail)


def body_of(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def data_of(response: requests.Response) -> dict:
    """`data` of a successful v2 answer; otherwise the classified error."""
    body = body_of(response)
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = str(error.get("code") or ("ok" if response.ok else f"http_{response.status_code}"))
    if code != "ok" or not response.ok:
        raise classify(code, str(error.get("message") or response.text[:200]), status=response.status_code)
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def token_error(response: requests.Response) -> PlatformError | None:
    """The token endpoint's flat error (`invalid_grant` for a revoked or expired refresh token -> DISCONNECT)."""
    body = body_of(response)
    error = body.get("error")
    if response.ok and (not error or isinstance(error, dict)):
        return None
    code = str(error.get("code") if isinstance(error, dict) else error or f"http_{response.status_code}")
    description = str(body.get("error_description") or "")[:200]
    if response.status_code >= 500:
        return PlatformError(ErrorKind.RETRY_LATER, "TikTok's sign-in service is unavailable; will try again",
                             retry_after=60.0, status=response.status_code, detail=code)
    return PlatformError(ErrorKind.DISCONNECT, "TikTok refused the connection" + (f": {description}" if description
                                                                                   else f" ({code})")
                         + "; connect the account again", status=response.status_code, detail=f"{code} {description}")


def fail_reason_error(reason: str) -> PlatformError:
    """A publish TikTok ended FAILED: its `fail_reason` in words."""
    error = classify(reason or "unknown")
    if reason in TRANSIENT_FAIL_REASONS:
        return PlatformError(ErrorKind.RETRY_LATER, f"TikTok could not finish the post ({reason}); will send it "
                             "again", retry_after=60.0, detail=reason)
    return PlatformError(ErrorKind.BAD_REQUEST, error.message if error.kind is ErrorKind.BAD_REQUEST else
                         f"TikTok could not publish the video ({reason})", detail=reason)
