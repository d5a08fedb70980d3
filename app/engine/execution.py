"""The extension carries out actions: each call takes its locks in one order (account, then lead, then action),
records the action's new state (app/actions) and applies what it means for the lead, post or comment
(app/engine/outcomes.py) in the same transaction."""

import random
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update

from app import metrics
from app.actions import service as actions
from app.actions.service import DEFAULT_LEASE, ExpiryReport, ReportAnswer
from app.caps.policy import account_policy
from app.engine.outcomes import apply_failure, apply_outcome
from app.engine.sequence import FINAL_LEAD_STATUSES
from app.extensions import db
from app.models import Action, Comment, Lead, LinkedInAccount, Post
from app.scoping import get_for_team

IN_FLIGHT = ("leased", "started", "unknown")


def _lock_account(account_id) -> LinkedInAccount:
    return db.session.scalar(select(LinkedInAccount).where(LinkedInAccount.id == account_id).with_for_update()
                             .execution_options(populate_existing=True))


def lease(account: LinkedInAccount, limit: int, now: datetime, lease_for: timedelta = DEFAULT_LEASE) -> list[Action]:
    """Lease the account's due actions. Polls that may hand out a paced action are serialised by the account's row
    lock, so at most one paced action is ever in the extension's hands. A leased post is `publishing`, a leased
    comment `posting`."""
    policy = account_policy(account, now)
    if actions.may_act(account, policy, now):
        # Only a poll that may hand out a paced action waits for the account's lock (and looks again under it);
        # the others lease verify steps, posts and comments side by side, with SKIP LOCKED.
        account = _lock_account(account.id)
    leased = actions.lease_actions(account, policy, limit, now, lease_for)
    metrics.actions_leased(action.type for action in leased if action.status == "leased")
    post_ids = [action.post_id for action in leased if action.post_id is not None]
    if post_ids:
        db.session.execute(update(Post).where(Post.id.in_(post_ids), Post.status == "scheduled")
                           .values(status="publishing", updated_at=now).execution_options(synchronize_session=False))
    comment_ids = [action.comment_id for action in leased if action.comment_id is not None]
    if comment_ids:
        db.session.execute(update(Comment).where(Comment.id.in_(comment_ids), Comment.status == "approved")
                           .values(status="posting", updated_at=now).execution_options(synchronize_session=False))
    return leased


def _locked(team_id, action_id) -> tuple[Action, LinkedInAccount]:
    action = get_for_team(Action, team_id, action_id, what="action")
    account = _lock_account(action.account_id)
    if action.lead_id is not None:
        db.session.scalar(select(Lead.id).where(Lead.id == action.lead_id).with_for_update())
    return actions.locked_action(team_id, action.id), account


def start(team_id, action_id, lease_token: str, now: datetime) -> Action:
    action, account = _locked(team_id, action_id)
    return actions.start_action(action, account, account_policy(account, now), lease_token, now)


def report(team_id, action_id, lease_token: str, outcome: str, occurred_at: datetime | None, error: str | None,
           details: dict, now: datetime, rng: random.Random | None = None) -> ReportAnswer:
    action, account = _locked(team_id, action_id)
    answer = actions.record_result(action, account, account_policy(account, now), lease_token, outcome, occurred_at,
                                   error, details, now, rng)
    if answer.finished:
        apply_outcome(answer.action, now)
    elif answer.action.status == "pending" and _lead_has_ended(answer.action):
        # Not sent after all, and the lead replied (or ended) while it was in doubt: never offered again.
        actions.cancel_actions(Action.id == answer.action.id, "the lead ended while this was in doubt", now)
        db.session.refresh(answer.action)
    return answer


def _lead_has_ended(action: Action) -> bool:
    lead = db.session.get(Lead, action.lead_id) if action.lead_id else None
    return lead is not None and lead.status in FINAL_LEAD_STATUSES


def expire(now: datetime, account_id=None) -> ExpiryReport:
    """Ended leases and unresolved verify steps; a post or comment no longer in the extension's hands goes back to
    its queue (the planner offers it again or ends it failed)."""
    expired = actions.expire_leases(now, account_id)
    for action in expired.failed:
        apply_failure(action, now)
    for model, column, holding, waiting in ((Post, Action.post_id, "publishing", "scheduled"),
                                            (Comment, Action.comment_id, "posting", "approved")):
        held = exists().where(column == model.id, Action.status.in_(IN_FLIGHT))
        db.session.execute(update(model).where(and_(model.status == holding, ~held))
                           .values(status=waiting, updated_at=now).execution_options(synchronize_session=False))
    return expired
