"""A platform's app credentials from configuration: SOCIALDOCK_<PLATFORM>_CLIENT_ID, _CLIENT_SECRET, and optionally
_API_BASE and _AUTH_BASE (tests and proxies point them elsewhere), _USER_AGENT, _SCOPES (space- or comma-separated:
the OAuth scopes to ask for, for adapters that let the app choose, e.g. a LinkedIn app without organization access;
`AppCredentials.extra["scopes"]`) and _EXTRA (a dict, or JSON in the environment: the adapter's own knobs, e.g. chunk
sizes, merged into AppCredentials.extra). A platform without a client id
is not configured: live connections to it answer 400 saying so. Telegram needs none (each bot brings its token)."""

from __future__ import annotations

import json

from flask import current_app

from app.platforms.base import AppCredentials, PlatformAdapter

NEEDS_NO_APP = ("telegram",)


def _setting(platform: str, name: str, default: str | None = None) -> str | None:
    value = current_app.config.get(f"SOCIALDOCK_{platform.upper()}_{name}")
    return str(value) if value not in (None, "") else default


def app_credentials(adapter: PlatformAdapter) -> AppCredentials | None:
    platform = adapter.platform
    client_id = _setting(platform, "CLIENT_ID")
    if client_id is None and platform not in NEEDS_NO_APP:
        return None
    agent = _setting(platform, "USER_AGENT", f"server:socialscalr:0.1 (by socialscalr; {platform})")
    extra = current_app.config.get(f"SOCIALDOCK_{platform.upper()}_EXTRA") or {}
    if isinstance(extra, str):
        extra = json.loads(extra)
    return AppCredentials(
        platform=platform,
        client_id=client_id or "",
        client_secret=_setting(platform, "CLIENT_SECRET", "") or "",
        api_base=_setting(platform, "API_BASE", adapter.default_api_base),
        auth_base=_setting(platform, "AUTH_BASE", adapter.default_auth_base),
        user_agent=agent,
        extra=dict(extra) | ({"scopes": scopes.replace(",", " ").split()} if (scopes := _setting(platform, "SCOPES"))
                             else {}),
    )
