"""The life of an action: created by the engine, leased to a poller, started, reported, or expired.

    pending --lease--> leased --start--> started --result--> done | failed | skipped
       ^                  |                  |
       +--lease expired---+                  +--lease expired--> unknown --verify result--> done | failed
       (3rd expiry: failed)                                         (not_sent: pending again)

Leasing is one UPDATE whose subquery locks its rows with FOR UPDATE SKIP LOCKED on
PostgreSQL (SQLite serialises writers, and ignores the clause), and stamps a fresh
lease token; the rows are read back by that token. Start and result must carry the
token of the current lease, so a poller whose lease was given to another gets 409.
None of these functions commits: the caller commits the change with its events.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update

from app.accounts.limits import invites_paused
from app.engine.policy import PACED_ACTION_TYPES, account_policy
from app.errors import ApiError, conflict
from app.extensions import db
from app.models import ACTION_TYPES, Action, Lead, LinkedInAccount
from app.scoping import get_for_team

DEFAULT_LEASE = timedelta(minutes=10)
MAX_LEASES = 3
MAX_LEASE_BATCH = 50
OPEN_STATUSES = ("pending", "leased", "started", "unknown")
FINAL_OUTCOMES = ("done", "failed", "skipped")
VERIFY_OUTCOMES = FINAL_OUTCOMES + ("not_sent",)


@dataclass
class ReportAnswer:
    action: Action
    replayed: bool = False


def create_action(team_id: uuid.UUID, account_id: uuid.UUID, type: str, *, lead=None, post=None, comment=None,
                  campaign_id=None, text: str | None = None, due_at: datetime) -> Action:
    """The engine's entry point: one action for one account, due at `due_at` (flushed, not committed)."""
    if type not in ACTION_TYPES:
        raise ValueError(f"unknown action type {type!r}")
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    action = Action(
        team_id=team_id, account_id=account_id, type=type, campaign_id=campaign_id,
        lead_id=lead.id if lead is not None else None, post_id=post.id if post is not None else None,
        comment_id=comment.id if comment is not None else None, text=text, status="pending", due_at=due_at,
        lease_count=0, details={},
    )
    db.session.add(action)
    db.session.flush()
    return action


