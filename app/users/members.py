"""A team's members: invite (with a one-time link), change roles, remove, rotate a member's token, the plan.

Every function takes the acting user and enforces `app.users.roles`; the caller commits.
"""

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.errors import ApiError
from app.extensions import db
from app.models import PLANS, ROLES, ApiToken, Team, User
from app.scoping import get_for_team, team_select
from app.tokens import issue_token, rotate_token
from app.users import roles
from app.users.passwords import issue_link
from app.users.service import check_email, find_user

MAX_MEMBERS = 200


def list_members(team_id: uuid.UUID) -> list[dict]:
    """Members, owners first, each with their live token's prefix and when it was last used."""
    users = db.session.scalars(team_select(User, team_id).order_by(User.created_at).limit(MAX_MEMBERS)).all()
    tokens = {
        user_id: (prefix, last_used)
        for user_id, prefix, last_used in db.session.execute(
            team_select(ApiToken, team_id, ApiToken.user_id, ApiToken.display_prefix, ApiToken.last_used_at)
            .where(ApiToken.revoked_at.is_(None))
        )
    }
    order = {role: index for index, role in enumerate(ROLES)}
    return [
        {"user": user, "token_prefix": tokens.get(user.id, (None, None))[0],
         "token_last_used_at": tokens.get(user.id, (None, None))[1], "has_password": user.password_hash is not None}
        for user in sorted(users, key=lambda u: order.get(u.team_role, 9))
    ]


def get_member(actor: User, user_id) -> User:
    return get_for_team(User, actor.team_id, user_id, "member")


def _member(actor: User, user_id) -> User:
    """The teammate's row, locked (its team is not joined: FOR UPDATE cannot lock an outer join's side)."""
    user = get_for_team(User, actor.team_id, user_id, "member")
    return db.session.scalar(select(User).where(User.id == user.id).options(lazyload(User.team)).with_for_update()
                             .execution_options(populate_existing=True))


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ApiError(400, f"role: must be one of {', '.join(ROLES)}")
    return role


def _owners(team_id) -> int:
    return db.session.scalar(team_select(User, team_id, func.count(User.id)).where(User.team_role == "owner"))


def invite(actor: User, email: str, full_name: str, role: str) -> tuple[User, str]:
    """A new teammate with an API token and a one-time link to set their password (returned: shown once)."""
    roles.require(actor.team_role, "manage_members", "invite teammates")
    if _check_role(role) == "owner":
        roles.require(actor.team_role, "manage_owners", "make someone an owner")
    email = check_email(email)
    if not full_name.strip():
        raise ApiError(400, "name: must not be empty")
    if find_user(email) is not None:
        raise ApiError(409, f"email: a user with email {email} already exists")
    user = User(team_id=actor.team_id, email=email, full_name=full_name.strip()[:200], team_role=role)
    db.session.add(user)
    db.session.flush()
    issue_token(user)
    return user, issue_link(user, "invite")


def new_link(actor: User, user_id) -> str:
    """A fresh one-time set-password link for a teammate (a lost invite, a forgotten password)."""
    user = _member(actor, user_id)
    if user.id != actor.id:
        roles.require(actor.team_role, "manage_members", "give a teammate a new sign-in link")
        if user.team_role == "owner":
            roles.require(actor.team_role, "manage_owners", "give an owner a new sign-in link")
    return issue_link(user, "set-password")


def change_role(actor: User, user_id, role: str) -> User:
    roles.require(actor.team_role, "manage_members", "change roles")
    user = _member(actor, user_id)
    if "owner" in (_check_role(role), user.team_role):
        roles.require(actor.team_role, "manage_owners", "make or unmake an owner")
    if user.team_role == "owner" and role != "owner" and _owners(actor.team_id) <= 1:
        raise ApiError(409, "role: a team keeps at least one owner; make someone else an owner first")
    user.team_role = role
    return user


def remove(actor: User, user_id) -> None:
    user = _member(actor, user_id)
    if user.id == actor.id:
        raise ApiError(409, "you cannot remove yourself; ask another owner or admin")
    roles.require(actor.team_role, "manage_members", "remove teammates")
    if user.team_role == "owner":
        roles.require(actor.team_role, "manage_owners", "remove an owner")
    db.session.delete(user)  # its tokens, sessions and links go with it (ON DELETE CASCADE)
    db.session.flush()


def rotate_member_token(actor: User, user_id) -> tuple[User, str]:
    """Revoke the member's API token at once and return the new one (shown once)."""
    user = _member(actor, user_id)
    if user.id != actor.id:
        roles.require(actor.team_role, "rotate_others_tokens", "rotate someone else's API token")
        if user.team_role == "owner":
            roles.require(actor.team_role, "manage_owners", "rotate an owner's API token")
    return user, rotate_token(user)


def change_plan(actor: User, plan: str) -> Team:
    roles.require(actor.team_role, "change_plan", "change the plan")
    if plan not in PLANS:
        raise ApiError(400, f"plan: must be one of {', '.join(PLANS)}")
    team = db.session.get(Team, actor.team_id, with_for_update=True)
    team.plan = plan
    return team
