"""SocialDock: a second public API (wire-compatible with SocialDock's docs) served by this app under
SOCIALDOCK_PREFIX (default `/socialdock`), with its own keys, plans and limits, envelope, errors, OpenAPI document
(`<prefix>/api/v1/openapi.json`) and reference page (`<prefix>/docs`). docs/socialdock.md tells the whole story.
"""

import flask_smorest
from apispec import BasePlugin
from flask import Flask

from app import ratelimit
from app.errors import register_error_renderer
from app.socialdock import (  # noqa: F401  (linkedin, live_publisher, sandbox: publishers)
    errors,
    gate,
    linkedin,
    live_publisher,
    public,
    sandbox,
    views,
)
from app.socialdock.schemas import EnvelopeErrorSchema

DEFAULT_PREFIX = "/socialdock"


_STATUS_TEXT = {
    400: "Bad Request: a field is missing or invalid (named in error.details)",
    401: "Unauthorized: missing, invalid, revoked or expired API key",
    403: "Forbidden: the workspace's plan (FREE) has no API access",
    404: "Not Found: no such resource in this workspace",
    409: "Conflict: the post's state does not allow it (the reason in error.details)",
    429: "Too Many Requests: the plan's per-minute limit; meta.retry_after says when",
}


class DockStatusesPlugin(BasePlugin):
    """Declares the page's error statuses on every operation, each with the envelope."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            statuses = [400, 401, 403, 429] + ([404] if "{" in path else [])
            if method in ("put", "delete") and "/posts/" in path:
                statuses.append(409)
            responses = operation.setdefault("responses", {})
            for status in statuses:
                if not any(str(key) == str(status) for key in responses):
                    responses[status] = {"description": _STATUS_TEXT[status], "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/EnvelopeError"}}}}


class DockApi(flask_smorest.Api):
    """flask-smorest for SocialDock: its own document and error body; the app's error handlers stay in charge."""

    ERROR_SCHEMA = EnvelopeErrorSchema

    def _register_error_handlers(self):
        pass  # app/errors.py answers every error; under the prefix in SocialDock's envelope (errors.render)


def prefix_of(app: Flask) -> str:
    prefix = (app.config.get("SOCIALDOCK_PREFIX") or DEFAULT_PREFIX).rstrip("/")
    if not prefix.startswith("/") or prefix.startswith("/api/") or prefix in ("", "/api"):
        raise ValueError(f"SOCIALDOCK_PREFIX must be a path like /socialdock, not {prefix!r}")
    return prefix


def init_app(app: Flask) -> None:
    prefix = prefix_of(app)
    app.config["SOCIALDOCK_PREFIX"] = prefix
    for key, value in (("API_TITLE", "SocialDock API"), ("API_VERSION", "v1"), ("OPENAPI_VERSION", "3.0.3"),
                       ("OPENAPI_URL_PREFIX", prefix + "/api/v1"), ("OPENAPI_JSON_PATH", "openapi.json")):
        app.config.setdefault("SOCIALDOCK_" + key, value)
    api = DockApi(config_prefix="SOCIALDOCK_")
    api.init_app(app, spec_kwargs={"extra_plugins": [DockStatusesPlugin()]})
    api.spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer",
                                                   "description": "sd_live_... or sd_test_... (sandbox)"})
    api.spec.options["security"] = [{"apiKey": []}]
    names = set()
    for blueprint, path in views.BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=prefix + "/api/v1" + path)
        names.add(blueprint.name)
    app.register_blueprint(public.blueprint, url_prefix=prefix)
    gate.API_BLUEPRINTS.update(names)
    ratelimit.count_elsewhere(app, names)
    # Media is pulled by platforms, many files at a time from few addresses: it must not spend a request budget
    # (its names are unguessable; connect tokens too).
    ratelimit.count_elsewhere(app, {public.blueprint.name})
    register_error_renderer(app, prefix, errors.render)
    app.before_request(gate.before_request)
    app.extensions["socialdock.api"] = api
