"""The planner: the next due actions of each LinkedIn account, inside its caps and working hours.

A tick (1) withdraws actions of campaigns no longer active and paced actions whose day has passed, (2)
qualifies new leads against their campaign's targeting, and (3) plans each account that may have work,
each in its own transaction under that account's lock: in production one RQ job per account
(worker/engine_jobs.py), so a large team or a slow account delays no other, and more workers plan more
accounts. Planning an account takes its team's active campaigns FOR SHARE: a campaign change (PATCH)
waits for the plan in progress, then withdraws what it planned; a plan that starts after a change sees it.
Caps are counted from the actions table (range reads on indexed columns) inside the account lock.
"""

import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_, update

from app import clock, metrics
from app.caps.policy import AccountPolicy, account_policy
from app.caps.usage import campaigns_used, planning_capacity
from app.engine.assignment import accounts_with_work, active_campaigns_of_team, campaigns_invited_from
from app.engine.locks import try_lock_row, try_transaction_lock
from app.engine.publishing import plan_posts_and_comments
from app.engine.sequence import ACTIVE_LEAD_STATUSES, schedule_next_step, targeting_verdict
from app.engine.steps import PlannedBatch, plan_invites, plan_messages, plan_withdrawals
from app.engine.withdrawals import withdraw_earlier_days, withdraw_unusable_actions
from app.extensions import db
from app.models import Campaign, Lead, LinkedInAccount
from app.suppression import LISTED_REASON, listed_pairs

log = logging.getLogger(__name__)

QUALIFY_BATCH = 5000
# Actions are planned at most this far ahead, so pausing a campaign stops it within the hour.
HORIZON = timedelta(minutes=60)
# A lead in a campaign that ended no longer holds the person for the team.
ENDED_CAMPAIGN_STATUSES = ("completed", "archived")


@dataclass
class TickReport:
    cancelled: int = 0
    queued: int = 0
    skipped: int = 0
    actions_created: int = 0
    accounts_planned: int = 0
    accounts_failed: int = 0


def prepare_tick(now: datetime, report: TickReport | None = None) -> TickReport:
    """The team-independent part of a tick, committed: withdrawals and qualification."""
    report = report or TickReport()
    report.cancelled = withdraw_unusable_actions(now)
    db.session.commit()
    qualified = qualify_new_leads(now)
    report.queued, report.skipped = qualified.queued, qualified.skipped
    db.session.commit()
    return report


def run_tick(now: datetime | None = None, rng: random.Random | None = None) -> TickReport:
    """A whole tick in this process: every account in turn (tests and the simulation use it; production fans the
    accounts out to jobs). One account's failure is logged and rolled back; the others are planned."""
    now = now or clock.now()
    rng = rng or random.Random()
    report = prepare_tick(now)
    for account_id in accounts_with_work():
        created = plan_account_safely(account_id, now, rng)
        if created is None:
            report.accounts_failed += 1
        else:
            report.accounts_planned += 1
            report.actions_created += created
    return report


def plan_account_safely(account_id, now: datetime, rng: random.Random) -> int | None:
    """Plan one account in its own transaction; None when it failed (rolled back, logged)."""
    started = time.perf_counter()
    try:
        created = plan_account(account_id, now, rng)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("planning account %s failed; the other accounts go on", account_id)
        created = None
    metrics.account_planned(time.perf_counter() - started, created)
    return created


@dataclass
class Qualified:
    queued: int = 0
    skipped: int = 0
    # Teams with leads that now have a next step (queued, or connected through an earlier campaign).
    team_ids: set = field(default_factory=set)


