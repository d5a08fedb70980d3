"""A fake platform: a Flask app on a loopback port in a thread, with faults a test can arm.

Faults are armed per (method, path) and fire the next `times` matching requests:
- `status(429, retry_after=2)` / `status(401)` / `status(503)`: answer that status without acting;
- `lose_answer()`: act (the platform did it), then drop the connection before the answer is written, as when a
  proxy or the network fails after the platform accepted a publish;
- `reset()`: drop the connection before acting (nothing happened);
- `after_acting(502)`: act, then answer that status in place of the platform's answer, as a gateway or proxy does
  when the platform behind it acted but its answer never came back (a 502/504), or a platform's own 500 after it
  acted.
`fake.requests` records every request (method, path, headers, args, body size) so a test can count calls.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

from flask import Flask, Response, g, request
from werkzeug.serving import WSGIRequestHandler, make_server


@dataclass
class Fault:
    kind: str  # "status", "lose_answer", "reset", "after_acting"
    times: int = 1
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: str = ""


def status(code: int, *, retry_after: int | None = None, times: int = 1, body: str = "", headers=None) -> Fault:
    extra = dict(headers or {})
    if retry_after is not None:
        extra["Retry-After"] = str(retry_after)
    return Fault("status", times, code, extra, body)


def lose_answer(times: int = 1) -> Fault:
    return Fault("lose_answer", times)


def reset(times: int = 1) -> Fault:
    return Fault("reset", times)


def after_acting(code: int, *, body: str = "<html><body><h1>Bad Gateway</h1></body></html>", times: int = 1) -> Fault:
    return Fault("after_acting", times, code, {}, body)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass

    def log_error(self, *args, **kwargs):
        pass


def _drop(environ) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


class FakePlatform:
    """Subclass and add routes to `self.app` in `routes()`; start with `with Fake() as fake:` or `fake.start()`."""

    name = "fake"

    def __init__(self):
        self.app = Flask(f"fake_{self.name}")
        self.faults: dict[tuple[str, str], list[Fault]] = {}
        self.requests: list[dict] = []
        self.lock = threading.RLock()
        self.app.before_request(self._before)
        self.app.after_request(self._after)
        self.routes()
        self._server = None
        self._thread = None

    def routes(self) -> None:  # pragma: no cover - subclasses add theirs
        raise NotImplementedError

    # --- lifecycle ------------------------------------------------------------------------------------------------
    def start(self) -> FakePlatform:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    # --- faults ---------------------------------------------------------------------------------------------------
    def arm(self, method: str, path: str, fault: Fault) -> None:
        with self.lock:
            self.faults.setdefault((method.upper(), path), []).append(fault)

    def _take(self, kinds: tuple[str, ...]) -> Fault | None:
        with self.lock:
            queue = self.faults.get((request.method, request.path)) or []
            for fault in queue:
                if fault.kind in kinds and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def calls(self, method: str, path: str) -> int:
        return sum(1 for seen in self.requests if seen["method"] == method and seen["path"] == path)

    def _before(self):
        with self.lock:
            self.requests.append({"method": request.method, "path": request.path, "args": request.args.to_dict(),
                                  "headers": dict(request.headers), "size": request.content_length or 0})
        fault = self._take(("status", "reset"))
        if fault is None:
            g.lose_answer = self._take(("lose_answer",)) is not None
            g.after_acting = None if g.lose_answer else self._take(("after_acting",))
            return None
        if fault.kind == "reset":
            _drop(request.environ)
            return Response(status=500)
        return Response(fault.body, status=fault.status, headers=fault.headers,
                        content_type="application/json" if fault.body.startswith("{") else "text/plain")

    def _after(self, response):
        if g.get("lose_answer"):
            _drop(request.environ)
        if (fault := g.get("after_acting")) is not None:
            return Response(fault.body, status=fault.status,
                            content_type="application/json" if fault.body.startswith("{") else "text/html")
        return response
