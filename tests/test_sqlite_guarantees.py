"""Embedded mode (SQLite) keeps PostgreSQL's guarantees: cascades fire, a read-then-write runs alone, and
migrating a database that holds data keeps the data (app/sqlite_guarantees.py, migrations/env.py)."""

import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, select

from app import MIGRATIONS_DIRECTORY, create_app
from app.extensions import db
from app.models import Action, Campaign, Lead
from tests.test_extension_support import Team, events

SCRIPT = str(Path(sys.executable).parent / "socialscalr")
# How long a thread that has read waits for the other to have read too. A database that serialises
# read-then-write never lets the other read meanwhile, so there the wait runs out and the first thread
# goes on alone; it bounds the test's length, correctness never depends on it.
ARRIVAL_WAIT_SECONDS = 2.0


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_deleting_a_campaign_in_sql_deletes_its_leads_and_keeps_their_actions_on_record(app, client):
    team = Team(app, client)
    lead = team.lead()
    team.action("invite", lead=lead)
    kept = Campaign(team_id=team.team_id, name="Kept", status="active", targeting={}, settings={}, templates={})
    db.session.add(kept)
    db.session.commit()
    db.session.add(Lead(team_id=team.team_id, campaign_id=kept.id, name="Bo", status="queued",
                        profile_url="https://www.linkedin.com/in/bo/", tags=[], custom_fields={}))
    db.session.commit()

    db.session.execute(delete(Campaign).where(Campaign.id == team.campaign.id))
    db.session.commit()

    assert _count(Lead, Lead.campaign_id == team.campaign.id) == 0
    # The action stays (it counts against the account's caps), without its lead and campaign: ON DELETE SET NULL.
    assert _count(Action, Action.lead_id.is_(None), Action.campaign_id.is_(None)) == 1
    assert _count(Lead, Lead.campaign_id == kept.id) == 1


def test_an_action_for_a_lead_that_does_not_exist_is_refused(app, client):
    team = Team(app, client)
    db.session.add(Action(team_id=team.team_id, account_id=team.account_id, type="invite", status="pending",
                          lead_id=uuid.uuid4(), due_at=team.clock(), lease_count=0, details={}))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


class _Rendezvous:
    """Holds each thread, right after its first read of the action, until the other thread has read too."""

    def __init__(self, threads: int):
        self.arrived = threading.Barrier(threads)
        self.held: set = set()

    def after_execute(self, conn, cursor, statement, parameters, context, executemany):
        me = threading.current_thread()
        if me.name.startswith("reporter") and me not in self.held and statement.lstrip().upper().startswith(
                "SELECT") and "FROM actions" in statement:
            self.held.add(me)
            try:
                self.arrived.wait(ARRIVAL_WAIT_SECONDS)
            except threading.BrokenBarrierError:
                pass  # the other thread could not read yet: this one writes first


def test_a_message_reported_twice_at_the_same_moment_counts_once(app, client):
    """The extension retries a result report while the first is still being handled: one message, one event."""
    team = Team(app, client)
    lead = team.lead(status="connected")
    team.action("message", lead=lead, text="Thanks Ada")
    leased = team.poll()[0]
    rendezvous = _Rendezvous(2)
    answers = []

    body = {"leaseToken": leased["leaseToken"], "outcome": "done", "occurredAt": "2026-03-02T10:01:00Z"}

    def report():  # a client per thread, each request in its own app context, as a served request is
        answer = app.test_client().post(f"/api/v1/extension/actions/{leased['id']}/result", headers=team.headers,
                                        json=body)
        answers.append(answer.status_code)

    sa.event.listen(db.engine, "after_cursor_execute", rendezvous.after_execute)
    try:
        reporters = [threading.Thread(target=report, name=f"reporter-{n}") for n in range(2)]
        for thread in reporters:
            thread.start()
        for thread in reporters:
            thread.join()
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", rendezvous.after_execute)

    assert answers == [200, 200]
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).messages_sent == 1
    assert len(events("lead.messaged")) == 1


def _socialscalr(database_url: str, *args):
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    result = subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def _rows_at_revision_0004(path: Path) -> dict:
    """A team with an account, a campaign, a lead and its invite, written as the 0004 schema stores them."""
    ids = {name: uuid.uuid4().hex for name in ("team", "account", "campaign", "lead", "action")}
    stamp = "2026-03-02 10:00:00.000000"
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO teams (id, name, plan, created_at, updated_at) VALUES (?, 'Acme', 'pro', ?, ?)",
                           (ids["team"], stamp, stamp))
        connection.execute(
            "INSERT INTO linkedin_accounts (id, team_id, profile_url, timezone, settings, created_at, updated_at) "
            "VALUES (?, ?, 'https://www.linkedin.com/in/sender/', 'UTC', '{}', ?, ?)",
            (ids["account"], ids["team"], stamp, stamp))
        connection.execute(
            "INSERT INTO campaigns (id, team_id, name, status, targeting, templates, settings, created_at, updated_at) "
            "VALUES (?, ?, 'Q4', 'active', '{}', '{}', '{}', ?, ?)", (ids["campaign"], ids["team"], stamp, stamp))
        connection.execute(
            "INSERT INTO leads (id, team_id, campaign_id, name, profile_url, status, tags, custom_fields, "
            "messages_sent, created_at, updated_at) VALUES (?, ?, ?, 'Ada', 'https://www.linkedin.com/in/ada/', "
            "'queued', '[]', '{}', 0, ?, ?)", (ids["lead"], ids["team"], ids["campaign"], stamp, stamp))
        connection.execute(
            "INSERT INTO actions (id, team_id, account_id, campaign_id, lead_id, type, status, due_at, lease_count, "
            "details, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'invite', 'pending', ?, 0, '{}', ?, ?)",
            (ids["action"], ids["team"], ids["account"], ids["campaign"], ids["lead"], stamp, stamp, stamp))
    connection.close()
    return {name: uuid.UUID(value) for name, value in ids.items()}


def test_upgrading_a_database_that_holds_data_keeps_it_and_leaves_foreign_keys_enforced(tmp_path):
    """`make dev` runs `socialscalr db upgrade`: on a database made by an older release, migrations that
    recreate tables (0005 recreates campaigns) must not cascade the drop into leads and actions."""
    path = tmp_path / "embedded.sqlite3"
    url = f"sqlite:///{path}"
    _socialscalr(url, "db", "upgrade", "0004_extension")
    ids = _rows_at_revision_0004(path)

    _socialscalr(url, "db", "upgrade")

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        head = ScriptDirectory(MIGRATIONS_DIRECTORY).get_current_head()
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
        campaign = db.session.get(Campaign, ids["campaign"])
        assert campaign is not None and campaign.linkedin_account_id is None
        assert db.session.get(Lead, ids["lead"]).campaign_id == ids["campaign"]
        assert db.session.get(Action, ids["action"]).lead_id == ids["lead"]
        assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []

        db.session.execute(delete(Campaign).where(Campaign.id == ids["campaign"]))
        db.session.commit()
        assert _count(Lead) == 0 and _count(Action, Action.lead_id.is_(None), Action.campaign_id.is_(None)) == 1
        db.session.remove()
        db.engine.dispose()
