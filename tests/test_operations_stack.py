"""The production processes together: gunicorn (gunicorn.conf.py, two workers) and `socialscalr worker` (forking RQ
workers) share PROMETHEUS_MULTIPROC_DIR, so one scrape adds up requests, plans, leases and deliveries made in
all of them; with LOG_FORMAT=json every line they write is a JSON object, and the token sent is in none; a
request in progress when gunicorn gets SIGTERM is still answered."""

import json
import os
import subprocess
import threading
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.models import Action, User
from tests.conftest import TEST_REDIS_URL, bearer, make_user
from tests.ops_helpers import (
    BIN,
    answers,
    free_port,
    start_gunicorn,
    start_worker,
    team_with_accounts,
    wait_until,
    waiting_for_a_lock,
)
from tests.test_webhook_helpers import emit_committed, register, serve_receiver

ME_CALLS = 6


@pytest.fixture
def receiver():
    yield from serve_receiver()


def scrape(url: str) -> dict:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def _planned() -> int:
    count = db.session.scalar(select(func.count()).select_from(Action))
    db.session.rollback()
    return count


def _request_waiting_for_the_account(app, api_url: str, auth: dict, account_id: str):
    """A PATCH of the account sent while its row is locked; the returned function releases the lock and answers
    the PATCH's status."""
    blocker = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    held = blocker.connect()
    transaction = held.begin()
    held.execute(text("SELECT id FROM linkedin_accounts WHERE id = :id FOR UPDATE"), {"id": account_id})
    answer = {}
    sender = threading.Thread(target=lambda: answer.update(response=requests.patch(
        f"{api_url}/api/v1/accounts/{account_id}", headers=auth, json={"settings": {"messagesPerDay": 40}},
        timeout=60)))
    sender.start()
    wait_until(lambda: waiting_for_a_lock(blocker), 60, "the PATCH to wait for the account's lock")

    def release() -> int:
        transaction.commit()
        held.close()
        blocker.dispose()
        sender.join(60)
        return answer["response"].status_code

    return release


def worker_health(app) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": TEST_REDIS_URL}
    return subprocess.run([str(BIN / "socialscalr"), "worker-health"], env=env, capture_output=True, text=True,
                          timeout=60)


def _json_lines(path) -> list[dict]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert lines, f"{path.name} is empty"
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line in {path.name}: {line!r}") from None
    return parsed


def test_one_scrape_adds_up_every_process_and_every_log_line_is_json(pg_app, receiver, tmp_path):
    client = pg_app.test_client()
    auth, accounts = team_with_accounts(client, ["east"])
    token = auth["Authorization"].split()[1]
    team_id = str(db.session.get(User, uuid.UUID(client.get("/api/v1/me", headers=auth).get_json()["id"])).team_id)
    db.session.rollback()
    _, other_token = make_user()  # sent only where it must be refused
    register(client, auth, receiver.url("/hook"), events=["lead.invited"])
    emit_committed(uuid.UUID(team_id), "lead.invited", {"lead": {"name": "Ada Lovelace"}})

    metrics_dir = tmp_path / "metrics"
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "LOG_FORMAT": "json", "WEB_CONCURRENCY": "2"}
    api_port, worker_port = free_port(), free_port()
    api_url, worker_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{worker_port}"
    api = start_gunicorn(pg_app, tmp_path / "api.log", api_port, **env)
    worker = None
    try:
        wait_until(lambda: answers(api_url + "/healthz"), 60, "gunicorn to serve")  # it empties the directory first
        no_worker = worker_health(pg_app)
        assert no_worker.returncode == 1 and "no RQ worker registered" in json.loads(no_worker.stdout)["error"]
        worker = start_worker(pg_app, tmp_path / "worker.log", "--http-port", str(worker_port),
                              "--http-host", "127.0.0.1", **env)
        for _ in range(ME_CALLS):
            assert requests.get(api_url + "/api/v1/me", headers=auth, timeout=10).ok
        assert requests.get(api_url + "/api/v1/me", params={"token": other_token}, timeout=10).status_code == 401
        assert requests.get(api_url + "/api/v1/me", headers=bearer(other_token + "x"), timeout=10).status_code == 401
        wait_until(lambda: receiver.received("/hook"), 60, "the worker to deliver the event")
        wait_until(_planned, 60, "the worker to plan the account's invites")
        leased = requests.get(api_url + "/api/v1/extension/actions", headers=auth, timeout=10)
        assert leased.ok and leased.json()["actions"], leased.text

        found = scrape(api_url + "/metrics")
        me = {"method": "GET", "route": "/api/v1/me", "status": "200"}
        assert value(found, "socialscalr_http_requests_total", **me) == ME_CALLS  # both gunicorn workers, added up
        assert value(found, "socialscalr_http_request_duration_seconds_count", **me) == ME_CALLS
        assert value(found, "socialscalr_webhook_deliveries_total", outcome="delivered") >= 1  # an RQ work horse
        assert value(found, "socialscalr_webhook_delivery_lag_seconds_count") >= 1
        assert value(found, "socialscalr_planner_account_duration_seconds_count", result="ok") >= 1
        assert value(found, "socialscalr_planner_actions_planned_total") >= 1
        assert value(found, "socialscalr_action_leases_total", type="invite") == 1
        assert ("socialscalr_queue_jobs", (("queue", "webhook-deliveries"),)) in found

        from_worker = scrape(worker_url + "/metrics")  # the worker's own port: the same files
        assert value(from_worker, "socialscalr_webhook_deliveries_total", outcome="delivered") >= 1
        assert requests.get(worker_url + "/healthz", timeout=10).json()["status"] == "ok"
        ready = requests.get(worker_url + "/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok", ready.text
        # Work horses write under their worker's name: a file per process, not one per job.
        assert any(path.name.startswith("counter_horse") for path in metrics_dir.iterdir())
        assert len(list(metrics_dir.iterdir())) < 40
        probe = worker_health(pg_app)  # what the compose file's health check runs
        assert probe.returncode == 0, probe.stdout + probe.stderr
        # engine, 2 webhooks, publishing
        assert json.loads(probe.stdout)["checks"]["workers"].startswith("4 registered")

        in_progress = _request_waiting_for_the_account(pg_app, api_url, auth, accounts["east"])
        api.sigterm()  # a deploy: gunicorn drains what it is answering
        wait_until(lambda: "Handling signal: term" in (tmp_path / "api.log").read_text(), 30, "gunicorn's SIGTERM")
        assert in_progress() == 200
        assert api.wait(60) == 0
    finally:
        api.stop()
        if worker is not None:
            worker.stop()
    assert api.popen.returncode == 0 and worker.popen.returncode == 0

    api_lines, worker_lines = _json_lines(tmp_path / "api.log"), _json_lines(tmp_path / "worker.log")
    for path in ("api.log", "worker.log"):
        text = (tmp_path / path).read_text()
        assert token not in text and other_token not in text and other_token[3:12] not in text, path
    requests_logged = [line for line in api_lines if line["logger"] == "app.access"]
    assert len(requests_logged) >= ME_CALLS + 2
    assert all(line["request_id"] and line["route"] for line in requests_logged)
    mine = [line for line in requests_logged if line["route"] == "/api/v1/me" and line["status"] == 200]
    assert len(mine) == ME_CALLS and {line["team_id"] for line in mine} == {team_id}
    assert all("?" not in line["path"] for line in requests_logged)  # never a query string
    assert any(line.get("job_id") for line in worker_lines), "no worker line names its job"

