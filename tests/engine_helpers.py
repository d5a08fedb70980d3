"""A team driven the way its users drive it: the REST API, the extension protocol and the planner, on a manual clock.

The engine's tests (tests/test_engine_regressions.py, tests/test_engine_properties.py) say what a user or the
extension would notice, so they go through `/api/v1/...` and `/api/v1/extension/...` and read the database only
to check what was actually done.
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.clock import ManualClock
from app.engine.planner import run_tick
from app.extensions import db
from app.models import Action
from tests.conftest import bearer, make_user
from worker.engine_jobs import expire_action_leases

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # inside the default working hours (09:00-18:00 UTC, Mon-Fri)
NO_GAP = {"min": 0, "max": 0}
PACED_TYPES = ("invite", "message", "withdraw")
TEMPLATES = {"note": "Hi {{first_name}}", "message": "Thanks {{first_name}}"}
FOLLOW_UP_TEMPLATES = {**TEMPLATES, "followUps": [{"afterDays": 3, "body": "Any thoughts, {{first_name}}?"}]}


def profile(slug: str) -> str:
    return f"https://www.linkedin.com/in/{slug}/"


class Outreach:
    """One team with its LinkedIn accounts (registered by heartbeat, the first one first)."""

    def __init__(self, app, client, accounts=("sender",), now=MONDAY, settled=True):
        self.app, self.client = app, client
        app.config["RATELIMIT_PER_MINUTE"] = 1_000_000  # simulated days send many requests in a real second
        # A settled account registered two months ago is past its warm-up: its full limits apply.
        self.clock = ManualClock(now - timedelta(days=60) if settled else now)
        app.config["CLOCK"] = self.clock
        user, token = make_user()
        self.team_id, self.auth = user.team_id, bearer(token)
        self.accounts: dict[str, str] = {}
        for slug in accounts:
            self.accounts[slug] = self.heartbeat(slug, timezone="UTC")
            self.clock.advance(seconds=1)
        self.first = accounts[0]
        self.clock.current = now

    # -- the REST API ---------------------------------------------------------------------------------------
    def call(self, method: str, path: str, json=None, expect: int | None = 200, account: str | None = None):
        headers = self.headers(account) if account else self.auth
        response = self.client.open("/api/v1" + path, method=method, headers=headers, json=json)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.get_json()}"
        return response

    def account(self, slug: str | None = None) -> dict:
        return self.call("GET", f"/accounts/{self.accounts[slug or self.first]}").get_json()

    def configure(self, slug: str | None = None, **settings) -> dict:
        return self.call("PATCH", f"/accounts/{self.accounts[slug or self.first]}", {"settings": settings}).get_json()

    def campaign(self, name="Q4", templates=None, settings=None, account: str | None = None, **extra) -> str:
        body = {"name": name, "status": "active", "templates": templates or TEMPLATES, "settings": settings or {},
                **extra}
        if account:
            body["linkedinAccountId"] = self.accounts[account]
        return self.call("POST", "/campaigns", body, expect=201).get_json()["id"]

    def add_leads(self, campaign_id: str, slugs) -> dict[str, str]:
        """Leads named after their slug ("ada" is Ada Test): slug -> lead id."""
        leads = [{"name": f"{slug.capitalize()} Test", "profileUrl": profile(slug)} for slug in slugs]
        created = self.call("POST", "/leads", {"campaignId": campaign_id, "leads": leads}, expect=201).get_json()
        return {lead["profileUrl"].rstrip("/").rsplit("/", 1)[1]: lead["id"] for lead in created["leads"]}

    def lead(self, lead_id: str) -> dict:
        return self.call("GET", f"/leads/{lead_id}").get_json()

    def set_lead_status(self, lead_id: str, status: str) -> dict:
        return self.call("PATCH", f"/leads/{lead_id}", {"status": status}).get_json()

    # -- the extension ------------------------------------------------------------------------------------
    def headers(self, slug: str | None = None) -> dict:
        return {**self.auth, "X-LinkedIn-Account": self.accounts[slug or self.first]}

    def heartbeat(self, slug: str, timezone: str | None = None) -> str:
        body = {"extensionVersion": "1.0.0", "linkedinAccount": {"profileUrl": profile(slug), "name": slug}}
        if timezone:
            body["timezone"] = timezone
        answer = self.client.post("/api/v1/extension/heartbeat", headers=self.auth, json=body)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["accountId"]

    def poll(self, slug: str | None = None, limit: int = 50) -> list[dict]:
        answer = self.client.get(f"/api/v1/extension/actions?limit={limit}", headers=self.headers(slug))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["actions"]

    def start(self, leased: dict, slug: str | None = None):
        return self.client.post(f"/api/v1/extension/actions/{leased['id']}/start", headers=self.headers(slug),
                                json={"leaseToken": leased["leaseToken"]})

    def report(self, leased: dict, outcome: str = "done", slug: str | None = None, **extra):
        body = {"leaseToken": leased["leaseToken"], "outcome": outcome, "occurredAt": self.clock().isoformat(),
                **extra}
        return self.client.post(f"/api/v1/extension/actions/{leased['id']}/result", headers=self.headers(slug),
                                json=body)

    def perform(self, leased: dict, slug: str | None = None, **details) -> None:
        """Carry out a leased action on LinkedIn and report it done."""
        if leased["step"] == "perform":
            started = self.start(leased, slug)
            assert started.status_code == 200, started.get_json()
        reported = self.report(leased, "done", slug, details=details)
        assert reported.status_code == 200, reported.get_json()

    def drain(self, slug: str | None = None, polls: int = 200) -> list[dict]:
        """Poll and carry out everything offered, again and again, until a poll offers nothing."""
        done = []
        for _ in range(polls):
            offered = self.poll(slug)
            if not offered:
                return done
            for leased in offered:
                details = {"postUrl": "https://www.linkedin.com/feed/update/1/"} if leased["type"] == "post" else {}
                self.perform(leased, slug, **details)
                done.append(leased)
        raise AssertionError(f"the extension was still offered actions after {polls} polls")

    def observe(self, kind: str, slug: str, account: str | None = None):
        answer = self.client.post("/api/v1/extension/events", headers=self.headers(account),
                                  json={"type": kind, "profileUrl": profile(slug),
                                        "occurredAt": self.clock().isoformat()})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    # -- time and the planner --------------------------------------------------------------------------------
    def tick(self, **advance) -> None:
        """What the workers do every minute: a planner tick (its random gaps repeatable, so a failure found by
        hypothesis replays the same way) and the lease expiry."""
        if advance:
            self.clock.advance(**advance)
        run_tick(self.clock(), rng=random.Random(self.clock().timestamp()))
        expire_action_leases()
        db.session.expire_all()

    def next_working_day(self, hour: int = 9, minute: int = 30) -> None:
        moment = (self.clock() + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        while moment.weekday() >= 5:
            moment += timedelta(days=1)
        self.clock.current = moment

    def at(self, moment: datetime) -> None:
        assert moment >= self.clock(), "the clock only moves forward"
        self.clock.current = moment

    def invite_and_connect(self, campaign_id: str, slug: str, account: str | None = None) -> str:
        """Add a lead, send its invite and see it accepted: the lead ends `connected`. Returns its id."""
        lead_id = self.add_leads(campaign_id, [slug])[slug]
        self.tick()
        self.tick(minutes=1)
        invites = [a for a in self.drain(account) if a["type"] == "invite" and a["lead"]["id"] == lead_id]
        assert len(invites) == 1, f"the invite to {slug} was not offered to {account or self.first}'s extension"
        self.observe("invite_accepted", slug, account)
        assert self.lead(lead_id)["status"] == "connected"
        return lead_id


def actions(kind: str | None = None, status: str | None = None) -> list[Action]:
    """What the actions table holds (what was planned, offered and done)."""
    statement = select(Action).order_by(Action.due_at, Action.id)
    if kind:
        statement = statement.where(Action.type == kind)
    if status:
        statement = statement.where(Action.status == status)
    db.session.expire_all()
    return list(db.session.scalars(statement))


def of_type(offered: list[dict], *kinds: str) -> list[dict]:
    return [leased for leased in offered if leased["type"] in kinds]
