"""One HTTP POST to a webhook endpoint, connected to the address that was checked.

urllib3 pools are keyed by the checked IP; the request carries the real Host header and
TLS verifies the certificate against the real host name, so a DNS answer that changes
between the check and the connection cannot redirect the request. Redirects are not
followed, at most RESPONSE_BODY_CAP bytes of the answer are read, and a send takes about
TOTAL_TIMEOUT seconds at most (CONNECT_TIMEOUT to connect).
"""

import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from app.webhooks.addresses import Target, UnsafeUrl, resolve

CONNECT_TIMEOUT = 3.0
TOTAL_TIMEOUT = 10.0
RESPONSE_BODY_CAP = 1024


@dataclass
class SendOutcome:
    status_code: int | None
    latency_ms: int
    response_body: str | None = None
    error: str | None = None
    retry_after_seconds: int | None = None
    # The request could not even be built (the event's data): retrying cannot help, and the endpoint is not to blame.
    unsendable: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _retry_after(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def _connection_failure(error: NewConnectionError, target: Target) -> str:
    """What the operating system said when connecting failed: refused, unreachable, reset..."""
    address = f"{target.ip}:{target.port}"
    cause = error.__cause__
    if isinstance(cause, ConnectionRefusedError):
        return f"connection refused: nothing accepts connections at {address}"
    reason = getattr(cause, "strerror", None) or str(cause or error)
    return f"connection failed: {reason} ({address})"[:500]


class PinnedSender:
    """Sends webhook requests; keeps connections alive across sends to the same checked address."""

    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        self._pools: dict[tuple, urllib3.HTTPConnectionPool] = {}
        self._targets: dict[str, Target] = {}

    def _target(self, url: str) -> Target:
        # Resolved and checked once per sender (one drain job); every connection goes to that address.
        target = self._targets.get(url)
        if target is None:
            target = self._targets[url] = resolve(url, self.allow_private)
        return target

    def _pool(self, target: Target):
        key = (target.scheme, target.ip, target.port, target.hostname)
        pool = self._pools.get(key)
        if pool is None:
            common = {"maxsize": 1, "retries": False, "block": False}
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    target.ip, target.port, server_hostname=target.hostname, assert_hostname=target.hostname,
                    cert_reqs="CERT_REQUIRED", **common,
                )
            else:
                pool = urllib3.HTTPConnectionPool(target.ip, target.port, **common)
            self._pools[key] = pool
        return pool

    def post(self, url: str, body: bytes, headers: dict) -> SendOutcome:
        started = time.monotonic()

        def elapsed_ms() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            target = self._target(url)
        except UnsafeUrl as error:
            return SendOutcome(None, elapsed_ms(), error=f"refused: {error}")
        try:
            response = self._pool(target).urlopen(
                "POST", target.path, body=body, headers={**headers, "Host": target.host_header},
                redirect=False, retries=False, assert_same_host=False, preload_content=False,
                timeout=urllib3.Timeout(total=TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT),
            )
        # NewConnectionError first: urllib3 2 makes it a subclass of ConnectTimeoutError, but a refused or
        # unreachable address is not a timeout.
        except NewConnectionError as error:
            return SendOutcome(None, elapsed_ms(), error=_connection_failure(error, target))
        except ConnectTimeoutError:
            return SendOutcome(None, elapsed_ms(), error=f"timeout: could not connect within {CONNECT_TIMEOUT:g} s")
        except Urllib3Timeout:
            return SendOutcome(None, elapsed_ms(), error=f"timeout: no answer within {TOTAL_TIMEOUT:g} s")
        except SSLError as error:
            return SendOutcome(None, elapsed_ms(), error=f"TLS error: {error}"[:500])
        except HTTPError as error:
            return SendOutcome(None, elapsed_ms(), error=f"connection error: {error}"[:500])
        body_text = self._read_capped(response, started + TOTAL_TIMEOUT)
        return SendOutcome(
            response.status, elapsed_ms(), response_body=body_text,
            retry_after_seconds=_retry_after(response.headers.get("Retry-After")),
        )

    def get(self, url: str, headers: dict | None = None, read_timeout: float = 30.0):
        """A GET to the checked address of `url` (the same SSRF rules as a webhook; used to fetch media by URL).

        Redirects are not followed (the caller checks a Location like any other URL) and the body is not read:
        the caller streams it, with its own cap, and closes the response. Raises UnsafeUrl or urllib3's HTTPError.
        """
        target = self._target(url)
        return self._pool(target).urlopen(
            "GET", target.path, headers={**(headers or {}), "Host": target.host_header},
            redirect=False, retries=False, assert_same_host=False, preload_content=False,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=read_timeout),
        )

    @staticmethod
    def _read_capped(response, deadline: float) -> str | None:
        data = b""
        finished = False
        try:
            while len(data) <= RESPONSE_BODY_CAP and time.monotonic() < deadline:
                chunk = response.read(RESPONSE_BODY_CAP + 1 - len(data))
                if not chunk:
                    finished = True
                    break
                data += chunk
        except (HTTPError, OSError):
            finished = False
        if finished:
            response.release_conn()
        else:
            # Unread bytes would corrupt the next request on this connection: drop it instead.
            response.close()
        return data[:RESPONSE_BODY_CAP].decode("utf-8", "replace") if data else None

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
