"""Body checks before any view runs: 413 when too large, 415 when not JSON (unless a file upload)."""

from flask import current_app, request

from app.errors import ApiError

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def accepts_multipart(view):
    """Mark a view as taking multipart/form-data (file uploads) instead of JSON."""
    view.accepts_multipart = True
    return view


def require_json_body():
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit and (request.content_length or 0) > limit:
        # Refused from the header alone, so a view that never reads the body still answers 413.
        raise ApiError(413, f"request body too large: at most {limit // (1024 * 1024)} MB")
    if request.method not in _BODY_METHODS or not request.path.startswith("/api/v1") or request.routing_exception:
        return  # (a method the route does not take is a 405, whatever the body)
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding") == "chunked"
    if not has_body:
        return
    mimetype = request.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return
    view = current_app.view_functions.get(request.endpoint)
    if mimetype == "multipart/form-data" and getattr(view, "accepts_multipart", False):
        return
    raise ApiError(415, f"unsupported media type '{mimetype or 'none'}': send application/json")
