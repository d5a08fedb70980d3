"""Shared by the webhook tests: a real HTTP receiver on 127.0.0.1 and real RQ workers on the real Redis."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rq import Queue, Worker

from app.clock import ManualClock
from app.extensions import db
from app.queueing import QUEUE_GROUPS, redis_connection
from app.webhooks.outbox import emit


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a sender killed mid-request resets its connection: expected in these tests


class Receiver:
    """Records every request (path, headers, raw body, arrival time) and answers with scripted statuses per path
    (else 200), after `delays[path]` seconds when set. `max_in_flight` is the most requests it held at once."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: dict[str, list[int]] = defaultdict(list)
        self.default_status: dict[str, int] = {}
        self.reply_headers: dict[str, dict] = {}
        self.reply_bodies: dict[str, bytes] = {}
        self.echo_paths: set[str] = set()  # these answer with the body they were sent
        self.held_paths: set[str] = set()
        self.delays: dict[str, float] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": raw,
                                              "at": datetime.now(UTC)})
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
                    hold = self.path in receiver.held_paths
                    receiver.held_paths.discard(self.path)
                    scripted = receiver.statuses[self.path]
                    status = scripted.pop(0) if scripted else receiver.default_status.get(self.path, 200)
                if hold:
                    receiver.arrived.set()
                    receiver.release.wait(60)
                if self.path in receiver.delays:
                    time.sleep(receiver.delays[self.path])
                reply = raw if self.path in receiver.echo_paths else \
                    receiver.reply_bodies.get(self.path, b"ok" if status < 300 else b"nope")
                try:
                    self.send_response(status)
                    for name, value in receiver.reply_headers.get(self.path, {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the sender died while we held the request
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def script(self, path: str, *statuses: int) -> None:
        self.statuses[path].extend(statuses)

    def hold_next(self, path: str) -> None:
        """The next request to `path` waits for `release` before it is answered."""
        self.held_paths.add(path)

    def received(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def serve_receiver():
    """Generator for a `receiver` fixture: `yield from serve_receiver()`."""
    server = Receiver()
    yield server
    server.close()


def run_worker(app) -> None:
    """A real forking RQ worker on the real Redis, in burst mode: works the webhook queues until they are empty.

    The test's pooled connections are dropped first so the forked work horses never share one.
    """
    db.session.remove()
    db.engine.dispose()
    connection = redis_connection(app)
    queues = [Queue(name, connection=connection) for name in QUEUE_GROUPS["webhooks"]]
    Worker(queues, connection=connection).work(burst=True)


def sweep(app) -> dict:
    """The periodic sweeper, run here once (the ticker would run it every few seconds)."""
    from worker.webhook_jobs import sweep as sweep_job

    return sweep_job()


def use_manual_clock(app) -> ManualClock:
    clock = ManualClock(datetime.now(UTC))
    app.config["CLOCK"] = clock
    return clock


def register(client, headers, url: str, events=("*",), **extra) -> dict:
    response = client.post("/api/v1/webhooks", json={"url": url, "events": list(events), **extra}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def emit_committed(team_id, event_name: str = "lead.invited", data: dict | None = None):
    event = emit(team_id, event_name, data if data is not None else {"lead": {"name": "Ada Lovelace"}})
    db.session.commit()
    return event


def deliveries(client, headers, webhook_id: str) -> list[dict]:
    response = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["deliveries"]


def body_of(request: dict) -> dict:
    return json.loads(request["body"])


def start_worker_process(app, *args: str) -> subprocess.Popen:
    """`socialscalr worker` as a real process on the test's database and Redis, in a session of its own."""
    from tests.conftest import TEST_REDIS_URL

    db.session.remove()
    db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": TEST_REDIS_URL,
           "WEBHOOKS_ALLOW_PRIVATE": "1"}
    command = [str(Path(sys.executable).parent / "socialscalr"), "worker", *args]
    return subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop_worker_process(process: subprocess.Popen) -> None:
    """A warm shutdown (SIGTERM: current jobs finish), then SIGKILL for whatever is left of its session."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(10)
