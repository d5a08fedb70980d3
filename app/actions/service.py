"""The life of an action: created by the engine, leased to a poller, started, reported, expired or cancelled.

    pending --lease--> leased --start--> started --result--> done | failed | skipped
       ^                  |                  |
       +--lease ended-----+                  +--lease ended--> unknown --verify result--> done | failed
       (3rd end: failed)                                        (not_sent: pending again; unresolved
                                                                 for UNKNOWN_TIMEOUT: failed)
    pending | leased --cancel--> cancelled          (start and result on it answer 409 with the reason)

This module owns only the action's own state. What an outcome means for a lead, a post or a comment is
the engine's (app/engine/outcomes.py): functions here return the actions whose outcome must be applied.
None of them commits: the caller commits the change with its events.

Leasing is one UPDATE ... RETURNING whose subqueries pick rows with FOR UPDATE SKIP LOCKED (SQLite
serialises writers instead). Paced actions (invite, message, withdraw) go out one at a time: one per poll,
none while another is in flight, and not before `paced_ready_at`, which a start sets to after the gap.
"""

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)

from app import metrics
from app.caps.pauses import invites_paused
from app.caps.policy import PACED_ACTION_TYPES, AccountPolicy
from app.errors import ApiError, conflict
from app.extensions import db
from app.models import ACTION_TYPES, Action, LinkedInAccount
from app.scoping import get_for_team, team_select
from app.suppression import lead_id_is_listed

DEFAULT_LEASE = timedelta(minutes=10)
MAX_LEASES = 3
MAX_LEASE_BATCH = 50
# A started action nobody reported: offered as a verify step this long, then failed (never performed again).
UNKNOWN_TIMEOUT = timedelta(hours=24)
# Not yet in the extension's hands: these can still be taken back.
CANCELLABLE_STATUSES = ("pending", "leased")
FINAL_STATUSES = ("done", "failed", "skipped", "cancelled")
FINAL_OUTCOMES = ("done", "failed", "skipped")


@dataclass
class ReportAnswer:
    action: Action
    replayed: bool = False
    # The action reached a final outcome now: the engine applies what it means.
    finished: bool = False


@dataclass
class ExpiryReport:
    changed: int = 0
    failed: list = field(default_factory=list)


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


@dataclass(frozen=True)
class LeaseRequest:
    """One poll's lease: the statement's shape (`statement`, an UPDATE ... RETURNING every column of the leased
    actions) and its bound values."""

    statement: object
    parameters: dict
    may_pace: bool


def create_actions(rows: list[dict], now: datetime) -> None:
    """Many actions in one INSERT (the planner's batch for an account): each row names team_id, account_id, type,
    lead_id, campaign_id, text and due_at, as create_action's arguments do. Not flushed through the session."""
    if not rows:
        return
    for row in rows:
        if row["type"] not in ACTION_TYPES:
            raise ValueError(f"unknown action type {row['type']!r}")
        if row["due_at"].tzinfo is None:
            raise ValueError("due_at must be an aware datetime")
    db.session.execute(insert(Action.__table__), [
        {**row, "id": uuid.uuid4(), "status": "pending", "lease_count": 0, "details": {}, "created_at": now,
         "updated_at": now} for row in rows])


def lease_request(account, policy: AccountPolicy, limit: int, now: datetime,
                  lease: timedelta = DEFAULT_LEASE) -> LeaseRequest:
    """Up to `limit` due actions of the account: verify steps first, then the oldest due; at most one paced action,
    and only when the account may act again (the caller then holds the account's lock). Candidates come from
    index range reads (account_id, status, due_at), each locked FOR UPDATE SKIP LOCKED. The account may be a plain
    row (a poll runs every few seconds per extension: no ORM objects on this path)."""
    paced = may_act(account, policy, now)
    batch = max(1, min(limit, MAX_LEASE_BATCH))
    return LeaseRequest(_lease_statement(paced, paced and invites_paused(account, now), batch), {
        "lease_account": account.id, "lease_team": account.team_id, "now": now, "lease_until": now + lease,
        "token": secrets.token_urlsafe(24),
        # Caps count actions by their due day: one planned for an earlier day is never done today.
        "day_start": policy.day_window(now)[0],
    }, paced)


