"""The web app: server-rendered pages for the people of a sales team, on the same services as the REST API.

Sign-in is by email and password with a server-side session (app/web/session.py); every form carries a CSRF
token (Flask-WTF's CSRFProtect, checked only by the web blueprints: the REST API under /api/v1 uses bearer
tokens and never reads the cookie). Assets are served from app/web/static: nothing comes from a CDN.
"""

from flask import Blueprint, Flask, current_app, g
from flask.sessions import SecureCookieSessionInterface

from app.web import accounts_views, auth_views, campaigns_views, posts_views, settings_views, webhooks_views
from app.web.pages import csrf
from app.web.session import SESSION_LIFETIME

BLUEPRINTS = (auth_views, settings_views, webhooks_views, accounts_views, campaigns_views, posts_views)


class PagesOnlySessions(SecureCookieSessionInterface):
    """Only pages use the cookie session: an API request never reads the cookie (nor pays to verify it)."""

    API_PATHS = ("/api/",)

    def open_session(self, app, request):
        if request.path.startswith(self.API_PATHS) or "/api/v1/" in request.path:
            return self.make_null_session(app)
        return super().open_session(app, request)


def _forget_csrf_token(_error=None):
    # Flask-WTF caches the request's CSRF token on `g`; an app context (and its `g`) can outlive one request.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # the web blueprints call csrf.protect() themselves
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session: a page left open still works
    # Flask's defaults (not HttpOnly-only, no SameSite, not Secure) are replaced, not merely defaulted.
    app.config.update(SESSION_COOKIE_NAME="socialscalr_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME)
    # Secure (HTTPS only) except in tests and debug; the plain-http dev server (`socialscalr serve`) turns it off.
    app.config["SESSION_COOKIE_SECURE"] = not (app.testing or app.debug)
    app.session_interface = PagesOnlySessions()
    csrf.init_app(app)
    app.teardown_request(_forget_csrf_token)
    app.register_blueprint(Blueprint("web_assets", __name__, static_folder="static", static_url_path="/assets"))
    for module in BLUEPRINTS:
        app.register_blueprint(module.blueprint)
