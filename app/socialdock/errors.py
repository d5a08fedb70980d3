"""SocialDock's error envelope: `{"data": null, "error": {"message", "details"}, "meta": {...}}`.

`message` is the status' short name as the page shows it ("Unauthorized", "Too Many Requests") unless the refusal
names what was missing ("Account not found"); `details` says what exactly, naming the field on a 400.
"""

from http import HTTPStatus

from flask import jsonify

from app.errors import ApiError


class DockError(ApiError):
    """A refusal with SocialDock's own message and details."""

    def __init__(self, status: int, message: str, details: str, headers: dict | None = None,
                 meta: dict | None = None):
        # A string `details` marks SocialDock's own refusals (the shared code's are a dict or None).
        super().__init__(status, message, details=details, headers=headers, meta=meta)


def not_found(kind: str, public_id) -> DockError:
    shown = str(public_id)[:80]
    return DockError(404, f"{kind.capitalize()} not found", f"No {kind} with id {shown} exists in this workspace.")


def bad_request(details: str) -> DockError:
    return DockError(400, "Bad Request", details)


def conflict(details: str) -> DockError:
    return DockError(409, "Conflict", details)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def render(status: int, message: str, details, headers: dict, meta: dict | None):
    """The envelope for any refusal under the SocialDock prefix (ours, or the shared app's hooks')."""
    if isinstance(details, str):
        error = {"message": message, "details": details}
    else:
        # A refusal from shared code ("field: message"): the page's title, our sentence as details.
        error = {"message": _title(status), "details": message}
        if isinstance(details, dict) and details:
            error["fields"] = details
    response = jsonify({"data": None, "error": error, "meta": meta or {}})
    response.status_code = status
    for name, value in headers.items():
        response.headers[name] = value
    return response