def lease_actions(account, policy: AccountPolicy, limit: int, now: datetime,
                  lease: timedelta = DEFAULT_LEASE) -> list[dict]:
    """Lease as `lease_request` says, in the session's transaction: one UPDATE ... RETURNING (plus the account's
    `paced_ready_at` when a paced action went out). Plain dicts of the actions' columns, in (due_at, id) order."""
    request = lease_request(account, policy, limit, now, lease)
    connection = db.session.connection()
    leased = [dict(row) for row in connection.execute(request.statement, request.parameters).mappings()]
    if any(row["type"] in PACED_ACTION_TYPES and row["status"] == "leased" for row in leased):
        hold_paced(connection, account.id, now + lease)
    leased.sort(key=lambda row: (row["due_at"], str(row["id"])))
    return leased


def hold_paced(connection, account_id, until: datetime) -> None:
    # Nothing paced goes out while this one is in the extension's hands.
    accounts = LinkedInAccount.__table__
    connection.execute(update(accounts).where(accounts.c.id == account_id).values(paced_ready_at=until))


def held_paced_statement(leased):
    """hold_paced as a statement over the leased rows (`leased`, a CTE of the lease): for a lease in one statement."""
    accounts = LinkedInAccount.__table__
    paced_out = select(leased.c.id).where(leased.c.type.in_(PACED_ACTION_TYPES), leased.c.status == "leased")
    return (update(accounts).where(accounts.c.id == bindparam("lease_account", type_=accounts.c.id.type),
                                   paced_out.exists())
            .values(paced_ready_at=bindparam("lease_until", type_=accounts.c.paced_ready_at.type),
                    updated_at=bindparam("now", type_=accounts.c.updated_at.type)))


_LEASE_STATEMENTS: dict = {}


def _lease_statement(paced: bool, invites_paused_now: bool, batch: int):
    """The lease UPDATE, built once per shape and batch size (its other values are bound parameters): building and
    hashing a fresh statement on every poll cost more Python than the rest of the poll."""
    key = (paced, invites_paused_now, batch)
    if key not in _LEASE_STATEMENTS:
        _LEASE_STATEMENTS[key] = _build_lease_statement(paced, invites_paused_now, batch)
    return _LEASE_STATEMENTS[key]


def _build_lease_statement(paced: bool, invites_paused_now: bool, batch: int):
    actions = Action.__table__
    c = actions.c
    now = bindparam("now", type_=c.due_at.type)
    # LIMITs as literals: PostgreSQL plans a LIMIT parameter as 10% of the rows, and a prepared statement's generic
    # plan then expects hundreds of leased rows (it marks them by scanning every post of the table). With the
    # limits written in, the generic plan is the custom one, and a prepared poll is not planned again each time.
    n = literal_column(str(int(batch)), Integer)
    lease_ended = and_(c.lease_expires_at.is_not(None), c.lease_expires_at <= now)
    # Constants are written in, not bound: a prepared statement's generic plan then estimates each candidate read
    # from the statistics of that status (a handful of rows), as a custom plan does; `status = 'leased'` is also
    # ix_actions_leased_until's predicate, which a parameter could not prove.
    pending = and_(c.status == _sql_text("pending"), c.due_at <= now)
    # Offered again: leased to a poller whose lease ended without a start (at most MAX_LEASES times).
    lapsed = and_(c.status == _sql_text("leased"), c.due_at <= now, lease_ended,
                  c.lease_count < literal_column(str(MAX_LEASES), Integer))
    # A started action whose lease ended, or an unknown one whose verify lease ended, is offered as a verify step.
    verify = and_(c.status.in_([_sql_text("started"), _sql_text("unknown")]),
                  or_(lease_ended, and_(c.status == _sql_text("unknown"), c.lease_expires_at.is_(None))))
    # Nothing is offered for a person on the do-not-contact list (a verify step still is: it only checks LinkedIn).
    allowed = or_(c.lead_id.is_(None), ~lead_id_is_listed(c.lead_id))
    pending, lapsed = and_(pending, allowed), and_(lapsed, allowed)
    # The predicate of ix_actions_unpaced_due as it is written there (literals, not parameters).
    unpaced = c.type.not_in([literal_column(f"'{kind}'") for kind in PACED_ACTION_TYPES])
    # Leases that ended are read in the order they ended: a range read of ix_actions_leased_until that meets only
    # those. Read in due order, the scan walked every action still leased to the account (a poll's recent leases)
    # to find the few that ended, its cost growing with what is in flight.
    candidates = [_candidates(0, verify, n), _candidates(1, and_(pending, unpaced), n),
                  _candidates(1, and_(lapsed, unpaced), n, order=(c.lease_expires_at, c.due_at, c.id))]
    if paced:
        paced_due = and_(or_(pending, lapsed), c.type.in_(PACED_ACTION_TYPES),
                         c.due_at >= bindparam("day_start", type_=c.due_at.type))
        if invites_paused_now:
            paced_due = and_(paced_due, c.type != "invite")
        candidates.append(_candidates(1, paced_due, literal_column("1", Integer)))
    pool = union_all(*candidates).subquery()
    chosen = select(pool.c.id).order_by(pool.c.priority, pool.c.due_at, pool.c.id).limit(n)
    offered = c.status.in_(("pending", "leased"))
    return (
        update(actions)
        .where(c.id.in_(chosen.scalar_subquery()))
        .values(
            status=case((offered, "leased"), else_="unknown"),
            lease_count=case((offered, c.lease_count + 1), else_=c.lease_count),
            lease_token=bindparam("token", type_=c.lease_token.type),
            lease_expires_at=bindparam("lease_until", type_=c.lease_expires_at.type), updated_at=now,
        )
        .returning(*c)
    )


