"""Taking back what was planned under rules that changed: a campaign paused, edited or moved, an account's limits
or time zone changed, a day that passed. Actions the extension has not started (pending or leased) are
cancelled, so a start or a result on one answers 409; their leads are planned again from now under the new
rules, and a post waiting on one is `scheduled` again.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.actions.service import cancel_actions
from app.caps.policy import PACED_ACTION_TYPES
from app.extensions import db
from app.models import Action, Campaign, Lead, Post

# A paced action still pending this long after its due time belongs to a past working day on any time zone.
STALE_AFTER = timedelta(hours=20)
# Leads whose next step was the cancelled action, by the action's type.
WAITING_ON = {"invite": ("queued",), "message": ("connected", "messaged"), "withdraw": ("invited",)}


def withdraw(condition, reason: str, now: datetime) -> int:
    cancelled = cancel_actions(condition, reason, now)
    for action_type, statuses in WAITING_ON.items():
        lead_ids = [row.lead_id for row in cancelled if row.type == action_type and row.lead_id is not None]
        for start in range(0, len(lead_ids), 1000):
            db.session.execute(
                update(Lead).where(Lead.id.in_(lead_ids[start:start + 1000]), Lead.status.in_(statuses))
                .values(next_step_at=now, updated_at=now).execution_options(synchronize_session=False))
    post_ids = [row.post_id for row in cancelled if row.post_id is not None]
    if post_ids:
        db.session.execute(update(Post).where(Post.id.in_(post_ids), Post.status == "publishing")
                           .values(status="scheduled", updated_at=now).execution_options(synchronize_session=False))
    return len(cancelled)


def withdraw_campaign_actions(campaign_id, now: datetime, reason: str = "the campaign changed") -> int:
    return withdraw(Action.campaign_id == campaign_id, reason, now)


def withdraw_account_actions(account_id, now: datetime, reason: str = "the account's limits or hours changed") -> int:
    return withdraw((Action.account_id == account_id) & Action.type.in_(PACED_ACTION_TYPES), reason, now)


def withdraw_earlier_days(account_id, day_start: datetime, now: datetime) -> int:
    """Paced actions planned for an earlier day and never started: planned again within today's caps."""
    return withdraw((Action.account_id == account_id) & Action.type.in_(PACED_ACTION_TYPES)
                    & (Action.due_at < day_start), "its day passed before it was done", now)


def withdraw_unusable_actions(now: datetime) -> int:
    """Actions of campaigns no longer active (or deleted), and paced actions whose day has passed on any account."""
    inactive = Action.campaign_id.in_(select(Campaign.id).where(Campaign.status != "active"))
    stale = Action.type.in_(PACED_ACTION_TYPES) & (Action.due_at < now - STALE_AFTER)
    orphaned = Action.type.in_(PACED_ACTION_TYPES) & Action.lead_id.is_(None)
    return withdraw(inactive | stale | orphaned, "its campaign stopped or its day passed", now)
