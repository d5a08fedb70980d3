"""Bearer-token authentication for everything under /api/v1."""

from datetime import datetime

from flask import g, request

from app.errors import ApiError
from app.identity_cache import Resolution, identity_cache
from app.tokens import Caller

PUBLIC_ENDPOINTS = {"api-docs.openapi_json"}
# On the request, not on `g`: an app context (and its `g`) can outlive one request.
_RESOLUTION = "socialscalr.token_resolution"
_CALLER = "socialscalr.api_token"


def _bearer_token(environ: dict) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")  # read on every API request: no header object
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _resolution(environ: dict) -> Resolution:
    resolution = environ.get(_RESOLUTION)
    if resolution is None:
        token = _bearer_token(environ)
        resolution = identity_cache().resolve(token) if token else Resolution(None, "", None, None, False)
        environ[_RESOLUTION] = resolution
    return resolution


def tentative_caller() -> Caller | None:
    """The caller as remembered, before the identity epoch is known: good for a rate-limit key, not for access."""
    return _resolution(request.environ).caller


def confirm_caller(identity_epoch: bytes | None, now: datetime | None = None) -> None:
    """Settle this request's caller against the identity epoch just read from Redis (None: not read); `now`, when
    the caller has read the clock already, dates the token's use."""
    environ = request.environ
    environ[_CALLER] = identity_cache().confirm(_resolution(environ), identity_epoch, now)


def current_token() -> Caller | None:
    """The caller behind this request's live token, resolved once per request (None when absent or invalid)."""
    environ = request.environ
    if _CALLER not in environ:
        confirm_caller(None)
    return environ[_CALLER]


def current_user() -> Caller:
    """Who is calling (id, team_id, email, full_name, team_role, plan): not the ORM row, see `Caller`."""
    return g.current_user


def require_token():
    """before_request hook: 401 unless a live token was presented."""
    this_request = request._get_current_object()  # read once: this runs on every request
    endpoint = this_request.endpoint
    if not this_request.path.startswith("/api/v1") or endpoint in PUBLIC_ENDPOINTS:
        return
    if endpoint is None:
        return  # unknown route: let routing answer 404/405
    token = current_token()
    if token is None:
        if not this_request.headers.get("Authorization"):
            raise ApiError(401, "missing Authorization header: send 'Authorization: Bearer ss_...'")
        raise ApiError(401, "invalid or revoked API token")
    g.current_user = token
    g.team_id = token.team_id
