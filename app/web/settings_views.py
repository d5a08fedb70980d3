"""Settings & billing: your API token (shown once on rotate), the plan and this month's usage, members and roles,
and the workspace's SocialDock keys (a new one shown once) and SocialDock plan."""

from flask import current_app, flash, redirect, render_template, request, url_for

from app import clock
from app.models import DOCK_PLANS, PLANS
from app.socialdock import manage as dock
from app.socialdock.keys import PLAN_LIMITS as DOCK_PLAN_LIMITS
from app.users import members, roles
from app.users.usage import PLAN_NAMES, month_usage, plan_limits
from app.web import forms
from app.web.pages import current_user, run, web_blueprint

blueprint = web_blueprint("web_settings", url_prefix="/settings")


def _page(**shown):
    user = current_user()
    dock_plan, dock_limit = dock.plan_of(user.team_id)
    return render_template(
        "web/settings.html", user=user, team=user.team, members=members.list_members(user.team_id),
        usage=month_usage(user.team_id, clock.now()), limits=plan_limits(), plans=PLANS, plan_names=PLAN_NAMES,
        may=lambda permission: roles.may(user.team_role, permission),
        dock_keys=dock.list_keys(user.team_id), dock_plan=dock_plan, dock_limit=dock_limit, dock_plans=DOCK_PLANS,
        dock_limits=DOCK_PLAN_LIMITS, dock_base_url=_dock_base_url(), **shown)


def _dock_base_url() -> str:
    return request.host_url.rstrip("/") + current_app.config["SOCIALDOCK_PREFIX"]


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


_DOCK = "#socialdock"


@blueprint.post("/socialdock/keys")
def create_dock_key():
    """A new SocialDock key of the workspace: shown on this answer only, never again."""
    data = forms.parse(forms.DockKeyForm())
    back, result = run(lambda: dock.create_key(current_user(), data["mode"]), url_for(".settings") + _DOCK)
    if back:
        return back
    row, key = result
    return _page(new_dock_key=key, new_dock_key_row=row)


@blueprint.post("/socialdock/keys/<key_id>/renew")
def renew_dock_key(key_id):
    back, row = run(lambda: dock.renew_key(current_user(), key_id), url_for(".settings") + _DOCK)
    if not back:
        flash(f"Key {row.display_prefix}… renewed: valid until {row.expires_at:%Y-%m-%d %H:%M} UTC.", "ok")
    return back or redirect(url_for(".settings") + _DOCK)


@blueprint.post("/socialdock/keys/<key_id>/revoke")
def revoke_dock_key(key_id):
    back, row = run(lambda: dock.revoke_key(current_user(), key_id), url_for(".settings") + _DOCK)
    if not back:
        flash(f"Key {row.display_prefix}… revoked: it stopped working.", "ok")
    return back or redirect(url_for(".settings") + _DOCK)


@blueprint.post("/socialdock/plan")
def change_dock_plan():
    data = forms.parse(forms.DockPlanForm())
    back, _ = run(lambda: dock.change_plan(current_user(), data["plan"]), url_for(".settings") + _DOCK,
                  f"The SocialDock plan is now {data['plan'].upper()}.")
    return back or redirect(url_for(".settings") + _DOCK)
