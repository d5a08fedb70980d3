"""Every request counted and timed by route and status (`socialscalr_http_*`); with LOG_FORMAT=json, one log
line per request too (method, route, path without its query string, status, duration; never a header or body)."""

import logging
import time

from flask import Flask, current_app, request

from app import metrics

log = logging.getLogger("app.access")
_STARTED = "socialscalr.started"


def _start():
    request.environ[_STARTED] = time.perf_counter()


def _route(this_request) -> str:
    """The route's pattern (`/api/v1/leads/<uuid:lead_id>`): bounded labels, no ids in them."""
    rule = this_request.url_rule
    return rule.rule if rule is not None else "unmatched"


def _finish(response):
    this_request = request._get_current_object()  # read once: this runs on every request
    started = this_request.environ.get(_STARTED)
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route, method = _route(this_request), this_request.method
    metrics.request_answered(method, route, response.status_code, seconds)
    if current_app.config.get("LOG_FORMAT") == "json":
        log.info("%s %s %s", method, route, response.status_code,
                 extra={"method": method, "route": route, "path": this_request.path,
                        "status": response.status_code, "duration_ms": round(seconds * 1000, 1)})
    return response


def init_app(app: Flask) -> None:
    """Registered first: its after-request hook runs last, when the status is final."""
    app.before_request(_start)
    app.after_request(_finish)
