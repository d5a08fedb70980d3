"""The extension carries out actions: each call takes its locks in one order (account, then lead, then action),
records the action's new state (app/actions) and applies what it means for the lead, post or comment
(app/engine/outcomes.py) in the same transaction."""

import random
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, exists, select, update

from app import metrics
from app.actions import service as actions
from app.actions.service import DEFAULT_LEASE, ExpiryReport, ReportAnswer
from app.caps.policy import account_policy
from app.common.dollar_sql import DollarStatement
from app.engine.outcomes import apply_failure, apply_outcome
from app.engine.sequence import FINAL_LEAD_STATUSES
from app.extensions import db
from app.models import Action, Comment, Lead, LinkedInAccount, Post
from app.models.base import row_columns
from app.scoping import get_for_team

IN_FLIGHT = ("leased", "started", "unknown")


def _lock_account(account_id) -> LinkedInAccount:
    return db.session.scalar(select(LinkedInAccount).where(LinkedInAccount.id == account_id).with_for_update()
                             .execution_options(populate_existing=True))


# A leased post is `publishing`, a leased comment `posting`, while the extension holds it.
_HELD_SUBJECTS = (("post", Post, "scheduled", "publishing"), ("comment", Comment, "approved", "posting"))
_SUBJECTS = (("lead", Lead),) + tuple((key, model) for key, model, _, _ in _HELD_SUBJECTS)


def lease(account, limit: int, now: datetime, lease_for: timedelta = DEFAULT_LEASE, render=None,
          autocommit=None) -> list:
    """Lease the account's due actions. Polls that may hand out a paced action are serialised by the account's row
    lock, so at most one paced action is ever in the extension's hands. A leased post is `publishing`, a leased
    comment `posting`. `account` may be a plain row; the answer is plain dicts of the actions' columns in
    (due_at, id) order, each with its `lead`, `post` and `comment` as plain dicts too (None when it has none).

    On PostgreSQL the lease, the marks and the reads are one statement; a poll that takes no lock runs it on an
    autocommit connection (a statement is its own transaction: no BEGIN and COMMIT round trips). There, `render`
    (a function of the columns of a leased action and of its lead, post and comment, as `{"action": ..., "lead":
    ..., "post": ..., "comment": ...}`, giving one SQL expression; built once per shape) makes the answer that
    expression's value per action instead, in the same order: the caller's rendering, done by PostgreSQL.
    `autocommit`: an autocommit connection the caller holds (it read the account on it), used instead of another."""
    policy = account_policy(account, now)
    locked = actions.may_act(account, policy, now)
    if locked:
        # Only a poll that may hand out a paced action waits for the account's lock (and looks again under it);
        # the others lease verify steps, posts and comments side by side, with SKIP LOCKED.
        accounts = LinkedInAccount.__table__
        account = db.session.connection().execute(
            select(*accounts.c).where(accounts.c.id == account.id).with_for_update()).one()
    if db.engine.dialect.name == "postgresql":
        request = actions.lease_request(account, policy, limit, now, lease_for)
        lease_once = _lease_rendered if render is not None else _lease_in_one_statement
        if locked:
            leased, types = lease_once(db.session.connection(), request, now, render)
        elif autocommit is not None:
            leased, types = lease_once(autocommit, request, now, render)
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                leased, types = lease_once(connection, request, now, render)
    else:
        leased = _lease_step_by_step(account, policy, limit, now, lease_for)
        types = [action["type"] for action in leased if action["status"] == "leased"]
    metrics.actions_leased(types)
    return leased


def _lease_step_by_step(account, policy, limit: int, now: datetime, lease_for: timedelta) -> list[dict]:
    leased = actions.lease_actions(account, policy, limit, now, lease_for)
    connection = db.session.connection()
    for key, model, waiting, held in _HELD_SUBJECTS:
        ids = [action[key + "_id"] for action in leased if action[key + "_id"] is not None]
        if ids:
            table = model.__table__
            connection.execute(update(table).where(table.c.id.in_(ids), table.c.status == waiting)
                               .values(status=held, updated_at=now))
    for key, model in _SUBJECTS:
        ids = {action[key + "_id"] for action in leased if action[key + "_id"] is not None}
        table = model.__table__
        statement = select(*row_columns(table)).where(table.c.team_id == account.team_id, table.c.id.in_(ids))
        rows = {row["id"]: row for row in connection.execute(statement).mappings()} if ids else {}
        for action in leased:
            action[key] = rows.get(action[key + "_id"])
    return leased


