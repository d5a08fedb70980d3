"""A full run through the real HTTP API: the reference simulator against a live server, the planner on a real
RQ worker (real Redis), from scrape to the webhook event rows."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from app.clock import ManualClock
from app.extensions import db
from app.models import Action, Lead, LinkedInAccount
from app.webhooks.signing import verify_signature
from extension_bridge.simulator import ExtensionSimulator, SimulatorError
from tests.conftest import _make_app, bearer, make_user
from tests.test_extension_support import events
from tests.test_webhook_helpers import body_of, register, run_worker, serve_receiver, sweep
from worker.context import bind_app
from worker.engine_jobs import run_planner

MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SATURDAY_10 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
SENDER = "https://www.linkedin.com/in/simulated-sender/"
SCRIPT = str(Path(sys.executable).parent / "socialscalr")


@pytest.fixture
def clock():
    return ManualClock(MONDAY_10)


@pytest.fixture
def live_app(database_urls, clock):
    # The simulator polls far faster than a real extension: a budget to match.
    yield from _make_app(database_urls["postgres"], EXTENSION_POLL_SECONDS=1, CLOCK=clock,
                         RATELIMIT_PER_MINUTE=10_000)


def _simulate(*args):
    return subprocess.run([SCRIPT, "simulate-extension", *args], capture_output=True, text=True, timeout=120)


def _run_planner_on_a_worker(app, redis_client):
    bind_app(app)
    queue = Queue("engine", connection=redis_client)
    queue.enqueue(run_planner)
    SimpleWorker([queue], connection=redis_client).work(burst=True)


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


def test_simulated_extension_from_scrape_to_webhook_events(live_app, live_url, redis_client, receiver):
    user, token = make_user()
    hook = register(live_app.test_client(), bearer(token), receiver.url("/hook"))
    lines = []
    simulator = ExtensionSimulator(live_url, token, accept_rate=1.0, reply_rate=0.0, speed=50, leads=6, seed=7,
                                   profile_url=SENDER, log=lines.append)
    simulator.heartbeat()
    # No gap between actions and room for six invites on this brand-new (warming-up) account.
    account = db.session.scalar(select(LinkedInAccount).where(LinkedInAccount.team_id == user.team_id))
    account.settings = {"gapMinutes": {"min": 0, "max": 0}, "invitesPerDay": 100}
    db.session.commit()
    assert simulator.scrape() == 6
    for _ in range(100):  # bounded: each round plans, polls, acts and observes once
        _run_planner_on_a_worker(live_app, redis_client)
        simulator.poll_once()
        simulator.observe_due()
        db.session.expire_all()
        statuses = db.session.scalars(select(Lead.status).where(Lead.team_id == user.team_id)).all()
        if statuses and all(status == "connected" for status in statuses) and not simulator.observations:
            break
    assert statuses == ["connected"] * 6, statuses
    [scraped] = events("leads.scraped")
    assert scraped.data["count"] == 6 and scraped.data["campaignId"] == simulator.campaign_id
    invited = events("lead.invited")
    assert len(invited) == 6 and len({e.data["lead"]["id"] for e in invited}) == 6
    assert all(e.data["text"].startswith("Hi ") and e.data["campaignId"] == simulator.campaign_id for e in invited)
    assert db.session.scalar(select(db.func.count(Action.id)).where(Action.status == "done")) == 6
    assert simulator.stats.done == {"invite": 6} and simulator.stats.accepted == 6 and simulator.stats.conflicts == 0
    # Progress: every action leased, done and observed, named by its lead.
    names = {lead.name for lead in db.session.scalars(select(Lead).where(Lead.team_id == user.team_id))}
    for verb in ("leased invite for", "done invite for", "observed invite_accepted from"):
        said = [line.removeprefix(verb).strip().split(" (")[0] for line in lines if line.startswith(verb)]
        assert set(said) == names, (verb, lines)
    invited_ids = {e.data["lead"]["id"] for e in invited}
    # The real webhook worker delivers each event once, signed, to the receiver on 127.0.0.1.
    sweep(live_app)
    run_worker(live_app)
    delivered = receiver.received("/hook")
    assert all(verify_signature(hook["secret"], r["body"], r["headers"]["X-SocialScalr-Signature"], now=MONDAY_10)
               for r in delivered)
    bodies = [body_of(r) for r in delivered]
    assert sorted(b["event"] for b in bodies) == ["lead.invited"] * 6 + ["leads.scraped"]
    assert {b["data"]["lead"]["id"] for b in bodies if b["event"] == "lead.invited"} == invited_ids


def test_simulate_extension_command_says_what_it_did_and_why_nothing_was_due(live_app, live_url):
    _, token = make_user()
    # A base URL given with /api/v1 is taken for what it means; no planner runs here, so nothing is leased.
    finished = _simulate("--url", live_url + "/api/v1/", "--token", token, "--duration", "2", "--speed", "10",
                         "--leads", "3", "--seed", "1", "--timezone", "Europe/Paris")
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert f"using {live_url}" in out and "time zone Europe/Paris" in out
    assert "scraped 3 leads" in out
    assert "nothing to do: nothing due yet" in out
    assert "summary after" in out and "scraped 3 leads, done: none" in out
    [scraped] = events("leads.scraped")
    assert scraped.data["count"] == 3


def test_a_refused_token_is_one_line_not_a_traceback(live_app, live_url):
    finished = _simulate("--url", live_url, "--token", "ss_" + "x" * 32, "--duration", "1")
    assert finished.returncode == 1
    assert finished.stderr.startswith("error: the server refused the token") and "Traceback" not in finished.stderr
    assert len(finished.stderr.strip().splitlines()) == 1


def test_an_unknown_time_zone_is_refused_before_anything_is_sent(live_app, live_url):
    finished = _simulate("--url", live_url, "--token", "ss_" + "x" * 32, "--timezone", "Mars/Olympus")
    assert finished.returncode == 2 and "not an IANA time zone" in finished.stderr


def test_an_unreachable_server_is_said_plainly():
    simulator = ExtensionSimulator("http://127.0.0.1:1", "ss_" + "x" * 32, log=lambda *_: None)
    with pytest.raises(SimulatorError, match="cannot reach http://127.0.0.1:1: is the server running"):
        simulator.heartbeat()


def test_nothing_due_outside_working_hours_says_when_actions_resume(live_app, live_url, clock):
    clock.current = SATURDAY_10
    _, token = make_user()
    simulator = ExtensionSimulator(live_url, token, log=lambda *_: None, timezone="Europe/Berlin")
    simulator.heartbeat()
    simulator.scrape()
    assert simulator.poll_once() == 0
    reason = simulator.explain_idle()
    assert reason.startswith("outside working hours (") and "Europe/Berlin" in reason
    assert "next actions from Mon 2026-03-09" in reason


def test_nothing_due_for_a_draft_campaign_says_it_is_a_draft(live_app, live_url):
    _, token = make_user()
    client = live_app.test_client()
    draft = client.post("/api/v1/campaigns", headers=bearer(token), json={"name": "Not yet"}).get_json()
    assert draft["status"] == "draft"
    simulator = ExtensionSimulator(live_url, token, campaign_id=draft["id"], log=lambda *_: None)
    simulator.heartbeat()
    assert simulator.poll_once() == 0
    assert simulator.explain_idle().startswith("campaign 'Not yet' is draft")
