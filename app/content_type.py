"""Body checks before any view runs: 413 when too large, 415 when not JSON (unless a file upload),
400 for JSON that cannot be parsed safely or carries a string that cannot be stored.

The JSON body is parsed once here; the views' argument parser (app/common/parsing.py) reuses that value.
"""

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.common.json_body import PARSED_BODY, check_body, check_multidict, parse_json
from app.errors import ApiError

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def accepts_multipart(view):
    """Mark a view as taking multipart/form-data (file uploads) instead of JSON."""
    view.accepts_multipart = True
    return view


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"request body too large: at most {limit // (1024 * 1024)} MB")


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def _read_body(limit: int) -> bytes:
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _too_large(limit) from None
    # A chunked body has no Content-Length: Werkzeug stops reading it at the limit, so reaching it means too large.
    if limit and request.content_length is None and len(raw) >= limit:
        raise _too_large(limit)
    return raw


def require_json_body():
    this_request = request._get_current_object()  # read once: this runs on every request
    environ = this_request.environ
    if environ["REQUEST_METHOD"] not in _BODY_METHODS and not environ.get("CONTENT_LENGTH") \
            and not environ.get("QUERY_STRING"):
        return  # most calls (a plain GET): no body to size, none to read and no query to check
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit and (this_request.content_length or 0) > limit:
        # Refused from the header alone, so a view that never reads the body still answers 413.
        raise _too_large(limit)
    if not this_request.path.startswith("/api/v1") or this_request.routing_exception is not None:
        return
    check_json_request()


def check_json_request():
    """The checks of a JSON API request (query string, body type and content); other APIs of the app call it too."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.environ.get("QUERY_STRING"):  # most calls have none: no parsing of an empty one
        check_multidict(request.args)
    if request.method not in _BODY_METHODS:
        return
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding") == "chunked"
    if not has_body:
        return
    mimetype = request.mimetype or ""
    if _is_json(mimetype):
        raw = _read_body(limit)
        if raw:
            body = parse_json(raw)
            check_body(raw, body)
            request.environ[PARSED_BODY] = body
        return
    view = current_app.view_functions.get(request.endpoint)
    if mimetype == "multipart/form-data" and getattr(view, "accepts_multipart", False):
        check_multidict(request.form)
        return
    raise ApiError(415, f"unsupported media type '{mimetype or 'none'}': send application/json")
