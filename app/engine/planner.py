"""The planner: each tick creates the next due actions, inside the limits and the working hours.

A tick (1) withdraws pending actions of campaigns that are no longer active or whose
day has passed, (2) qualifies new leads against their campaign's targeting, and
(3) plans each LinkedIn account under a lock on that account: withdrawals of stale
invites, messages, invites, posts and comments. Caps are counted from the actions
table inside that lock, so no mix of workers or ticks can create more than a cap.
Its cost follows the due leads (index on status and next_step_at), not all leads.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app import clock
from app.engine.counts import COUNTED_ACTION_STATUSES, remaining_capacity
from app.engine.locks import lock_row, try_transaction_lock
from app.engine.policy import PACED_ACTION_TYPES, AccountPolicy, account_policy
from app.engine.publishing import plan_posts_and_comments
from app.engine.sequence import ACTIVE_LEAD_STATUSES, targeting_verdict
from app.extensions import db
from app.models import Action, Campaign, Lead, LinkedInAccount

QUALIFY_BATCH = 5000
# Actions are planned at most this far ahead, so pausing a campaign stops it within the hour.
HORIZON = timedelta(minutes=60)
# A paced action still pending this long after its due time belongs to a past working day on any time zone.
STALE_AFTER = timedelta(hours=20)


@dataclass
class TickReport:
    cancelled: int = 0
    queued: int = 0
    skipped: int = 0
    actions_created: int = 0


def run_tick(now: datetime | None = None, rng: random.Random | None = None) -> TickReport:
    now = now or clock.now()
    rng = rng or random.Random()
    report = TickReport()
    report.cancelled = withdraw_unusable_actions(now)
    db.session.commit()
    report.queued, report.skipped = qualify_new_leads(now)
    db.session.commit()
    for account_id in accounts_with_active_work():
        report.actions_created += plan_account(account_id, now, rng)
        db.session.commit()
    return report


def withdraw_unusable_actions(now: datetime) -> int:
    """Cancel pending actions of campaigns no longer active, and paced actions whose day has passed on any
    account (an account that stopped working a campaign is not planned for, but its leads must be)."""
    inactive = Action.campaign_id.in_(select(Campaign.id).where(Campaign.status != "active"))
    stale = Action.type.in_(PACED_ACTION_TYPES) & (Action.due_at < now - STALE_AFTER)
    return _cancel_pending(inactive | stale, now)


def withdraw_campaign_actions(campaign_id, now: datetime) -> int:
    """A campaign stopped being active: its pending actions are withdrawn at once (not at the next tick)."""
    return _cancel_pending(Action.campaign_id == campaign_id, now)


def withdraw_account_actions(account_id, now: datetime) -> int:
    """An account's limits, working hours or time zone changed: its pending paced actions are withdrawn, so
    the next tick plans them again under the new rules."""
    return _cancel_pending((Action.account_id == account_id) & Action.type.in_(PACED_ACTION_TYPES), now)


def _cancel_pending(condition, now: datetime) -> int:
    """Cancel matching pending actions; their leads get a next step of `now`, so planning resumes from there."""
    condition = (Action.status == "pending") & condition
    lead_ids = db.session.scalars(select(Action.lead_id).where(condition, Action.lead_id.is_not(None))).all()
    withdrawn_invites = db.session.scalars(
        select(Action.lead_id).where(condition, Action.type == "withdraw", Action.lead_id.is_not(None))).all()
    result = db.session.execute(
        update(Action).where(condition).values(status="cancelled", error="withdrawn by the planner", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if lead_ids:
        db.session.execute(
            update(Lead)
            .where(Lead.id.in_(lead_ids), Lead.status.in_(("queued", "connected", "messaged")))
            .values(next_step_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    if withdrawn_invites:  # the invite is still out: the lead is invited again, and its withdrawal replanned
        db.session.execute(
            update(Lead)
            .where(Lead.id.in_(withdrawn_invites), Lead.status == "skipped")
            .values(status="invited", status_reason=None, next_step_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount or 0


def qualify_new_leads(now: datetime) -> tuple[int, int]:
    """new -> queued or skipped (targeting; one campaign of the team at a time per person).

    Leads are read as plain rows and written with one UPDATE per verdict: a tick may qualify
    thousands of freshly scraped leads, and row-by-row ORM writes cost seconds there.
    """
    if not try_transaction_lock("planner:qualify"):
        return 0, 0
    rows = db.session.execute(
        select(Lead.id, Lead.team_id, Lead.campaign_id, Lead.profile_url, Lead.title, Campaign.targeting)
        .join(Campaign, Campaign.id == Lead.campaign_id)
        .where(Lead.status == "new", Campaign.status == "active")
        .order_by(Lead.created_at, Lead.id)
        .limit(QUALIFY_BATCH)
    ).all()
    if not rows:
        return 0, 0
    busy = _profiles_in_progress({row.team_id for row in rows}, {row.profile_url for row in rows})
    by_verdict: dict[str | None, list] = defaultdict(list)
    for row in rows:
        reason = targeting_verdict(row.targeting, row.title)
        owner = busy.get((row.team_id, row.profile_url))
        if reason is None and owner is not None and owner != row.campaign_id:
            reason = f"already being contacted by campaign {owner}"
        if reason is None:
            busy[(row.team_id, row.profile_url)] = row.campaign_id
        by_verdict[reason].append(row.id)
    for reason, lead_ids in by_verdict.items():
        if reason is None:
            values = {"status": "queued", "next_step_at": now}
        else:
            values = {"status": "skipped", "status_reason": reason, "next_step_at": None}
        for start in range(0, len(lead_ids), 1000):
            db.session.execute(
                update(Lead)
                .where(Lead.id.in_(lead_ids[start : start + 1000]), Lead.status == "new")  # unless changed meanwhile
                .values(**values, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    skipped = sum(len(ids) for reason, ids in by_verdict.items() if reason is not None)
    return len(rows) - skipped, skipped


def _profiles_in_progress(team_ids: set, profile_urls: set) -> dict:
    found = {}
    urls = list(profile_urls)
    for start in range(0, len(urls), 1000):
        chunk = urls[start : start + 1000]
        for team_id, url, campaign_id in db.session.execute(
            select(Lead.team_id, Lead.profile_url, Lead.campaign_id).where(
                Lead.team_id.in_(team_ids), Lead.profile_url.in_(chunk), Lead.status.in_(ACTIVE_LEAD_STATUSES)
            )
        ):
            found[(team_id, url)] = campaign_id
    return found


def accounts_with_active_work() -> list:
    """Accounts that have an active campaign, plus each team's default account (posts, comments)."""
    from app.engine.assignment import campaign_account_ids, default_account_ids

    return sorted(set(campaign_account_ids().values()) | set(default_account_ids().values()), key=str)


