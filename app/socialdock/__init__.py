"""SocialDock: a second public API (wire-compatible with SocialDock's docs) served by this app under
SOCIALDOCK_PREFIX (default `/socialdock`), with its own keys, plans and limits, envelope, errors, OpenAPI document
(`<prefix>/api/v1/openapi.json`) and reference page (`<prefix>/docs`). docs/socialdock.md tells the whole story.
"""

import flask_smorest
from flask import Flask

from app import ratelimit
from app.errors import register_error_renderer
from app.socialdock import errors, gate, linkedin, public, sandbox, views  # noqa: F401  (linkedin, sandbox: publishers)
from app.socialdock.schemas import EnvelopeErrorSchema

DEFAULT_PREFIX = "/socialdock"


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
    api.init_app(app)
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
    register_error_renderer(app, prefix, errors.render)
    app.before_request(gate.before_request)
    app.extensions["socialdock.api"] = api
