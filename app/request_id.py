"""A request id on every response (`X-Request-ID`) and on every log line of that request."""

import logging
import re
import secrets

from flask import g, has_request_context, request

from app.logging_setup import PlainFormatter, log_format, use_json_logs

HEADER = "X-Request-ID"
_ENVIRON_KEY = "HTTP_X_REQUEST_ID"
# A caller's id is reused only when it is short and plain, so logs cannot be forged through it.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _assign():
    incoming = request.environ.get(_ENVIRON_KEY, "")  # not request.headers: no header object per request
    # 32 hex characters, as uuid4().hex gave, for less work: this runs on every request.
    g.request_id = incoming if _ACCEPTABLE.match(incoming) else secrets.token_hex(16)


def _stamp(response):
    response.headers[HEADER] = g.get("request_id", "-")
    return response


def configure_logging(app):
    if log_format() == "json":
        use_json_logs()
        app.logger.setLevel(logging.INFO)
        return
    handler = logging.StreamHandler()
    handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(RequestIdFilter())
    app.logger.handlers = [handler]
    root = logging.getLogger("app")
    if not root.handlers:
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def init_app(app):
    app.before_request(_assign)
    app.after_request(_stamp)
    configure_logging(app)
