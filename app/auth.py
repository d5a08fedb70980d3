"""Bearer-token authentication for everything under /api/v1."""

from flask import g, request

from app.errors import ApiError
from app.tokens import Caller, resolve_token

PUBLIC_ENDPOINTS = {"api-docs.openapi_json"}
_UNRESOLVED = object()


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_token() -> Caller | None:
    """The caller behind this request's live token, resolved once per request (None when absent or invalid)."""
    # Cached on the request, not on `g`: an app context (and its `g`) can outlive one request.
    cached = request.environ.get("socialscalr.api_token", _UNRESOLVED)
    if cached is _UNRESOLVED:
        token = _bearer_token()
        cached = resolve_token(token) if token else None
        request.environ["socialscalr.api_token"] = cached
    return cached


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
