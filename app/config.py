"""Settings read from the environment (and a `.env` file); nothing else is needed to start."""

import os
from pathlib import Path

from dotenv import load_dotenv
from flask import current_app


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def settings_from_environment(instance_path: str) -> dict:
    load_dotenv(override=False)
    env = os.environ
    redis_url = env.get("REDIS_URL") or None
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or os.urandom(32).hex(),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "socialscalr.sqlite3"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_PER_MINUTE": int(env.get("RATELIMIT_PER_MINUTE") or 60),
        "WEBHOOKS_ALLOW_PRIVATE": _flag(env.get("WEBHOOKS_ALLOW_PRIVATE")),
        # Bodies above this are refused with 413 before they are read.
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "API_TITLE": "SocialScalr API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def per_token_budget() -> str:
    return f"{current_app.config['RATELIMIT_PER_MINUTE']}/minute"


def derived_settings(config: dict) -> dict:
    """Settings that follow from others, computed after test overrides are applied."""
    return {
        "RATELIMIT_STORAGE_URI": config.get("RATELIMIT_STORAGE_URI") or config["REDIS_URL"] or "memory://",
        # One budget per token shared by every endpoint (application-wide, not per route). A callable, read per
        # request: the process has one limiter object, which keeps the first app's limit string otherwise.
        "RATELIMIT_APPLICATION": per_token_budget,
        "RATELIMIT_HEADERS_ENABLED": True,
        # A Redis outage must not take the API down with it; the limiter falls back to memory.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }
