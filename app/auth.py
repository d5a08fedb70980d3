"""Bearer-token authentication for everything under /api/v1."""

from flask import g, request

from app.errors import ApiError
from app.identity_cache import Resolution, identity_cache
from app.tokens import Caller

PUBLIC_ENDPOINTS = {"api-docs.openapi_json"}
# On the request, not on `g`: an app context (and its `g`) can outlive one request.
_RESOLUTION = "socialscalr.token_resolution"
_CALLER = "socialscalr.api_token"


def _bearer_token() -> str | None:
    header = request.environ.get("HTTP_AUTHORIZATION", "")  # read on every API request: no header object
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _resolution() -> Resolution:
    resolution = request.environ.get(_RESOLUTION)
    if resolution is None:
        token = _bearer_token()
        resolution = identity_cache().resolve(token) if token else Resolution(None, "", None, None, False)
        request.environ[_RESOLUTION] = resolution
    return resolution


def tentative_caller() -> Caller | None:
    """The caller as remembered, before the identity epoch is known: good for a rate-limit key, not for access."""
    return _resolution().caller


def confirm_caller(identity_epoch: bytes | None) -> None:
    """Settle this request's caller against the identity epoch just read from Redis (None: not read)."""
    request.environ[_CALLER] = identity_cache().confirm(_resolution(), identity_epoch)


def current_token() -> Caller | None:
    """The caller behind this request's live token, resolved once per request (None when absent or invalid)."""
    if _CALLER not in request.environ:
        confirm_caller(None)
    return request.environ[_CALLER]


def current_user() -> Caller:
    """Who is calling (id, team_id, email, full_name, team_role, plan): not the ORM row, see `Caller`."""
    return g.current_user


def require_token():
    """before_request hook: 401 unless a live token was presented."""
    if not request.path.startswith("/api/v1") or request.endpoint in PUBLIC_ENDPOINTS:
        return
    if request.endpoint is None:
        return  # unknown route: let routing answer 404/405
    token = current_token()
    if token is None:
        if not request.headers.get("Authorization"):
            raise ApiError(401, "missing Authorization header: send 'Authorization: Bearer ss_...'")
        raise ApiError(401, "invalid or revoked API token")
    g.current_user = token
    g.team_id = token.team_id
