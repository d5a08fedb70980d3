"""What every web blueprint shares: sign-in required, CSRF on every form, and errors shown as pages.

A refusal from a service (`ApiError`) on a form post comes back to the page it came from as a message that
says what to do next (`run`); anything else (another team's id, a member trying an owner's action) is an
HTML error page with the right status, never the API's JSON and never data of someone else.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from app.errors import ApiError
from app.extensions import db
from app.web.session import signed_in_user

csrf = CSRFProtect()
_FORM_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def web_blueprint(name: str, url_prefix: str | None = None, public: bool = False) -> Blueprint:
    blueprint = Blueprint(name, __name__, url_prefix=url_prefix, template_folder="templates")

    @blueprint.before_request
    def _guard():
        if request.method in _FORM_METHODS:
            csrf.protect()
        if not public and signed_in_user() is None:
            return redirect(url_for("web_auth.sign_in", next=request.full_path if request.method == "GET" else None))
        return None

    blueprint.after_request(_page_headers)
    blueprint.register_error_handler(ApiError, _api_error)
    blueprint.register_error_handler(CSRFError, _csrf_error)
    blueprint.register_error_handler(HTTPException, _http_error)
    return blueprint


# Pages show secrets once (a new token, a webhook secret, a sign-in link): never cached, never framed, and the
# one-time link in the address is never sent on as a Referer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


def _page_headers(response):
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def error_page(status: int, message: str):
    db.session.rollback()
    return render_template("web/error.html", status=status, message=message, user=signed_in_user()), status


def _api_error(error: ApiError):
    return error_page(error.status, error.message)


def _csrf_error(error: CSRFError):
    return error_page(400, "This form expired or did not come from this site (its security token is missing or "
                           "old). Go back, reload the page and send it again.")


def _http_error(error: HTTPException):
    messages = {404: "Nothing here: the page does not exist, or it belongs to another team.",
                405: "This page does not take that kind of request."}
    return error_page(error.code or 500, messages.get(error.code, error.description or "Something went wrong."))


def run(action, back: str, success: str | None = None):
    """Run a form's service call and commit; on a refusal roll back and go `back` with its message."""
    try:
        result = action()
        db.session.commit()
    except ApiError as error:
        db.session.rollback()
        if error.status in (403, 404):  # not this person's to do, or not this team's: an error page
            raise
        flash(error.message, "error")
        return redirect(back), None
    if success:
        flash(success, "ok")
    return None, result


def current_user():
    return signed_in_user()