def _sql_text(value: str):
    return literal_column(f"'{value}'")


def _candidates(priority: int, condition, limit, order=None):
    c = Action.__table__.c
    picked = (select(c.id, c.due_at)
              .where(c.account_id == bindparam("lease_account", type_=c.account_id.type),
                     c.team_id == bindparam("lease_team", type_=c.team_id.type), condition)
              .order_by(*(order or (c.due_at, c.id))).limit(limit).with_for_update(skip_locked=True).subquery())
    return select(picked.c.id, picked.c.due_at, literal(priority).label("priority"))


def may_act(account, policy: AccountPolicy, now: datetime) -> bool:
    """Paced actions only in working hours, and only once the previous one is over and its gap has passed."""
    return policy.is_working_time(now) and (account.paced_ready_at is None or account.paced_ready_at <= now)


def expire_leases(now: datetime, account_id: uuid.UUID | None = None) -> ExpiryReport:
    """Ended leases: never started -> offered again (failed after the 3rd), started -> unknown (verify first),
    unknown for UNKNOWN_TIMEOUT -> failed. The failed ones are returned: the engine applies their outcome."""
    scope = [Action.account_id == account_id] if account_id is not None else []
    ended = and_(Action.lease_expires_at.is_not(None), Action.lease_expires_at <= now)
    report = ExpiryReport()
    unknown = db.session.execute(
        update(Action).where(Action.status == "started", ended, *scope)
        .values(status="unknown", updated_at=now).execution_options(synchronize_session=False)
    ).rowcount or 0
    offered_again = db.session.execute(
        update(Action).where(Action.status == "leased", ended, Action.lease_count < MAX_LEASES, *scope)
        .values(status="pending", updated_at=now).execution_options(synchronize_session=False)
    ).rowcount or 0
    report.changed += unknown + offered_again
    metrics.leases_expired("unknown", unknown)
    metrics.leases_expired("offered_again", offered_again)
    reasons = (
        (and_(Action.status == "leased", ended, Action.lease_count >= MAX_LEASES),
         f"not reported after {MAX_LEASES} leases"),
        (and_(Action.status == "unknown", Action.started_at <= now - UNKNOWN_TIMEOUT, or_(
            Action.lease_expires_at.is_(None), ended)),
         f"started but its outcome was never reported or verified within {int(UNKNOWN_TIMEOUT.total_seconds()) // 3600}"
         " hours; assumed not sent and never sent again"),
    )
    for condition, reason in reasons:
        for action in db.session.scalars(
            select(Action).where(condition, *scope).with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all():
            action.status, action.completed_at, action.updated_at, action.error = "failed", now, now, reason
            action.lease_expires_at = None
            report.failed.append(action)
    report.changed += len(report.failed)
    metrics.leases_expired("failed", len(report.failed))
    return report


def locked_action(team_id, action_id) -> Action:
    """The action, locked and read afresh: a copy read earlier in this transaction may predate a concurrent report."""
    action = db.session.scalar(team_select(Action, team_id).where(Action.id == action_id).with_for_update()
                               .execution_options(populate_existing=True))
    return action if action is not None else get_for_team(Action, team_id, action_id, what="action")


def _check_token(action: Action, lease_token: str) -> None:
    if not secrets.compare_digest(action.lease_token or "", lease_token or ""):
        raise conflict("leaseToken: this action has been leased to another poller since; drop it")


def _refuse_if_cancelled(action: Action) -> None:
    if action.status == "cancelled":
        raise conflict(f"action {action.id} was cancelled ({action.error}); do not perform it")


def start_action(action: Action, account: LinkedInAccount, policy: AccountPolicy, lease_token: str,
                 now: datetime) -> Action:
    """The extension is about to act: from here on an ended lease means 'unknown', never 'send again'."""
    _refuse_if_cancelled(action)
    _check_token(action, lease_token)
    if action.status == "started":
        return action
    if action.status in FINAL_OUTCOMES:
        raise conflict(f"action {action.id} is already {action.status}; do not perform it")
    if action.status == "unknown":
        raise conflict(f"action {action.id} is a verify step: check LinkedIn and report, do not perform it")
    if action.status == "pending" or (action.lease_expires_at is not None and action.lease_expires_at <= now):
        raise conflict(f"action {action.id}: its lease ended before it was started; poll again")
    action.status, action.started_at, action.updated_at = "started", now, now
    action.lease_expires_at = max(action.lease_expires_at or now, now + DEFAULT_LEASE)
    if action.type in PACED_ACTION_TYPES:
        account.paced_ready_at = max(action.lease_expires_at, now + timedelta(minutes=policy.gap_minutes[0]))
    return action


def record_result(action: Action, account: LinkedInAccount, policy: AccountPolicy, lease_token: str, outcome: str,
                  occurred_at: datetime | None, error: str | None, details: dict, now: datetime,
                  rng: random.Random | None = None) -> ReportAnswer:
    """Record what happened to the action. The same final outcome again answers the same and changes nothing."""
    occurred_at = min(occurred_at, now) if occurred_at else None  # a clock ahead of ours is not the future
    if action.status in FINAL_STATUSES:
        if outcome == action.status:
            return ReportAnswer(action, replayed=True)
        _refuse_if_cancelled(action)
        raise conflict(f"outcome: action {action.id} already finished as {action.status}")
    _check_token(action, lease_token)
    if outcome == "not_sent":
        if action.status != "unknown":
            raise ApiError(400, "outcome: not_sent answers a verify step only (use failed or skipped)")
        return _offer_again(action, now)
    if action.type in PACED_ACTION_TYPES and action.status != "unknown":
        # The next paced action waits a human gap after this one began.
        gap = policy.random_gap(rng or random.Random())
        account.paced_ready_at = max(now, (action.started_at or now) + gap)
    action.status, action.updated_at = outcome, now
    action.completed_at = occurred_at or now
    action.error = error if outcome != "done" else None
    action.details = details or {}
    action.lease_expires_at = None
    return ReportAnswer(action, finished=True)


def _offer_again(action: Action, now: datetime) -> ReportAnswer:
    action.lease_expires_at, action.started_at, action.updated_at = None, None, now
    if action.lease_count >= MAX_LEASES:
        action.status, action.completed_at = "failed", now
        action.error = f"not sent after {MAX_LEASES} attempts"
        return ReportAnswer(action, finished=True)
    # A paced action keeps its planned day: from an earlier day, the planner withdraws and replans it
    # within today's caps; moved to today, it would come on top of them.
    action.status = "pending"
    if action.type not in PACED_ACTION_TYPES:
        action.due_at = now
    return ReportAnswer(action)


def cancel_actions(condition, reason: str, now: datetime) -> list:
    """Take back matching actions the extension has not started (pending or leased): a start or result on one
    answers 409 with the reason. Returns (id, type, lead_id, post_id) of each."""
    return db.session.execute(
        update(Action).where(Action.status.in_(CANCELLABLE_STATUSES), condition)
        .values(status="cancelled", error=reason[:300], lease_expires_at=None, completed_at=now, updated_at=now)
        .returning(Action.id, Action.type, Action.lead_id, Action.post_id)
        .execution_options(synchronize_session=False)
    ).all()


def cancel_actions_of_leads(lead_ids, reason: str, now: datetime, types=None) -> list:
    condition = Action.lead_id.in_(list(lead_ids))
    if types is not None:
        condition = and_(condition, Action.type.in_(types))
    return cancel_actions(condition, reason, now) if lead_ids else []
