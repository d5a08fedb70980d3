"""What the engine guarantees whatever runs at the same time: a change that answered holds, one broken account
plans alone, and planning fans out to one job per account."""

import random
import threading
import uuid

from rq import Queue
from sqlalchemy import select

from app.engine.planner import plan_account, qualify_new_leads
from app.extensions import db
from app.models import Action, Campaign
from tests.conftest import bearer, make_user
from tests.test_engine import _leads, _settled, _tick
from tests.test_engine_simulation import BurstWorker
from tests.test_extension_support import Team
from worker.context import bind_app
from worker.engine_jobs import plan_account_job, qualify_job, run_planner


def _patch_during_a_plan(app, team, body: dict) -> list:
    """Plan the account and keep its transaction open for a second while a PATCH of its campaign is sent; answer
    the order in which the plan committed and the PATCH answered."""
    order, planned = [], threading.Event()

    def planner():
        with app.app_context():
            plan_account(team.account_id, team.clock(), random.Random(1))
            db.session.flush()
            planned.set()
            threading.Event().wait(1.0)  # the plan is still open while the PATCH is sent
            order.append("plan committed")
            db.session.commit()
            db.session.remove()

    def patch():
        planned.wait()
        with app.app_context():
            answer = app.test_client().patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers, json=body)
            order.append(f"patch answered {answer.status_code}")
            db.session.remove()

    threads = [threading.Thread(target=planner), threading.Thread(target=patch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return order


def test_a_pause_that_answered_holds_against_a_plan_in_flight(pg_app):
    """A plan holds its team's active campaigns FOR SHARE from the moment it reads them until it commits: a PATCH
    sent meanwhile answers only after that commit, and withdraws what the plan made. (Without it, a PATCH that
    lands between the plan's read and its writes answers first, and the plan then commits actions under the
    old rules.)"""
    team = Team(pg_app, pg_app.test_client())
    _settled(team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 5)
    _qualify(team)
    order = _patch_during_a_plan(pg_app, team, {"status": "paused", "name": "Q4 (paused)"})
    assert order == ["plan committed", "patch answered 200"], order
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Action).where(Action.type == "invite")) == 5
    assert team.poll(limit=10) == [], "an invite planned before the pause was offered after the pause answered"
    assert _pending(team) == 0


def test_a_plan_in_flight_holds_its_campaigns_before_it_writes_anything(pg_app):
    """Even a plan that has made nothing yet (no row written that a foreign key would lock) holds the campaigns."""
    team = Team(pg_app, pg_app.test_client())  # no leads: the plan writes nothing
    order = _patch_during_a_plan(pg_app, team, {"settings": {"invitesPerDay": 1}})
    assert order == ["plan committed", "patch answered 200"], order


def test_a_second_plan_of_an_account_under_way_plans_nothing_and_does_not_wait(pg_app):
    """The account's planning lock is tried in the same statement that locks its row: a second plan while one is
    open answers 0 at once (it does not queue behind the first and plan again on top of it)."""
    team = Team(pg_app, pg_app.test_client())
    _settled(team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 3)
    _qualify(team)
    order, planned, second_done = [], threading.Event(), threading.Event()

    def first():
        with pg_app.app_context():
            order.append(f"first planned {plan_account(team.account_id, team.clock(), random.Random(1))}")
            planned.set()
            second_done.wait(30)  # a bound, should the second plan wait after all (the order then shows it)
            db.session.commit()
            order.append("first committed")
            db.session.remove()

    def second():
        planned.wait()
        with pg_app.app_context():
            order.append(f"second planned {plan_account(team.account_id, team.clock(), random.Random(2))}")
            db.session.commit()
            db.session.remove()
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order == ["first planned 3", "second planned 0", "first committed"], order
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Action).where(Action.type == "invite")) == 3


def _qualify(team) -> None:
    """The leads are queued, and nothing is planned yet."""
    qualify_new_leads(team.clock())
    db.session.commit()


def _pending(team) -> int:
    db.session.expire_all()
    return db.session.scalar(select(db.func.count()).select_from(Action)
                             .where(Action.status.in_(("pending", "leased"))))