def qualify_new_leads(now: datetime) -> Qualified:
    """new -> queued or skipped (targeting; one campaign of the team at a time per person).

    Leads are read as plain rows and written with one UPDATE per verdict: a tick may qualify
    thousands of freshly scraped leads, and row-by-row ORM writes cost seconds there.
    """
    if not try_transaction_lock("planner:qualify"):
        return Qualified()
    rows = db.session.execute(
        select(Lead.id, Lead.team_id, Lead.campaign_id, Lead.profile_url, Lead.title, Campaign.targeting)
        .join(Campaign, Campaign.id == Lead.campaign_id)
        .where(Lead.status == "new", Campaign.status == "active")
        .order_by(Lead.created_at, Lead.id)
        .limit(QUALIFY_BATCH)
    ).all()
    if not rows:
        return Qualified()
    people = sorted({(row.team_id, row.profile_url) for row in rows})
    busy, history = _profiles_in_progress(people), _earlier_contacts(people)
    listed = listed_pairs(people)
    by_verdict: dict[str | None, list] = defaultdict(list)
    already_connected, team_ids = [], set()
    for row in rows:
        reason = LISTED_REASON if (row.team_id, row.profile_url) in listed else None
        reason = reason or targeting_verdict(row.targeting, row.title)
        owner = busy.get((row.team_id, row.profile_url))
        if reason is None and owner is not None and owner != row.campaign_id:
            reason = f"already being contacted by campaign {owner}"
        earlier = history.get((row.team_id, row.profile_url))
        if reason is None and earlier is not None and earlier.connected_at is None:
            reason = f"invited before by campaign {earlier.campaign_id} and never accepted: a person is invited once"
        if reason is None:
            busy[(row.team_id, row.profile_url)] = row.campaign_id
            team_ids.add(row.team_id)
            if earlier is not None:  # connected through an earlier campaign: this one goes on to its messages
                already_connected.append((row.id, earlier))
                continue
        by_verdict[reason].append(row.id)
    for lead_id, earlier in already_connected:
        lead = db.session.get(Lead, lead_id)
        lead.status, lead.status_reason, lead.updated_at = "connected", "connected through an earlier campaign", now
        lead.invited_at, lead.connected_at = earlier.invited_at, earlier.connected_at
        lead.account_id = earlier.account_id
        schedule_next_step(lead, db.session.get(Campaign, lead.campaign_id), now)
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
    return Qualified(len(rows) - skipped, skipped, team_ids)


def _earlier_contacts(people: list) -> dict:
    """(team, profile) -> the team's latest lead for that person that was invited (in any campaign, ended ones
    too): a person is never invited twice, and one already connected goes straight on to the messages.
    Read by (team, profile) pairs: one index probe each on (team_id, profile_url), where IN lists of teams
    and of profiles probed every combination of the two."""
    found = {}
    for start in range(0, len(people), 1000):
        for row in db.session.execute(
            select(Lead.team_id, Lead.profile_url, Lead.campaign_id, Lead.invited_at, Lead.connected_at,
                   Lead.account_id)
            .where(tuple_(Lead.team_id, Lead.profile_url).in_(people[start : start + 1000]),
                   Lead.invited_at.is_not(None))
            .order_by(Lead.connected_at.is_(None), Lead.invited_at)
        ):
            found.setdefault((row.team_id, row.profile_url), row)
    return found


def _profiles_in_progress(people: list) -> dict:
    """(team, profile) -> the campaign contacting that person now. Leads of completed or archived campaigns are
    over: they do not hold the person."""
    found = {}
    for start in range(0, len(people), 1000):
        for team_id, url, campaign_id in db.session.execute(
            select(Lead.team_id, Lead.profile_url, Lead.campaign_id)
            .join(Campaign, Campaign.id == Lead.campaign_id)
            .where(tuple_(Lead.team_id, Lead.profile_url).in_(people[start : start + 1000]),
                   Lead.status.in_(ACTIVE_LEAD_STATUSES), Campaign.status.not_in(ENDED_CAMPAIGN_STATUSES))
        ):
            found[(team_id, url)] = campaign_id
    return found


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
    """Plan one account (the caller commits): withdrawals of stale invites, messages and invites within its caps,
    the posts that name it and, for the team's default account, the other posts and the comments."""
    account = try_lock_row(LinkedInAccount, account_id, f"planner:account:{account_id}")
    if account is None:  # another plan of this account is under way (or the account is gone)
        return 0
    policy = account_policy(account, now)
    campaigns = active_campaigns_of_team(account.team_id, lock=True)
    withdraw_earlier_days(account.id, policy.day_window(now)[0], now)
    created = 0
    if campaigns:
        inviting = campaigns_invited_from(account, campaigns)
        # The timeline spaces today's actions after the latest one planned today, read with the caps' usage.
        capacity, last_due = planning_capacity(account, policy, now)
        timeline = Timeline(policy, last_due, now, rng)
        used = campaigns_used([campaign.id for campaign in campaigns], policy, now)
        batch = PlannedBatch(account.id, now)
        plan_withdrawals(batch, account, campaigns, inviting, policy, now)
        plan_messages(batch, account, campaigns, inviting, policy, timeline, capacity["messages"], used, now)
        plan_invites(batch, inviting, policy, timeline, capacity["invites"], used, now)
        created += batch.write()
    created += plan_posts_and_comments(account, now)
    return created
