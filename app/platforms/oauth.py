"""OAuth 2 pieces every adapter shares, on Authlib: the authorize URL (state, PKCE S256) and reading a token answer.

Platforms differ in how the code is exchanged (TikTok names the client `client_key`, Reddit wants HTTP basic auth,
Meta takes a GET), so each adapter sends its own exchange through `PlatformHttp` and reads the answer here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from app.clock import now as clock_now
from app.platforms.base import AppCredentials, ErrorKind, PlatformError, TokenSet
from app.platforms.http import PlatformHttp


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for S256."""
    verifier = generate_token(64)
    return verifier, create_s256_code_challenge(verifier)


def authorize_url(app: AppCredentials, path: str, *, redirect_uri: str, scope: list[str], state: str,
                  code_challenge: str | None = None, scope_separator: str = " ", client_id_name: str = "client_id",
                  **extra) -> str:
    session = OAuth2Session(app.client_id, redirect_uri=redirect_uri, scope=scope_separator.join(scope))
    url, _ = session.create_authorization_url(app.auth_base.rstrip("/") + "/" + path.lstrip("/"), state=state,
                                              **extra)
    if code_challenge:
        url += f"&code_challenge={code_challenge}&code_challenge_method=S256"
    if client_id_name != "client_id":
        url = url.replace("client_id=", f"{client_id_name}=", 1)
    return url


def _when(seconds, now: datetime) -> datetime | None:
    try:
        return now + timedelta(seconds=int(seconds)) if seconds not in (None, "") else None
    except (TypeError, ValueError):
        return None


def token_set(body: object, platform: str) -> TokenSet:
    """A TokenSet from a token endpoint's JSON (access_token, refresh_token, expires_in, refresh_expires_in, scope);
    a body without an access token is refused as a failed connection."""
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        detail = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
        raise PlatformError(ErrorKind.DISCONNECT, f"{platform} did not grant access"
                            + (f": {str(detail)[:200]}" if detail else ""), detail=str(body)[:300])
    now = clock_now()  # the app's clock: tests that move it see expiries move with it
    known = {"access_token", "refresh_token", "expires_in", "refresh_expires_in", "scope", "token_type"}
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or None,
        expires_at=_when(body.get("expires_in"), now),
        refresh_expires_at=_when(body.get("refresh_expires_in"), now),
        scope=body.get("scope") if isinstance(body.get("scope"), str) else None,
        extra={key: value for key, value in body.items() if key not in known},
    )


def code_grant(code: str, redirect_uri: str, code_verifier: str | None) -> dict:
    """The form of an authorization-code exchange (with the PKCE verifier when there is one)."""
    form = {"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri}
    if code_verifier:
        form["code_verifier"] = code_verifier
    return form


def post_token_form(app: AppCredentials, url: str, form: dict, *, name: str, owner: str, credentials: str,
                    token_error: Callable[[requests.Response], PlatformError | None], **kwargs) -> TokenSet:
    """POST a form to `name`'s token endpoint (run by `owner`). A 401 there is our app's `credentials` being refused
    (connect again once they are fixed), not an expired token; `token_error` reads the platform's error body."""
    try:
        response = PlatformHttp(app).write("POST", url, data=form, **kwargs)
    except PlatformError as error:
        if error.kind is not ErrorKind.REFRESH_TOKEN:
            raise
        raise PlatformError(ErrorKind.DISCONNECT, f"{owner} refused the app's {credentials}; check the {name} app "
                            "credentials and connect again", status=401, detail=error.detail) from error
    refused = token_error(response)
    if refused is not None:
        raise refused
    return token_set(response.json(), name)
