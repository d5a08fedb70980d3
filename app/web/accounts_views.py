"""LinkedIn accounts: last seen, extension version, limits in force, what is left today and this week, warm-up,
the pause and its reason (pause and resume invites), working hours and time zone (editable)."""

from datetime import UTC, datetime, time

from flask import redirect, render_template, url_for

from app import clock
from app.accounts import service
from app.accounts.schemas import AccountUpdateSchema
from app.caps.policy import HARD_LIMITS
from app.web import forms
from app.web.pages import current_user, run, web_blueprint

blueprint = web_blueprint("web_accounts", url_prefix="/accounts")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@blueprint.get("")
def list_accounts():
    return render_template("web/accounts.html", user=current_user(),
                           accounts=service.list_accounts(current_user().team_id, clock.now()),
                           day_names=DAY_NAMES, hard_limits=HARD_LIMITS, now=clock.now())


def _changes(data: dict) -> dict:
    """The form as the REST API's PATCH body, validated by the same schema."""
    settings = {key: data[key] for key in ("invitesPerDay", "invitesPerWeek", "messagesPerDay") if key in data}
    hours = {key: data[key] for key in ("start", "end") if key in data}
    if data.get("days"):
        hours["days"] = data["days"]
    if hours:
        settings["workingHours"] = hours
    body = {"settings": settings}
    if "timezone" in data:
        body["timezone"] = data["timezone"]
    return forms.parse(AccountUpdateSchema(), body)


@blueprint.post("/<account_id>")
def update(account_id):
    data = forms.parse(forms.AccountSettingsForm())
    back, _ = run(lambda: service.update_account(current_user().team_id, account_id, _changes(data), clock.now()),
                  url_for(".list_accounts") + f"#account-{account_id}", "Saved: the next planning uses the new rules.")
    return back or redirect(url_for(".list_accounts") + f"#account-{account_id}")


@blueprint.post("/<account_id>/pause")
def pause(account_id):
    data = forms.parse(forms.PauseForm())
    user = current_user()
    until = datetime.combine(data["until"], time(0), UTC) if data["until"] else None
    back, _ = run(lambda: service.pause_invites(user.team_id, account_id, until, user.full_name, data["reason"],
                                                clock.now()),
                  url_for(".list_accounts") + f"#account-{account_id}",
                  "Invites paused: none is planned or handed to the extension until you resume.")
    return back or redirect(url_for(".list_accounts") + f"#account-{account_id}")


@blueprint.post("/<account_id>/resume")
def resume(account_id):
    back, _ = run(lambda: service.resume_invites(current_user().team_id, account_id, clock.now()),
                  url_for(".list_accounts") + f"#account-{account_id}", "Invites resumed.")
    return back or redirect(url_for(".list_accounts") + f"#account-{account_id}")
