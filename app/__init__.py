"""The application factory."""

import os

from flask import Flask

from app import (  # noqa: F401
    auth,
    content_type,
    idempotency,
    identity_cache,
    models,
    ratelimit,
    request_id,
    socialdock,
    sqlite_guarantees,
    suppression,
)
from app.config import settings_from_environment
from app.errors import register_error_handlers
from app.extensions import api, db, migrate
from app.ops import instrumentation
from app.pool_ping import ping_when_idle
from app.request_hooks import fold_app_hooks

MIGRATIONS_DIRECTORY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings_from_environment(app.instance_path))
    app.config.update(overrides or {})
    app.json.sort_keys = False

    instrumentation.init_app(app)  # first: its after-request hook runs last, with the final status
    request_id.init_app(app)
    db.init_app(app)
    with app.app_context():  # before any connection is made: every SQLite connection gets the guarantees
        for engine in db.engines.values():
            sqlite_guarantees.install(engine)
            suppression.install(engine)
            ping_when_idle(engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True, compare_type=True)
    identity_cache.init_app(app)
    ratelimit.init_app(app)  # before auth: unauthenticated requests count too, by address
    app.before_request(auth.require_token)
    app.before_request(content_type.require_json_body)
    idempotency.init_app(app)  # after auth: keys are per team

    app.url_map.strict_slashes = False  # `/api/v1/campaigns/` is `/api/v1/campaigns`; set before routes are added
    api.init_app(app)
    _register_blueprints(app)
    socialdock.init_app(app)  # its own API under SOCIALDOCK_PREFIX (keys, envelope, OpenAPI document)
    register_error_handlers(app)
    # Registered after flask-smorest so ours replace its {"code", "status"} error body.
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    fold_app_hooks(app)  # last: every module has registered its hooks
    return app


API_BLUEPRINTS = (
    "app.me.views",
    "app.campaigns.views",
    "app.leads.views",
    "app.posts.views",
    "app.comments.views",
    "app.webhooks.views",
    "app.analytics.views",
    "app.accounts.views",
    "app.privacy.views",
    "extension_bridge.views",
    "app.ops.views",
)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from app import docs, web
    from app.ops.views import metrics_blueprint

    for module in API_BLUEPRINTS:
        api.register_blueprint(import_module(module).blueprint)
    app.register_blueprint(docs.blueprint)
    web.init_app(app)
    app.register_blueprint(metrics_blueprint)
