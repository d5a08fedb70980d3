"""HTTP to a platform's API: read-only calls retried, anything that may create something sent exactly once.

`PlatformHttp.read` (GET and other safe calls) retries connection failures and 502/503/504 a few times with a
short backoff (urllib3's Retry). A Retry-After is never slept out in place (it could hold a worker for hours): it
becomes RETRY_LATER and the publisher moves the target's next attempt. `PlatformHttp.write` never retries: if the
connection breaks after the request went out, the platform may have acted, so it raises PlatformError(RETRY_LATER,
maybe_happened=True) and the publisher asks the adapter's `find_published` before anything is sent again. The
same holds for any 5xx answer to a write: a gateway's 502/504 (or a platform's own 500) can come after the platform
acted, so `write` raises RETRY_LATER with maybe_happened=True for every status >= 500 (a resumable upload's chunk
PUT then probes the session, read-only, before sending more). A 2xx answer the adapter cannot read (no JSON, no id)
is the same case: `unreadable(...)` is the error every adapter raises for it.

Both map the answers every platform shares: 401 -> REFRESH_TOKEN, 429 (and, for a read, 503 with Retry-After) ->
RETRY_LATER with the wait. Everything else comes back to the adapter, which knows its platform's error bodies.
"""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from app.logging_setup import redact_http_client_logs
from app.platforms.base import AppCredentials, ErrorKind, PlatformError

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
UPLOAD_READ_TIMEOUT = 120
DEFAULT_RETRY_AFTER = 60.0

# urllib3 logs every request's URL at DEBUG: Meta's tokens in query strings, Telegram's in the path. Never written.
redact_http_client_logs()


_NAMES = {"linkedin": "LinkedIn", "tiktok": "TikTok", "youtube": "YouTube"}


def display_name(platform: str) -> str:
    return _NAMES.get(platform, platform.capitalize())


def retry_after_seconds(response: requests.Response, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), else `default`."""
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            pass
    return default


class PlatformHttp:
    def __init__(self, app: AppCredentials, read_retries: int = 3):
        self.app = app
        self._reads = requests.Session()
        self._reads.headers["User-Agent"] = app.user_agent
        retry = Retry(total=read_retries, connect=read_retries, read=read_retries, status=read_retries,
                      backoff_factor=0.2, status_forcelist=(502, 503, 504), allowed_methods=None,
                      respect_retry_after_header=False, raise_on_status=False)
        self._reads.mount("http://", HTTPAdapter(max_retries=retry))
        self._reads.mount("https://", HTTPAdapter(max_retries=retry))
        self._writes = requests.Session()
        self._writes.headers["User-Agent"] = app.user_agent
        self._writes.mount("http://", HTTPAdapter(max_retries=0))
        self._writes.mount("https://", HTTPAdapter(max_retries=0))

    def url(self, path: str, base: str | None = None) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return (base or self.app.api_base).rstrip("/") + "/" + path.lstrip("/")

    def read(self, method: str, path: str, *, base: str | None = None, **kwargs) -> requests.Response:
        """A call that changes nothing on the platform (or is idempotent, like a resumable upload's status probe)."""
        kwargs.setdefault("timeout", (CONNECT_TIMEOUT, READ_TIMEOUT))
        try:
            response = self._reads.request(method, self.url(path, base), **kwargs)
        except requests.RequestException as error:
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.app.platform} could not be reached; will try again",
                                retry_after=DEFAULT_RETRY_AFTER, detail=type(error).__name__) from error
        return self._common(response)

    def write(self, method: str, path: str, *, base: str | None = None, **kwargs) -> requests.Response:
        """A call that may create something: sent once. A connection that breaks after sending may have acted."""
        kwargs.setdefault("timeout", (CONNECT_TIMEOUT, UPLOAD_READ_TIMEOUT))
        try:
            response = self._writes.request(method, self.url(path, base), **kwargs)
        except requests.ConnectTimeout as error:
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.app.platform} could not be reached; will try again",
                                retry_after=DEFAULT_RETRY_AFTER, detail="ConnectTimeout") from error
        except requests.ConnectionError as error:
            refused = "refused" in str(error).lower() or "NewConnectionError" in repr(error)
            raise PlatformError(ErrorKind.RETRY_LATER,
                                f"{self.app.platform} did not answer; checking whether it was published before "
                                "trying again", retry_after=5.0, detail=type(error).__name__,
                                maybe_happened=not refused) from error
        except requests.Timeout as error:
            raise PlatformError(ErrorKind.RETRY_LATER,
                                f"{self.app.platform} did not answer in time; checking whether it was published "
                                "before trying again", retry_after=5.0, detail="ReadTimeout",
                                maybe_happened=True) from error
        except requests.RequestException as error:
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.app.platform} request failed; will try again",
                                retry_after=DEFAULT_RETRY_AFTER, detail=type(error).__name__,
                                maybe_happened=True) from error
        return self._common(self._server_trouble(response))

    def _server_trouble(self, response: requests.Response) -> requests.Response:
        """A 5xx answer to a write: the platform (behind a proxy or gateway) may have acted before failing."""
        if response.status_code < 500:
            return response
        raise PlatformError(ErrorKind.RETRY_LATER, f"{display_name(self.app.platform)} is unavailable (HTTP "
                            f"{response.status_code}); checking whether it was published before trying again",
                            retry_after=retry_after_seconds(response, 30.0), status=response.status_code,
                            detail=response.text[:300], maybe_happened=True)

    def _common(self, response: requests.Response) -> requests.Response:
        if response.status_code == 401:
            raise PlatformError(ErrorKind.REFRESH_TOKEN, f"{self.app.platform} no longer accepts the access token",
                                status=401, detail=response.text[:300])
        if response.status_code == 429 or (response.status_code == 503 and "Retry-After" in response.headers):
            wait = retry_after_seconds(response)
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.app.platform} asked us to slow down; will try again "
                                f"in {int(wait)} s", retry_after=wait, status=response.status_code,
                                detail=response.text[:300])
        return response


def unreadable(platform: str, response: requests.Response, doing: str) -> PlatformError:
    """A 2xx answer to a write that carries no readable result: the platform acted, or may have; ask it first."""
    return PlatformError(ErrorKind.RETRY_LATER, f"{platform} answered without a readable result while trying to "
                         f"{doing}; checking whether it was published before trying again", retry_after=5.0,
                         status=response.status_code, detail=response.text[:300], maybe_happened=True)


def sleep_for(error: PlatformError, cap: float) -> bool:
    """Wait out a short RETRY_LATER in place (True) when it is at most `cap` seconds; False: leave it to the queue."""
    if error.kind is ErrorKind.RETRY_LATER and error.retry_after is not None and error.retry_after <= cap:
        time.sleep(error.retry_after)
        return True
    return False
