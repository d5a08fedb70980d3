"""`socialscalr serve` as `make dev` runs it: the port from PORT, and an access log not buried by RQ."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import bearer, make_user

SCRIPT = str(Path(sys.executable).parent / "socialscalr")
JOB_CHATTER = "Job OK"  # what RQ logs for every job it finishes


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve(pg_app, tmp_path):
    """Start `socialscalr serve` in embedded mode on PORT; yields (url, read_output)."""
    processes = []

    def start(*args):
        port = _free_port()
        log = open(tmp_path / f"serve-{port}.log", "w+")
        env = {**os.environ, "DATABASE_URL": pg_app.config["SQLALCHEMY_DATABASE_URI"], "PORT": str(port)}
        env.pop("REDIS_URL", None)
        env.pop("LOG_LEVEL", None)
        process = subprocess.Popen([SCRIPT, "serve", *args], stdout=log, stderr=subprocess.STDOUT, env=env, text=True)
        processes.append((process, log))
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):  # bounded wait for the server to answer
            try:
                requests.get(url + "/api/v1/openapi.json", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)

        def output():
            log.flush()
            return Path(log.name).read_text()

        return url, output

    yield start
    for process, log in processes:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_for(output, text, attempts=300):
    for _ in range(attempts):
        if text in output():
            return True
        time.sleep(0.1)
    return False


def test_serve_listens_on_port_and_keeps_the_worker_quiet(serve):
    _, token = make_user()
    url, output = serve()
    assert requests.get(url + "/api/v1/me", headers=bearer(token), timeout=10).status_code == 200
    assert _wait_for(output, "GET /api/v1/me")  # the access log line
    assert "--verbose" in output()
    # The embedded worker runs its periodic jobs as soon as it starts (see the verbose test): give them time.
    time.sleep(5)
    assert JOB_CHATTER not in output()


def test_serve_verbose_logs_the_worker_jobs(serve):
    _, output = serve("--verbose")
    assert _wait_for(output, JOB_CHATTER)
