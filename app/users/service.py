"""Creating users and their teams (used by the CLI; the API has no sign-up)."""

import re

from sqlalchemy import func, select

from app.errors import ApiError
from app.extensions import db
from app.models import PLANS, ROLES, Team, User
from app.tokens import issue_token, rotate_token

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise ApiError(400, f"email: '{email[:100]}' is not an email address")
    return email


def create_user(email: str, full_name: str, team_name: str | None = None, role: str | None = None,
                plan: str | None = None) -> tuple[User, str]:
    """Create a user, and its team unless `team_name` names an existing one; return (user, token).

    Joining an existing team makes a member by default; a new team's first user is its owner.
    """
    email = check_email(email)
    if not full_name.strip():
        raise ApiError(400, "name: must not be empty")
    if role is not None and role not in ROLES:
        raise ApiError(400, f"role: must be one of {', '.join(ROLES)}")
    if plan is not None and plan not in PLANS:
        raise ApiError(400, f"plan: must be one of {', '.join(PLANS)}")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ApiError(409, f"email: a user with email {email} already exists")
    if team_name:
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        if team is None:
            raise ApiError(404, f"team: no team named '{team_name}'")
        role = role or "member"
    else:
        team = Team(name=f"{full_name.strip()}'s team ({email})", plan=plan or "free")
        db.session.add(team)
        db.session.flush()
        role = role or "owner"
    user = User(team_id=team.id, email=email, full_name=full_name.strip(), team_role=role)
    db.session.add(user)
    db.session.flush()
    token = issue_token(user)
    db.session.commit()
    return user, token


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def rotate_user_token(email: str) -> str:
    user = find_user(email)
    if user is None:
        raise ApiError(404, f"email: no user with email {email}")
    token = rotate_token(user)
    db.session.commit()
    return token
