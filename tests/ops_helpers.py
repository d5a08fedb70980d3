"""Real processes for the operations tests: gunicorn with gunicorn.conf.py and `socialscalr worker`, on the
test's PostgreSQL database and Redis, with their stderr kept in a file to read their logs."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import text

from app.extensions import db
from tests.conftest import TEST_REDIS_URL, bearer, make_user
from tests.engine_helpers import NO_GAP, TEMPLATES, profile

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def working_zone_now() -> str:
    """A fixed-offset zone in which it is around noon now, so the planner works whatever the hour of the run."""
    offset = 12 - datetime.now(UTC).hour  # Etc/GMT-N is N hours ahead of UTC
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}" if offset < 0 else "")


ALL_DAY = {"start": "00:00", "end": "23:59", "days": [0, 1, 2, 3, 4, 5, 6]}


class Process:
    """A child process in a session of its own; its output (the logs) in `log_path`."""

    def __init__(self, app, command: list[str], log_path: Path, **env: str):
        db.session.remove()
        db.engine.dispose()  # the child must not share the test's pooled connections
        self.log_path = log_path
        environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                       "REDIS_URL": TEST_REDIS_URL, "WEBHOOKS_ALLOW_PRIVATE": "1", **env}
        with open(log_path, "ab") as log:
            self.popen = subprocess.Popen(command, env=environment, cwd=ROOT, start_new_session=True,
                                          stdout=log, stderr=subprocess.STDOUT)

    def sigterm(self) -> None:
        self.popen.send_signal(signal.SIGTERM)

    def wait(self, seconds: float = 90) -> int:
        return self.popen.wait(seconds)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL for whatever is left of its session."""
        if self.popen.poll() is None:
            self.sigterm()
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)

    def log_lines(self) -> list[str]:
        return [line for line in self.log_path.read_text().splitlines() if line.strip()]


def start_worker(app, log_path: Path, *args: str, **env: str) -> Process:
    return Process(app, [str(BIN / "socialscalr"), "worker", *args], log_path, **env)


def start_gunicorn(app, log_path: Path, port: int, **env: str) -> Process:
    return Process(app, [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], log_path,
                   GUNICORN_BIND=f"127.0.0.1:{port}", **env)


def wait_until(condition, seconds: float = 60, what: str = "the condition"):
    """Poll until `condition()` is truthy (its value returned); fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def team_with_accounts(client, slugs) -> tuple[dict, dict[str, str]]:
    """A team whose accounts work around the clock now, each with its own active campaign of three leads:
    (its auth headers, slug -> account id)."""
    _, token = make_user()
    auth = bearer(token)
    accounts = {}
    for slug in slugs:
        answer = client.post("/api/v1/extension/heartbeat", headers=auth, json={
            "extensionVersion": "1.0.0", "timezone": working_zone_now(),
            "linkedinAccount": {"profileUrl": profile(slug), "name": slug}})
        assert answer.status_code == 200, answer.get_json()
        account_id = answer.get_json()["accountId"]
        patched = client.patch(f"/api/v1/accounts/{account_id}", headers=auth,
                               json={"settings": {"workingHours": ALL_DAY, "gapMinutes": NO_GAP}})
        assert patched.status_code == 200, patched.get_json()
        campaign = client.post("/api/v1/campaigns", headers=auth, json={
            "name": f"campaign of {slug}", "status": "active", "templates": TEMPLATES,
            "linkedinAccountId": account_id})
        assert campaign.status_code == 201, campaign.get_json()
        leads = [{"name": f"Lead {slug} {n}", "profileUrl": profile(f"{slug}-lead-{n}")} for n in range(3)]
        added = client.post("/api/v1/leads", headers=auth,
                            json={"campaignId": campaign.get_json()["id"], "leads": leads})
        assert added.status_code == 201, added.get_json()
        accounts[slug] = account_id
    return auth, accounts


def waiting_for_a_lock(engine) -> int:
    """How many sessions of the test database wait for a row lock now."""
    # Its own autocommit connection: inside a transaction, pg_stat_activity is a snapshot that never changes.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )).scalar()