class Timeline:
    """Successive due times for one account: random gaps, working hours, today only, within the horizon."""

    def __init__(self, policy: AccountPolicy, last_due: datetime | None, now: datetime, rng: random.Random):
        self.policy, self.now, self.rng = policy, now, rng
        self.last = last_due
        self.day_end = policy.day_window(now)[1]

    def next_slot(self) -> datetime | None:
        candidate = self.now if self.last is None else max(self.now, self.last + self.policy.random_gap(self.rng))
        candidate = self.policy.next_working_time(candidate)
        if candidate >= self.day_end or candidate > self.now + HORIZON:
            return None
        self.last = candidate
        return candidate


def plan_account(account_id, now: datetime, rng: random.Random) -> int:
    from app.engine.assignment import campaigns_of_account
    from app.engine.steps import plan_invites, plan_messages, plan_withdrawals

    if not try_transaction_lock(f"planner:account:{account_id}"):
        return 0
    account = lock_row(LinkedInAccount, account_id)
    if account is None:
        return 0
    policy = account_policy(account, now)
    campaigns = campaigns_of_account(account)
    # Paced actions planned for an earlier day and never leased are planned again within today's caps.
    _cancel_pending((Action.account_id == account.id) & Action.type.in_(PACED_ACTION_TYPES)
                    & (Action.due_at < policy.day_window(now)[0]), now)
    last_due = db.session.scalar(
        select(func.max(Action.due_at)).where(
            Action.account_id == account.id,
            Action.type.in_(PACED_ACTION_TYPES),
            Action.status.in_(COUNTED_ACTION_STATUSES),
        )
    )
    timeline = Timeline(policy, last_due, now, rng)
    created = 0
    if campaigns:
        capacity = remaining_capacity(account, policy, now)
        created += plan_withdrawals(account, campaigns, policy, now)
        created += plan_messages(account, campaigns, policy, timeline, capacity["messages"], now)
        created += plan_invites(account, campaigns, policy, timeline, capacity["invites"], now)
    created += plan_posts_and_comments(account, now)
    return created
