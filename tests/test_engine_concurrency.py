"""Several planners and pollers at once (PostgreSQL): the caps and the one-invite-per-lead rule still hold.

Planner threads (each its own app context, as RQ workers are) run `run_tick` at the same moments while
poller threads lease actions through `/api/v1/extension/actions`, start them and report them done, and
say some invites were accepted. A manual clock moves in steps through two days; every thread works each
step at once. Afterwards the actions table is read as the user would: per account and local day.
"""

import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.clock import ManualClock
from app.engine.planner import run_tick
from app.extensions import db
from app.models import Action, Lead, LinkedInAccount
from tests.test_extension_support import Team

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday, midnight UTC
STEP = timedelta(minutes=60)
STEPS = 48  # two days
CAPS = {"invitesPerDay": 6, "invitesPerWeek": 10, "messagesPerDay": 3, "gapMinutes": {"min": 0, "max": 4}}
# An action uses its day's cap in any of these states (planned, out, under way or done).
COUNTED_ACTION_STATUSES = ("pending", "leased", "started", "unknown", "done")
TEMPLATES = {"note": "Hi {{first_name}}", "message": "Thanks {{first_name}}",
             "followUps": [{"afterDays": 1, "body": "Any thoughts, {{first_name}}?"}]}


def _team(app, profile: str, timezone: str) -> Team:
    team = Team(app, app.test_client(), profile=profile)
    account = team.account
    account.timezone, account.settings, account.created_at = timezone, CAPS, START - timedelta(days=60)
    team.campaign.templates = TEMPLATES
    for index in range(30):  # new leads: qualified, then invited
        db.session.add(Lead(team_id=team.team_id, campaign_id=team.campaign.id, name=f"New {index}",
                            first_name=f"N{index}", profile_url=f"https://www.linkedin.com/in/new-{index}/",
                            title="Founder", status="new", tags=[], custom_fields={}))
    for index in range(8):  # already connected: a first message, then a follow-up a day later
        db.session.add(Lead(team_id=team.team_id, campaign_id=team.campaign.id, name=f"Known {index}",
                            first_name=f"K{index}", profile_url=f"https://www.linkedin.com/in/known-{index}/",
                            status="connected", connected_at=START - timedelta(days=2), next_step_at=START,
                            tags=[], custom_fields={}))
    db.session.commit()
    return team


class _Rounds:
    """Every worker thread does one unit of work per step, all at once; the main thread moves the clock."""

    def __init__(self, workers: int):
        self.start = threading.Barrier(workers + 1)
        self.end = threading.Barrier(workers + 1)
        self.finished = False
        self.errors: list = []

    def work(self, unit):
        while True:
            self.start.wait()
            if self.finished:
                return
            try:
                unit()
            except Exception as error:  # reported by the main thread
                self.errors.append(error)
            self.end.wait()


def _planner(app, clock, rounds: _Rounds):
    def tick():
        try:
            run_tick(clock())
        finally:
            db.session.remove()

    with app.app_context():
        rounds.work(tick)


def _poller(app, team: Team, clock, rounds: _Rounds):
    client = app.test_client()  # no app context in this thread: each request gets its own, as when served

    def call(method, path, **body):
        answer = getattr(client, method)(path, headers=team.headers, **({"json": body} if body else {}))
        assert answer.status_code == 200, (path, answer.status_code, answer.get_json())
        return answer.get_json()

    def perform_due():
        for leased in call("get", "/api/v1/extension/actions?limit=3")["actions"]:
            if leased["step"] == "perform":
                    call("post", f"/api/v1/extension/actions/{leased['id']}/start", leaseToken=leased["leaseToken"])
            call("post", f"/api/v1/extension/actions/{leased['id']}/result", leaseToken=leased["leaseToken"],
                 outcome="done", occurredAt=clock().isoformat())
            profile = (leased.get("lead") or {}).get("profileUrl")
            if leased["type"] == "invite" and profile and profile.rstrip("/")[-1] in "02468":
                call("post", "/api/v1/extension/events", type="invite_accepted", profileUrl=profile,
                     occurredAt=clock().isoformat())

    rounds.work(perform_due)


def _counted_actions(account_id) -> list[Action]:
    return db.session.scalars(select(Action).where(Action.account_id == account_id,
                                                   Action.status.in_(COUNTED_ACTION_STATUSES))).all()


def _assert_caps_held(account: LinkedInAccount):
    zone = ZoneInfo(account.timezone)
    per_day = defaultdict(Counter)
    for action in _counted_actions(account.id):
        per_day[action.due_at.astimezone(zone).date()][action.type] += 1
    assert per_day, "nothing was planned: the test proves nothing"
    for day, counts in per_day.items():
        assert counts["invite"] <= CAPS["invitesPerDay"], (account.timezone, day, counts)
        assert counts["message"] <= CAPS["messagesPerDay"], (account.timezone, day, counts)
        week = sum(per_day.get(day - timedelta(days=back), Counter())["invite"] for back in range(7))
        assert week <= CAPS["invitesPerWeek"], (account.timezone, day, week)


@pytest.mark.parametrize("planners", [2, 4])
def test_planners_and_pollers_at_once_keep_every_cap_and_one_invite_per_lead(pg_app, planners):
    first = _team(pg_app, "https://www.linkedin.com/in/sender-one/", "UTC")
    second = _team(pg_app, "https://www.linkedin.com/in/sender-two/", "Asia/Tokyo")  # its day starts at 15:00 UTC
    clock = ManualClock(START)
    pg_app.config["CLOCK"] = first.clock = second.clock = clock
    pg_app.config["RATELIMIT_PER_MINUTE"] = 1_000_000  # the pollers' steps are simulated minutes, not real ones
    pollers = [(team, n) for team in (first, second) for n in range(2)]  # two browsers per account
    rounds = _Rounds(planners + len(pollers))
    threads = [threading.Thread(target=_planner, args=(pg_app, clock, rounds)) for _ in range(planners)]
    threads += [threading.Thread(target=_poller, args=(pg_app, team, clock, rounds)) for team, _ in pollers]
    for thread in threads:
        thread.start()
    for _ in range(STEPS):
        rounds.start.wait()
        rounds.end.wait()
        clock.advance(seconds=STEP.total_seconds())
    rounds.finished = True
    rounds.start.wait()
    for thread in threads:
        thread.join()

    assert rounds.errors == []
    db.session.expire_all()
    for team in (first, second):
        _assert_caps_held(team.account)
    counted = db.session.scalars(select(Action).where(Action.status.in_(COUNTED_ACTION_STATUSES))).all()
    invites_per_lead = Counter(action.lead_id for action in counted if action.type == "invite")
    assert invites_per_lead and max(invites_per_lead.values()) == 1
    steps = Counter((action.lead_id, action.type, action.text) for action in counted if action.lead_id)
    assert [step for step, times in steps.items() if times > 1] == []
    done = Counter(action.type for action in counted if action.status == "done")
    assert done["invite"] >= CAPS["invitesPerDay"] and done["message"] >= CAPS["messagesPerDay"]
