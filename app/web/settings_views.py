"""Settings & billing: your API token (shown once on rotate), the plan and this month's usage, members and roles."""

from flask import flash, redirect, render_template, url_for

from app import clock
from app.models import PLANS
from app.users import members, roles
from app.users.usage import PLAN_NAMES, month_usage, plan_limits
from app.web import forms
from app.web.pages import current_user, run, web_blueprint

blueprint = web_blueprint("web_settings", url_prefix="/settings")


def _page(**shown):
    user = current_user()
    return render_template(
        "web/settings.html", user=user, team=user.team, members=members.list_members(user.team_id),
        usage=month_usage(user.team_id, clock.now()), limits=plan_limits(), plans=PLANS, plan_names=PLAN_NAMES,
        may=lambda permission: roles.may(user.team_role, permission), **shown)


@blueprint.get("")
def settings():
    return _page()


def _link(token: str) -> str:
    return url_for("web_auth.set_password", token=token, _external=True)


@blueprint.post("/members/<member_id>/token")
def rotate_token(member_id):
    """Rotate a member's (usually your own) API token: the old one stops working now; the new one is shown once."""
    back, result = run(lambda: members.rotate_member_token(current_user(), member_id), url_for(".settings"))
    if back:
        return back
    member, token = result
    return _page(new_token=token, token_owner=member)


@blueprint.post("/plan")
def change_plan():
    data = forms.parse(forms.PlanForm())
    back, _ = run(lambda: members.change_plan(current_user(), data["plan"]), url_for(".settings"),
                  f"The plan is now {PLAN_NAMES[data['plan']]}.")
    return back or redirect(url_for(".settings"))


@blueprint.post("/members")
def invite():
    data = forms.parse(forms.InviteForm())
    back, result = run(lambda: members.invite(current_user(), data["email"], data["name"], data["role"]),
                       url_for(".settings") + "#members")
    if back:
        return back
    member, token = result
    return _page(invite_link=_link(token), invited=member)


@blueprint.post("/members/<member_id>/link")
def new_link(member_id):
    back, token = run(lambda: members.new_link(current_user(), member_id), url_for(".settings") + "#members")
    return back or _page(invite_link=_link(token), invited=members.get_member(current_user(), member_id))


@blueprint.post("/members/<member_id>/role")
def change_role(member_id):
    data = forms.parse(forms.RoleForm())
    back, member = run(lambda: members.change_role(current_user(), member_id, data["role"]),
                       url_for(".settings") + "#members")
    if not back:
        flash(f"{member.full_name} is now {member.team_role}.", "ok")
    return back or redirect(url_for(".settings") + "#members")


@blueprint.post("/members/<member_id>/remove")
def remove(member_id):
    back, _ = run(lambda: members.remove(current_user(), member_id), url_for(".settings") + "#members",
                  "The teammate was removed; their token and sessions stopped working.")
    return back or redirect(url_for(".settings") + "#members")
