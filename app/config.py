"""Settings read from the environment (and a `.env` file); nothing else is needed to start."""

import os
from pathlib import Path

from dotenv import load_dotenv

from app.logging_setup import log_format


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


# Defaults of the retention settings (days, or hours for idempotency keys).
RETENTION_DEFAULTS = {"RETENTION_WEBHOOK_EVENTS_DAYS": 30, "RETENTION_ACTIONS_DAYS": 365,
                      "RETENTION_IDEMPOTENCY_HOURS": 24}


# Set in code (create_app({...})) as structures, never read from the environment as strings.
_SOCIALDOCK_STRUCTURED = {"SOCIALDOCK_MEDIA_MAX_BYTES", "SOCIALDOCK_MEDIA_TRUSTED_ORIGINS"}


def _positive(env, key: str, default: int) -> int:
    text = (env.get(key) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{key}: must be a whole number of at least 1, got {text!r}")
    return int(text)


def settings_from_environment(instance_path: str) -> dict:
    load_dotenv(override=False)
    env = os.environ
    redis_url = env.get("REDIS_URL") or None
    return {
        # SocialDock's platform apps (SOCIALDOCK_<PLATFORM>_CLIENT_ID, ..._CLIENT_SECRET, ..._API_BASE, ...), token
        # keys (SOCIALDOCK_TOKEN_KEYS) and public base URL, as given; the typed ones below replace theirs.
        **{key: value for key, value in env.items() if key.startswith("SOCIALDOCK_") and value
           and key not in _SOCIALDOCK_STRUCTURED},
        "SECRET_KEY": env.get("SECRET_KEY") or os.urandom(32).hex(),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "socialscalr.sqlite3"),
        # Idle connections are pinged before use by app.pool_ping, not on every checkout.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": redis_url,
        "RATELIMIT_PER_MINUTE": int(env.get("RATELIMIT_PER_MINUTE") or 60),
        # How long a process may remember who a token belongs to (app.identity_cache); 0 turns it off.
        "IDENTITY_CACHE_SECONDS": float(env.get("IDENTITY_CACHE_SECONDS") or 10),
        "WEBHOOKS_ALLOW_PRIVATE": _flag(env.get("WEBHOOKS_ALLOW_PRIVATE")),
        # How long records are kept (app/privacy/retention.py; docs/privacy.md).
        **{key: _positive(env, key, default) for key, default in RETENTION_DEFAULTS.items()},
        # plain (default) or json: one JSON object a line (app/logging_setup.py)
        "LOG_FORMAT": log_format(),
        # /metrics answers a request bearing this token; without one, only requests from this host (loopback).
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # Bodies above this are refused with 413 before they are read.
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        # SocialDock's API (docs/socialdock.md): where it is served, where its media is stored.
        "SOCIALDOCK_PREFIX": env.get("SOCIALDOCK_PREFIX") or "/socialdock",
        "SOCIALDOCK_MEDIA_DIR": env.get("SOCIALDOCK_MEDIA_DIR") or None,
        "SOCIALDOCK_SANDBOX_DELAY_SECONDS": float(env.get("SOCIALDOCK_SANDBOX_DELAY_SECONDS") or 2),
        "API_TITLE": "SocialScalr API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }

