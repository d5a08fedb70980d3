"""The plan and what it allows, and what the team used this calendar month (UTC): the Settings & billing page.

No payment provider is connected: the plan is a setting an owner changes. Plans do not yet differ in what is
enforced; `PLAN_LIMITS` shows the limits that apply, read from where they are enforced.
"""

import uuid
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func

from app.caps.policy import DEFAULT_LIMITS, HARD_LIMITS
from app.extensions import db
from app.models import Action, ArchivedAction, Post
from app.ratelimit import monthly_requests
from app.scoping import team_select
from app.webhooks.service import MAX_ENDPOINTS_PER_TEAM

PLAN_NAMES = {"free": "Free", "pro": "Pro", "team": "Team"}


def plan_limits() -> list[tuple[str, str]]:
    """What a plan allows today, as (what, how much), from the settings and constants that enforce it."""
    return [
        ("API requests", f"{current_app.config['RATELIMIT_PER_MINUTE']} a minute per token"),
        ("Webhook endpoints", str(MAX_ENDPOINTS_PER_TEAM)),
        ("Invites a day per LinkedIn account", f"{DEFAULT_LIMITS['invitesPerDay']} by default, at most "
                                               f"{HARD_LIMITS['invitesPerDay']}"),
        ("Invites a week per LinkedIn account", f"{DEFAULT_LIMITS['invitesPerWeek']} by default, at most "
                                                f"{HARD_LIMITS['invitesPerWeek']}"),
        ("Messages a day per LinkedIn account", f"{DEFAULT_LIMITS['messagesPerDay']} by default, at most "
                                                f"{HARD_LIMITS['messagesPerDay']}"),
    ]


def month_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def _done(team_id, action_type: str, start: datetime) -> int:
    # Finished actions move to the archive after a week: count both tables (each an indexed range read).
    total = 0
    for model in (Action, ArchivedAction):
        total += db.session.scalar(
            team_select(model, team_id, func.count()).where(
                model.type == action_type, model.status == "done", model.completed_at >= start)
        ) or 0
    return total


def month_usage(team_id: uuid.UUID, now: datetime) -> dict:
    start = month_start(now)
    return {
        "since": start,
        "api_requests": monthly_requests(team_id, now),
        "invites": _done(team_id, "invite", start),
        "messages": _done(team_id, "message", start),
        "posts": db.session.scalar(team_select(Post, team_id, func.count(Post.id))
                                   .where(Post.published_at >= start)) or 0,
    }
