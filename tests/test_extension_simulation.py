"""A full run through the real HTTP API: the reference simulator against a live server, the planner on a real
RQ worker (real Redis), from scrape to the webhook event rows."""

from datetime import UTC, datetime

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from app.extensions import db
from app.models import Action, Lead, LinkedInAccount
from app.webhooks.signing import verify_signature
from extension_bridge.simulator import ExtensionSimulator
from tests.conftest import _make_app, bearer, make_user
from tests.test_extension_support import events
from tests.test_webhook_helpers import body_of, register, run_worker, serve_receiver, sweep
from worker.context import bind_app
from worker.engine_jobs import run_planner

MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SENDER = "https://www.linkedin.com/in/simulated-sender/"


@pytest.fixture
def live_app(database_urls):
    # The simulator polls far faster than a real extension: a budget to match.
    yield from _make_app(database_urls["postgres"], EXTENSION_POLL_SECONDS=1, CLOCK=lambda: MONDAY_10,
                         RATELIMIT_PER_MINUTE=10_000)


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
    simulator = ExtensionSimulator(live_url, token, accept_rate=1.0, reply_rate=0.0, speed=50, leads=6, seed=7,
                                   profile_url=SENDER, log=lambda *_: None)
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


def test_simulate_extension_command_runs_against_a_live_server(live_app, live_url):
    import subprocess
    import sys
    from pathlib import Path

    _, token = make_user()
    finished = subprocess.run(
        [str(Path(sys.executable).parent / "socialscalr"), "simulate-extension", "--url", live_url, "--token", token,
         "--duration", "2", "--speed", "10", "--leads", "3", "--seed", "1"],
        capture_output=True, text=True, timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert "scraped 3 leads" in finished.stdout and "done:" in finished.stdout
    [scraped] = events("leads.scraped")
    assert scraped.data["count"] == 3
