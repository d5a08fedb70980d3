"""Sign in, sign out, and set a password through a one-time link."""

import hashlib
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for

from app.errors import ApiError
from app.extensions import db
from app.ratelimit import attempt
from app.users.passwords import PASSWORD_MIN, authenticate, link_user, use_link
from app.web import forms
from app.web.pages import error_page, web_blueprint
from app.web.session import sign_in as start_session
from app.web.session import sign_out as end_session
from app.web.session import signed_in_user

blueprint = web_blueprint("web_auth", public=True)

FAILED = "That email and password do not match an account. Check both and try again."
THROTTLED = "Too many sign-in attempts. Wait a few minutes, then try again."


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an open redirect to another one."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("web_campaigns.list_campaigns")
    parts = urlsplit(target)
    return parts.path + ("?" + parts.query if parts.query else "")


def _allowed(email: str) -> bool:
    config = current_app.config
    window = config.get("SIGNIN_WINDOW_SECONDS", 300)
    by_address = attempt(f"signin:ip:{request.remote_addr or 'unknown'}",
                         config.get("SIGNIN_ATTEMPTS_PER_ADDRESS", 30), window)
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    by_account = attempt(f"signin:account:{account}", config.get("SIGNIN_ATTEMPTS_PER_ACCOUNT", 10), window)
    return by_address and by_account


@blueprint.route("/login", methods=["GET", "POST"])
def sign_in():
    if request.method == "GET":
        if signed_in_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("web/login.html", next=request.args.get("next", ""), email="")
    try:
        data = forms.parse(forms.SignInForm())
    except ApiError:
        data = {"email": request.form.get("email", "")[:320], "password": ""}
    email = data["email"]
    if not _allowed(email):
        return render_template("web/login.html", error=THROTTLED, email=email, next=request.form.get("next", "")), 429
    user = authenticate(email, data["password"]) if data["password"] else None
    if user is None:
        return render_template("web/login.html", error=FAILED, email=email, next=request.form.get("next", "")), 401
    start_session(user)
    return redirect(_safe_next(request.form.get("next")))


@blueprint.post("/logout")
def sign_out():
    end_session()
    flash("You are signed out.", "ok")
    return redirect(url_for("web_auth.sign_in"))


@blueprint.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        _, user = link_user(token)
    except ApiError as error:
        return error_page(404, error.message)
    if request.method == "GET":
        return render_template("web/set_password.html", person=user, minimum=PASSWORD_MIN)
    try:
        data = forms.parse(forms.SetPasswordForm())
        if data["password"] != data["confirm"]:
            raise ApiError(400, "confirm: the two passwords differ; type the same password twice")
        user = use_link(token, data["password"])
        db.session.commit()
    except ApiError as error:
        db.session.rollback()
        return render_template("web/set_password.html", person=user, minimum=PASSWORD_MIN, error=error.message), 400
    start_session(user)
    flash("Your password is set; you are signed in.", "ok")
    return redirect(url_for("web_settings.settings"))
