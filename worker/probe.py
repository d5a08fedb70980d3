"""`socialscalr worker --http-port P`: the worker's own /healthz, /readyz and /metrics, served by its supervisor.

- /healthz: 200 while every worker process the supervisor runs is alive (503 naming the missing ones).
- /readyz: the API's readiness checks (PostgreSQL, Redis, migrations at head), plus the processes.
- /metrics: what this machine's workers counted (PROMETHEUS_MULTIPROC_DIR), same protection as the API's.

A worker on a machine of its own has no API beside it: this is how Prometheus and an orchestrator see it.
`socialscalr worker-health` (no port needed) is the probe a container runs instead (worker_health below).
"""

import json
import logging
import socket
import threading
from collections.abc import Callable

from flask import Flask
from rq import Worker
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.ops.exposition import may_scrape, scrape
from app.ops.health import Readiness, readiness
from app.queueing import redis_connection

log = logging.getLogger(__name__)


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def probe_app(app: Flask, processes: Callable[[], dict[str, str]]) -> Callable:
    """A WSGI app of three routes; `processes()` answers worker slot -> "ok" or what is wrong."""

    def process_checks(result: Readiness) -> None:
        for slot, state in processes().items():
            if state == "ok":
                result.checks[slot] = "ok"
            else:
                result.fail(slot, state)

    def wsgi(environ, start_response):
        request = Request(environ)
        with app.app_context():
            if request.path == "/healthz":
                result = Readiness()
                process_checks(result)
            elif request.path == "/readyz":
                result = readiness()
                process_checks(result)
            elif request.path == "/metrics":
                if not may_scrape(app, request.headers.get("Authorization", ""), request.remote_addr):
                    response = _json(403, {"error": "metrics: send Authorization: Bearer <METRICS_TOKEN>"})
                else:
                    payload, content_type = scrape(app)
                    response = Response(payload, content_type=content_type)
                return response(environ, start_response)
            else:
                return _json(404, {"error": "not found"})(environ, start_response)
        body = {"status": "ok" if result.ready else "unavailable", "checks": result.checks}
        if not result.ready:
            body["error"] = result.message
        return _json(200 if result.ready else 503, body)(environ, start_response)

    return wsgi


class ProbeServer:
    def __init__(self, app: Flask, host: str, port: int, processes: Callable[[], dict[str, str]]):
        self.server = make_server(host, port, probe_app(app, processes), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="socialscalr-probe", daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_port

    def start(self) -> "ProbeServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def worker_health(app: Flask) -> tuple[bool, dict]:
    """For `socialscalr worker-health`: readiness, and at least one live RQ worker of this host registered."""
    with app.app_context():
        result = readiness()
        if "redis" not in result.failing:
            hostname = socket.gethostname()
            mine = [worker for worker in Worker.all(connection=redis_connection(app)) if worker.hostname == hostname]
            if mine:
                result.checks["workers"] = f"{len(mine)} registered on {hostname}"
            else:
                result.fail("workers", f"no RQ worker registered on {hostname}")
    body = {"status": "ok" if result.ready else "unavailable", "checks": result.checks}
    if not result.ready:
        body["error"] = result.message
    return result.ready, body
