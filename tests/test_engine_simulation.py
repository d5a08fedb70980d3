"""Thirty simulated days: three campaigns of 2,000 leads on one LinkedIn account.

The planner runs as an RQ job on a real worker (burst mode, real Redis); the reference
extension simulator speaks the protocol over HTTP to a live server; webhooks go to a real
receiver through the real webhook worker. Time is a manual clock shared by all of them,
so the Berlin account crosses a daylight-saving change on 29 March. What is asserted is
what the extension really did and when, and what webhook consumers received.
"""

import os
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from app.clock import ManualClock
from app.extensions import db
from app.models import Action, Lead, LinkedInAccount, Post
from extension_bridge.simulator import ExtensionSimulator
from tests.conftest import _make_app, bearer, make_user
from tests.test_webhook_helpers import body_of, register, run_worker, serve_receiver, sweep
from worker.context import bind_app
from worker.engine_jobs import run_planner

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday
DAYS = int(os.environ.get('SIM_DAYS', 30))
BERLIN = ZoneInfo("Europe/Berlin")
ACCOUNT_LIMITS = {"invitesPerDay": 25, "invitesPerWeek": 80, "messagesPerDay": 12}
CAMPAIGN_INVITES_PER_DAY = 4  # the third campaign's own cap
FOLLOW_UPS = [{"afterDays": 2, "body": "Any thoughts, {{first_name|there}}?"},
              {"afterDays": 5, "body": "Last note from me, {{first_name|there}}."}]
MESSAGES_PER_LEAD = 1 + len(FOLLOW_UPS)


class SimulatedTimeExtension(ExtensionSimulator):
    """The reference simulator living on the server's manual clock; people answer hours or days later."""

    def __init__(self, url, token, clock, **options):
        super().__init__(url, token, log=lambda *_: None, **options)
        self.clock = clock
        self.did: list[tuple[datetime, dict]] = []  # (when, action) for every action done and accepted
        self.replied_at: dict[str, datetime] = {}  # profile URL -> when the reply was reported

    def server_now(self):
        return self.clock()

    def _sleep(self, seconds, scaled=True):
        pass

    def observation_delay(self, kind):
        return timedelta(hours=self.rng.uniform(1, 96 if kind == "invite_accepted" else 72))

    def _report(self, action, outcome, details):
        done_before = sum(self.stats.done.values())
        super()._report(action, outcome, details)
        if sum(self.stats.done.values()) > done_before:
            self.did.append((self.clock(), action))

    def observe_due(self):
        due = [body for moment, body in self.observations if moment <= self.clock()]
        super().observe_due()
        for body in due:
            if body["type"] == "reply_received":
                self.replied_at[body["profileUrl"]] = self.clock()


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def live_app(database_urls, clock):
    yield from _make_app(database_urls["postgres"], CLOCK=clock, RATELIMIT_PER_MINUTE=1_000_000,
                         WEBHOOKS_ALLOW_PRIVATE=True)


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def _moments():
    """Every 15 minutes around Berlin's working hours on weekdays (07:00-17:00 UTC), every 2 hours otherwise."""
    moment, end = START, START + timedelta(days=DAYS)
    while moment < end:
        yield moment
        busy = moment.weekday() < 5 and 6 <= moment.hour < 17
        moment += timedelta(minutes=15) if busy else timedelta(hours=2)


def _warmup(moment):
    return min(1.0, 0.25 + 0.75 * (moment - START).total_seconds() / (14 * 86400))


def _setup(client, headers, simulator):
    campaigns = []
    for index, settings in enumerate(({}, {}, {"invitesPerDay": CAMPAIGN_INVITES_PER_DAY})):
        answer = client.post("/api/v1/campaigns", headers=headers, json={
            "name": f"Campaign {index}", "status": "active", "settings": settings,
            "targeting": {"titleKeywords": ["founder", "ceo", "cto", "vp"], "excludeKeywords": ["growth"]},
            "templates": {"note": "Hi {{first_name|there}}, campaign " + str(index),
                          "message": "Thanks for connecting, {{first_name|there}}!", "followUps": FOLLOW_UPS}})
        assert answer.status_code == 201, answer.get_json()
        campaigns.append(answer.get_json()["id"])
        simulator.campaign_id, simulator.lead_count = campaigns[-1], 1000
        assert simulator.scrape() + simulator.scrape() == 2000
    for hours in (34, 82):  # Tuesday and Thursday at 10:30 UTC, each with a first comment
        answer = client.post("/api/v1/posts", headers=headers, json={
            "content": f"Post at {hours}h", "firstComment": "More in the comments",
            "scheduledFor": (START + timedelta(hours=hours, minutes=30)).isoformat()})
        assert answer.status_code == 201, answer.get_json()
    return campaigns


class BurstWorker(SimpleWorker):
    """A real RQ worker, minus its command channel (stop/kill messages), whose thread takes ~150 ms to end."""

    def subscribe(self):
        self.pubsub_thread = None

    def unsubscribe(self):
        pass


def _run_planner(app, redis_client):
    bind_app(app)
    queue = Queue("engine", connection=redis_client)
    queue.enqueue(run_planner)
    BurstWorker([queue], connection=redis_client).work(burst=True)


