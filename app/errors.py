"""One JSON error shape for everything: `{"error": "...", "details"?: {...}}`.

Handlers never echo exception text for unexpected failures: a 500 says only that
something went wrong and carries the request id for the logs.

Another API served from this app under its own path prefix (SocialDock) registers its own error body for
that prefix (`register_error_renderer`); the same handlers then answer in its shape there.
"""

import logging

from flask import current_app, g, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A domain refusal the client can act on (raised by services, rendered here)."""

    def __init__(self, status: int, message: str, details: dict | None = None, headers: dict | None = None,
                 meta: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.meta = meta  # only APIs whose error body has a `meta` (SocialDock's) show it


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


_RENDERERS = "socialscalr.error_renderers"


def register_error_renderer(app, path_prefix: str, render) -> None:
    """Errors of requests under `path_prefix` are answered by `render(status, message, details, headers, meta)`."""
    app.extensions.setdefault(_RENDERERS, []).append((path_prefix.rstrip("/") + "/", render))


def _renderer():
    if not has_request_context():
        return None
    path = request.path
    for prefix, render in current_app.extensions.get(_RENDERERS, ()):
        if path.startswith(prefix) or path + "/" == prefix:
            return render
    return None


def error_response(status: int, message: str, details: dict | None = None, headers: dict | None = None,
                   meta: dict | None = None):
    render = _renderer()
    if render is not None:
        return render(status, message, details, headers or {}, meta)
    body = {"error": message}
    if details:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def first_message(messages) -> tuple[str, str]:
    """Walk marshmallow's nested error dict to the first leaf: (dotted field path, message)."""
    path = []
    node = messages
    while isinstance(node, dict) and node:
        key, node = next(iter(node.items()))
        if key not in ("json", "query", "form", "files", "headers", "_schema"):
            path.append(str(key))
    if isinstance(node, list) and node:
        node = node[0]
        while isinstance(node, (list, dict)) and node:
            if isinstance(node, dict):
                key, node = next(iter(node.items()))
                path.append(str(key))
            else:
                node = node[0]
    return ".".join(path), str(node)


def validation_message(messages) -> str:
    field, message = first_message(messages)
    return f"{field}: {message}" if field else message


def _flatten_details(messages) -> dict:
    # webargs nests errors under the location ("json", "query"); clients only care about fields.
    if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in ("json", "query", "form", "files"):
        return next(iter(messages.values()))
    return messages


def _handle_api_error(error: ApiError):
    return error_response(error.status, error.message, error.details, error.headers, error.meta)


def _handle_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # webargs validation failures arrive as 422; our contract answers 400 naming the field.
        return error_response(400, validation_message(messages), _flatten_details(messages))
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response(status, _MESSAGES.get(status) or error.description or error.name, headers=headers)


def _handle_unexpected(error: Exception):
    log.exception("unhandled error (request %s)", getattr(g, "request_id", "-"))
    return error_response(500, "internal server error; quote request id " + getattr(g, "request_id", "-"))


_MESSAGES = {
    400: "bad request",
    401: "authentication required",
    404: "not found",
    405: "method not allowed",
    413: "request body too large",
    415: "unsupported media type: send application/json",
}


def register_error_handlers(app):
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
