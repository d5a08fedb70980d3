"""Our media store as a platform sees it, for fakes that pull files (Meta's image_url / video_url / file_url): a
loopback HTTP server over a directory, so a fake really downloads what a publish points at."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class MediaHost:
    def __init__(self, directory: str):
        handler = functools.partial(_Quiet, directory=str(directory))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> MediaHost:
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/{name}"