def test_thirty_days_of_three_campaigns_on_one_account(live_app, live_url, clock, redis_client, receiver):
    user, token = make_user()
    team_id = user.team_id
    client = live_app.test_client()
    register(client, bearer(token), receiver.url("/hook"), events=("lead.invited", "lead.messaged"))
    simulator = SimulatedTimeExtension(live_url, token, clock, accept_rate=0.35, reply_rate=0.25, seed=11,
                                       timezone="Europe/Berlin")
    simulator.heartbeat()
    account = db.session.scalar(select(LinkedInAccount).where(LinkedInAccount.team_id == team_id))
    account.settings = dict(ACCOUNT_LIMITS)
    db.session.commit()
    campaigns = _setup(client, bearer(token), simulator)

    for moment in _moments():
        clock.current = moment
        if moment.hour == 0 and moment.minute == 0:
            simulator.heartbeat()
        if moment.minute in (0, 30):  # the planner plans an hour ahead; every half hour is plenty here
            _run_planner(live_app, redis_client)
        while simulator.poll_once() == 5:
            pass
        simulator.observe_due()
    end = clock.current
    sweep(live_app)
    run_worker(live_app)

    did = simulator.did
    by_type = defaultdict(list)
    for moment, action in did:
        by_type[action["type"]].append((moment, action))
    assert len(by_type["invite"]) > 200 and len(by_type["message"]) > 50, {k: len(v) for k, v in by_type.items()}
    assert simulator.replied_at and simulator.stats.accepted > 50

    # Never outside working hours (Berlin, Monday to Friday, 09:00-18:00, across the DST change).
    for moment, action in did:
        if action["type"] in ("invite", "message", "withdraw"):
            local = moment.astimezone(BERLIN)
            assert local.weekday() < 5 and 9 <= local.hour < 18, (local, action["type"])

    # Never above a cap: per Berlin day, per rolling week, per campaign, with the warm-up of a new account.
    per_day: dict = defaultdict(Counter)
    for moment, action in did:
        per_day[moment.astimezone(BERLIN).date()][action["type"]] += 1
        if action["type"] == "invite":
            per_day[moment.astimezone(BERLIN).date()][action["lead"]["campaignId"]] += 1
    per_day = dict(per_day)
    for day, counts in per_day.items():
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), BERLIN)
        fraction = _warmup(day_end)
        assert counts["invite"] <= int(ACCOUNT_LIMITS["invitesPerDay"] * fraction), (day, counts)
        assert counts["message"] <= int(ACCOUNT_LIMITS["messagesPerDay"] * fraction), (day, counts)
        assert counts[campaigns[2]] <= CAMPAIGN_INVITES_PER_DAY, (day, counts)
        week = sum(per_day.get(day - timedelta(days=back), Counter())["invite"] for back in range(7))
        assert week <= int(ACCOUNT_LIMITS["invitesPerWeek"] * fraction), (day, week)
    weeks = [sum(per_day.get(day - timedelta(days=back), Counter())["invite"] for back in range(7)) for day in per_day]
    assert max(weeks) == ACCOUNT_LIMITS["invitesPerWeek"], weeks  # the weekly cap was reached, never passed

    # No lead invited twice; no message after the lead's reply.
    invited_leads = Counter(action["lead"]["id"] for _, action in by_type["invite"])
    assert max(invited_leads.values()) == 1
    for moment, action in by_type["message"]:
        replied = simulator.replied_at.get(action["lead"]["profileUrl"])
        assert replied is None or moment < replied, action["lead"]["profileUrl"]

    # Every lead is final or waiting on a future step.
    db.session.expire_all()
    open_actions = set(db.session.scalars(select(Action.lead_id).where(
        Action.status.in_(("pending", "leased", "started", "unknown")), Action.lead_id.is_not(None))))
    leads = db.session.scalars(select(Lead).where(Lead.team_id == team_id)).all()
    assert len(leads) == 6000
    statuses = Counter(lead.status for lead in leads)
    assert statuses["new"] == 0 and statuses["replied"] > 5 and statuses["skipped"] > 1000, statuses
    for lead in leads:
        if lead.status in ("skipped", "replied", "failed"):
            assert lead.status != "skipped" or lead.status_reason
        elif lead.status == "invited":
            # An expired invite is withdrawn one paced action at a time: the lead stays invited until it is done
            # (an acceptance may still come first), with its withdrawal planned or waiting for its turn.
            expired = lead.invited_at <= end - timedelta(days=21, hours=1)
            assert not expired or lead.id in open_actions or lead.next_step_at is not None, \
                "an expired invite was neither withdrawn nor planned to be"
        else:
            finished = lead.status == "messaged" and lead.messages_sent == MESSAGES_PER_LEAD
            assert finished or lead.next_step_at is not None or lead.id in open_actions, (lead.status, lead.id)
    assert any("not accepted within 21 days" in (lead.status_reason or "") for lead in leads)

    # Posts went out, each first comment after its post.
    posts = db.session.scalars(select(Post).where(Post.team_id == team_id)).all()
    assert [post.status for post in posts] == ["published", "published"]
    for post in posts:
        assert post.published_at == post.scheduled_for  # polled at that very minute
    comments = sorted(moment for moment, action in did if action["type"] == "comment")
    published = sorted(post.published_at for post in posts)
    assert len(comments) == 2 and all(c >= p for c, p in zip(comments, published, strict=True))

    # Each lead.invited and lead.messaged webhook arrived once per action done.
    delivered = Counter()
    for request in receiver.received("/hook"):
        body = body_of(request)
        delivered[(body["event"], body["data"]["actionId"])] += 1
    expected = Counter({("lead.invited", a["id"]): 1 for _, a in by_type["invite"]})
    expected.update({("lead.messaged", a["id"]): 1 for _, a in by_type["message"]})
    assert delivered == expected