def lease_actions(team_id: uuid.UUID, account: LinkedInAccount, limit: int, now: datetime,
                  lease: timedelta = DEFAULT_LEASE) -> list[Action]:
    """Atomically lease up to `limit` due actions of the account: verify steps first, then the oldest due."""
    expire_leases(now, account_id=account.id)
    token = secrets.token_urlsafe(24)
    due = and_(Action.status == "pending", Action.due_at <= now)
    if invites_paused(account, now):
        due = and_(due, Action.type != "invite")
    policy = account_policy(account, now)
    if not policy.is_working_time(now):
        # An extension back online after hours does not catch up on invites and messages; posts keep their time.
        due = and_(due, Action.type.not_in(PACED_ACTION_TYPES))
    else:
        # Caps count actions by their due day: one planned for an earlier day is never done today.
        due = and_(due, or_(Action.type.not_in(PACED_ACTION_TYPES), Action.due_at >= policy.day_window(now)[0]))
    # An unknown action is offered again (as a verify step) once its previous verify lease has ended.
    verify = and_(Action.status == "unknown", or_(Action.lease_expires_at.is_(None), Action.lease_expires_at <= now))
    chosen = (
        select(Action.id)
        .where(Action.team_id == team_id, Action.account_id == account.id, or_(due, verify))
        .order_by(case((Action.status == "unknown", 0), else_=1), Action.due_at, Action.id)
        .limit(max(1, min(limit, MAX_LEASE_BATCH)))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    is_pending = Action.status == "pending"
    db.session.execute(
        update(Action)
        .where(Action.id.in_(chosen))
        .values(
            status=case((is_pending, "leased"), else_=Action.status),
            lease_count=case((is_pending, Action.lease_count + 1), else_=Action.lease_count),
            lease_token=token, lease_expires_at=now + lease, updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return db.session.scalars(
        select(Action).where(Action.lease_token == token).order_by(Action.due_at, Action.id)
        .execution_options(populate_existing=True)
    ).all()


def expire_leases(now: datetime, account_id: uuid.UUID | None = None) -> int:
    """Ended leases: never started -> offered again (failed after the 3rd), started -> unknown (verify first)."""
    from app.actions.effects import apply_failure

    scope = [Action.lease_expires_at <= now]
    if account_id is not None:
        scope.append(Action.account_id == account_id)
    changed = db.session.execute(
        update(Action).where(Action.status == "started", *scope)
        .values(status="unknown", updated_at=now).execution_options(synchronize_session=False)
    ).rowcount or 0
    changed += db.session.execute(
        update(Action).where(Action.status == "leased", Action.lease_count < MAX_LEASES, *scope)
        .values(status="pending", updated_at=now).execution_options(synchronize_session=False)
    ).rowcount or 0
    exhausted = db.session.scalars(
        select(Action).where(Action.status == "leased", Action.lease_count >= MAX_LEASES, *scope)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ).all()
    for action in exhausted:
        action.status, action.completed_at, action.updated_at = "failed", now, now
        action.error = f"not reported after {MAX_LEASES} leases"
        apply_failure(action, now)
    return changed + len(exhausted)


def _leased_action(team_id, action_id) -> Action:
    return get_for_team(Action, team_id, action_id, what="action", for_update=True)


def _check_token(action: Action, lease_token: str) -> None:
    if not secrets.compare_digest(action.lease_token or "", lease_token or ""):
        raise conflict("leaseToken: this action has been leased to another poller since; drop it")


def start_action(team_id, action_id, lease_token: str, now: datetime) -> Action:
    """The extension is about to act: from here on an ended lease means 'unknown', never 'send again'."""
    action = _leased_action(team_id, action_id)
    _check_token(action, lease_token)
    if action.status == "started":
        return action
    if action.status == "cancelled":
        raise conflict(f"action {action.id} was cancelled ({action.error}); do not perform it")
    if action.status in FINAL_OUTCOMES:
        raise conflict(f"action {action.id} is already {action.status}; do not perform it")
    if action.status == "unknown":
        raise conflict(f"action {action.id} is a verify step: check LinkedIn and report, do not perform it")
    if action.status == "pending":
        # The lease ended but nobody else took it: this poller may still go ahead.
        action.lease_count += 1
    action.status, action.started_at, action.updated_at = "started", now, now
    action.lease_expires_at = max(action.lease_expires_at or now, now + DEFAULT_LEASE)
    return action


def report_result(team_id, action_id, lease_token: str, outcome: str, occurred_at: datetime | None,
                  error: str | None, details: dict, now: datetime) -> ReportAnswer:
    """Record what happened. The same final outcome again answers the same and changes nothing."""
    from app.actions.effects import apply_outcome

    action = _leased_action(team_id, action_id)
    occurred_at = min(occurred_at, now) if occurred_at else None  # a clock ahead of ours is not the future
    if action.status in FINAL_OUTCOMES or action.status == "cancelled":
        if outcome == action.status:
            return ReportAnswer(action, replayed=True)
        raise conflict(f"outcome: action {action.id} already finished as {action.status}")
    _check_token(action, lease_token)
    if outcome == "not_sent":
        if action.status != "unknown":
            raise ApiError(400, "outcome: not_sent answers a verify step only (use failed or skipped)")
        _offer_again(action, now)
        return ReportAnswer(action)
    action.status, action.updated_at = outcome, now
    action.completed_at = occurred_at or now
    action.error = error if outcome != "done" else None
    action.details = details or {}
    action.lease_expires_at = None
    apply_outcome(action, now)
    return ReportAnswer(action)


def _offer_again(action: Action, now: datetime) -> None:
    from app.actions.effects import apply_failure

    action.lease_expires_at, action.started_at, action.updated_at = None, None, now
    lead = db.session.get(Lead, action.lead_id) if action.lead_id else None
    if lead is not None and lead.status == "replied":
        # The lead replied while this was in doubt: nothing more is ever sent to it.
        action.status, action.error = "cancelled", "the lead replied"
    elif action.lease_count >= MAX_LEASES:
        action.status, action.completed_at = "failed", now
        action.error = f"not sent after {MAX_LEASES} attempts"
        apply_failure(action, now)
    else:
        # A paced action keeps its planned day: from an earlier day, the planner withdraws and replans it
        # within today's caps; moved to today, it would come on top of them.
        action.status = "pending"
        if action.type not in PACED_ACTION_TYPES:
            action.due_at = now


def cancel_open_actions_of_lead(lead_id, reason: str, now: datetime) -> int:
    """Nothing more goes to this lead: pending and leased (not yet started) actions are cancelled."""
    return db.session.execute(
        update(Action).where(Action.lead_id == lead_id, Action.status.in_(("pending", "leased")))
        .values(status="cancelled", error=reason, lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount or 0