def _lease_in_one_statement(connection, request, now: datetime, render=None) -> tuple[list[dict], list[str]]:
    """The leased actions as plain dicts, and the types of those leased to be performed (not verified)."""
    statement = _one_statement(request.statement, request.may_pace)
    leased = []
    for row in connection.execute(statement, {**request.parameters, "marked_at": now}).mappings():
        action = {name: row[name] for name in _ACTION_COLUMNS}
        for key, model in _SUBJECTS:
            action[key] = ({column.key: row[f"{key}__{column.key}"] for column in row_columns(model.__table__)}
                           if row[f"{key}__id"] is not None else None)
        leased.append(action)
    leased.sort(key=lambda action: (action["due_at"], str(action["id"])))
    return leased, [action["type"] for action in leased if action["status"] == "leased"]


def _lease_rendered(connection, request, now: datetime, render) -> tuple[list, list[str]]:
    """The leased actions as `render` renders them (in (due_at, id) order: a uuid sorts as its text does), and the
    types of those leased to be performed."""
    statement = _rendered_statement(request.statement, request.may_pace, render)
    rows = statement.execute(connection, {**request.parameters, "marked_at": now})
    return [row[0] for row in rows], [row[1] for row in rows if row[2] == "leased"]


_ACTION_COLUMNS = tuple(Action.__table__.c.keys())
# What a lease request binds (app.actions.service.lease_request), and when the marks were made.
_LEASE_PARAMETERS = ("lease_account", "lease_team", "now", "lease_until", "token", "day_start", "marked_at")
_ONE_STATEMENTS: dict = {}


def _one_statement(lease_update, may_pace: bool):
    """WITH leased AS (the lease UPDATE ... RETURNING), marked posts and comments (UPDATE ... RETURNING), the account
    held when a paced action went out, then each leased row joined to its lead, post and comment. The statements
    of one WITH see the same snapshot, so a post marked now is read from its UPDATE's RETURNING. Built once."""
    key = (lease_update, may_pace)  # the UPDATE itself, not its id: see _rendered_statement
    if key not in _ONE_STATEMENTS:
        sources, joined, held = _joined_sources(lease_update, may_pace)
        columns = [sources["action"][name] for name in _ACTION_COLUMNS]
        for subject, model in _SUBJECTS:
            columns += [sources[subject][column.key].label(f"{subject}__{column.key}")
                        for column in row_columns(model.__table__)]
        statement = select(*columns).select_from(joined)
        _ONE_STATEMENTS[key] = statement.add_cte(held) if held is not None else statement
    return _ONE_STATEMENTS[key]


def _rendered_statement(lease_update, may_pace: bool, render):
    """The one statement, selecting per leased action `render`'s expression, its type and its status, in (due_at,
    id) order. Built once per shape and rendering."""
    # Keyed by the UPDATE itself, not its id: the compiled text keeps no reference to it, and a lease UPDATE built by a
    # racing poll and dropped would free its id for another shape's UPDATE.
    key = (lease_update, may_pace, render)
    if key not in _ONE_STATEMENTS:
        sources, joined, held = _joined_sources(lease_update, may_pace)
        leased = sources["action"]
        statement = (select(render(sources), leased.type, leased.status).select_from(joined)
                     .order_by(leased.due_at, leased.id))
        statement = statement.add_cte(held) if held is not None else statement
        _ONE_STATEMENTS[key] = DollarStatement(statement, _LEASE_PARAMETERS)
    return _ONE_STATEMENTS[key]


def _joined_sources(lease_update, may_pace: bool):
    """The parts of the one statement: the columns of the leased action, its lead, its marked post and comment (as
    {"action", "lead", "post", "comment"}), what joins them, and the CTE holding the account (or None)."""
    leased = lease_update.cte("leased")
    sources = {"action": leased.c}
    lead = Lead.__table__.alias("lead")
    joined = leased.outerjoin(lead, and_(lead.c.id == leased.c.lead_id, lead.c.team_id == leased.c.team_id))
    sources["lead"] = lead.c
    for subject, model, waiting, held in _HELD_SUBJECTS:
        # Every leased post (comment) is read from the RETURNING of the UPDATE that marks it, which changes only
        # the waiting ones: one read of each row, where a second join of the table to the other rows cost
        # PostgreSQL more to plan than the whole statement took to run.
        table = model.__table__
        waits = table.c.status == waiting
        marked = (update(table)
                  .where(table.c.id.in_(select(leased.c[subject + "_id"])),
                         table.c.team_id == bindparam("lease_team", type_=table.c.team_id.type))
                  .values(status=case((waits, held), else_=table.c.status),
                          updated_at=case((waits, bindparam("marked_at", type_=table.c.updated_at.type)),
                                          else_=table.c.updated_at))
                  .returning(*table.c).cte(f"marked_{subject}"))
        joined = joined.outerjoin(marked, marked.c.id == leased.c[subject + "_id"])
        sources[subject] = marked.c
    held_account = actions.held_paced_statement(leased).cte("held") if may_pace else None
    return sources, joined, held_account


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