def test_one_broken_account_does_not_stop_the_others(app, client):
    healthy = Team(app, client)
    _settled(healthy, gapMinutes={"min": 0, "max": 0})
    _leads(healthy, 2)
    broken = Team(app, client, profile="https://www.linkedin.com/in/broken-sender/")
    _settled(broken, gapMinutes={"min": 0, "max": 0})
    _leads(broken, 2, prefix="other")
    # A template stored by other means than the API, which rendering cannot handle.
    db.session.execute(Campaign.__table__.update().where(Campaign.id == broken.campaign.id)
                       .values(templates={"note": {"not": "text"}}))
    db.session.commit()
    _tick(healthy)
    report = _tick(healthy)
    assert report.accounts_failed == 1
    invites = db.session.scalars(select(Action).where(Action.type == "invite")).all()
    assert {action.account_id for action in invites} == {healthy.account_id}
    assert len(invites) == 2


def test_planning_fans_out_to_one_job_per_account(pg_app, redis_client):
    bind_app(pg_app)
    client = pg_app.test_client()
    teams = [Team(pg_app, client, profile=f"https://www.linkedin.com/in/sender-{index}/") for index in range(3)]
    for index, team in enumerate(teams):
        _settled(team, gapMinutes={"min": 0, "max": 0})
        _leads(team, 2, prefix=f"team{index}")  # new: the tick's qualify_job queues them
    queue = Queue("engine", connection=redis_client)
    queue.empty()
    first, second = run_planner(), run_planner()
    assert first["accounts"] == 3 and second["accounts"] == 0, "an account already queued was queued again"
    assert first["qualifying"] and not second["qualifying"], "the qualification was queued twice"
    jobs = queue.jobs
    assert jobs[0].func is qualify_job, "new leads are qualified before any account is planned"
    assert sorted(job.args[0] for job in jobs[1:]) == sorted(str(team.account_id) for team in teams)
    assert all(job.func is plan_account_job for job in jobs[1:])
    BurstWorker([queue], connection=redis_client).work(burst=True)
    db.session.expire_all()
    invites = db.session.scalars(select(Action).where(Action.type == "invite")).all()
    # One worker runs the tick in order: the leads qualified by the tick's job are invited in the same tick.
    assert {action.account_id for action in invites} == {team.account_id for team in teams}
    assert len(invites) == 6
    again = run_planner()
    assert again["accounts"] == 3 and again["qualifying"]  # done: each may be queued again


def test_accounts_planned_while_the_qualification_ran_are_planned_again_in_the_same_tick(pg_app, redis_client):
    """With two workers, one qualifies while the other plans accounts: those accounts found their new leads not
    yet queued. The qualification queues them again once it is done, so the tick still invites every lead it
    qualified (without that, they waited for the next tick); an account still waiting in the queue is not
    queued twice."""
    bind_app(pg_app)
    client = pg_app.test_client()
    teams = [Team(pg_app, client, profile=f"https://www.linkedin.com/in/sender-{index}/") for index in range(2)]
    for index, team in enumerate(teams):
        _settled(team, gapMinutes={"min": 0, "max": 0})
        _leads(team, 2, prefix=f"team{index}")
    queue = Queue("engine", connection=redis_client)
    queue.empty()
    assert run_planner()["accounts"] == 2
    first_account = str(teams[0].account_id)
    assert plan_account_job(first_account)["created"] == 0  # the other worker got here first: no lead queued yet
    queue.remove([job for job in queue.jobs if job.args == (first_account,)][0])
    assert qualify_job() == {"queued": 4, "skipped": 0, "accounts": 1}
    waiting = [job.args[0] for job in queue.jobs if job.func is plan_account_job]
    assert sorted(waiting) == sorted([first_account, str(teams[1].account_id)]), "queued twice, or not again"
    BurstWorker([queue], connection=redis_client).work(burst=True)
    db.session.expire_all()
    invites = db.session.scalars(select(Action).where(Action.type == "invite")).all()
    assert sorted(str(action.account_id) for action in invites) == sorted([first_account] * 2
                                                                          + [str(teams[1].account_id)] * 2)


def test_a_team_never_sees_another_teams_accounts_planned_for_it(app, client):
    team = Team(app, client)
    _, token = make_user()
    other = bearer(token)
    answer = client.patch(f"/api/v1/accounts/{team.account_id}", headers=other, json={"isDefault": True})
    assert answer.status_code == 404
    assert client.patch(f"/api/v1/accounts/{uuid.uuid4()}", headers=team.headers,
                        json={"isDefault": True}).status_code == 404
