"""Media by URL: fetched with the webhooks' SSRF rules, capped, sniffed, stored under a random name, served back.

The fetch goes through app.webhooks.transport (https only, every resolved address public, the connection pinned
to the checked address, redirects followed by hand (at most MAX_REDIRECTS) and each one checked like the first).
The size cap of the kind (image or video) is checked against Content-Length before reading and counted while
reading. The type is sniffed from the first bytes (`filetype`), never taken from the name or the header, and must
be on the allow-list. The bytes are stored on local disk (SOCIALDOCK_MEDIA_DIR) and served at
`<prefix>/media/<name>` without a key, so platforms can pull them, with HTTP Range.

`SOCIALDOCK_MEDIA_TRUSTED_ORIGINS` (e.g. `http://127.0.0.1:8081`) lifts the https and address rules for exactly
those origins: local development and tests.
"""

import os
import secrets
import tempfile
from urllib.parse import urljoin, urlsplit

import filetype
from flask import current_app, url_for
from urllib3.exceptions import HTTPError

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockMedia
from app.socialdock.errors import DockError, bad_request
from app.socialdock.keys import DockCaller
from app.webhooks.addresses import UnsafeUrl
from app.webhooks.transport import PinnedSender

ALLOWED_TYPES = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
}
DEFAULT_CAPS = {"image": 10 * 1024 * 1024, "video": 512 * 1024 * 1024}
SNIFF_BYTES = 262  # what filetype needs to tell every type on the allow-list
CHUNK = 64 * 1024
MAX_REDIRECTS = 3
SERVE_ENDPOINT = "socialdock_public.media_file"


def caps() -> dict:
    configured = current_app.config.get("SOCIALDOCK_MEDIA_MAX_BYTES") or {}
    return {**DEFAULT_CAPS, **configured}


def media_dir() -> str:
    path = current_app.config.get("SOCIALDOCK_MEDIA_DIR") or os.path.join(current_app.instance_path,
                                                                          "socialdock-media")
    os.makedirs(path, exist_ok=True)
    return path


def media_url(row: DockMedia) -> str:
    return url_for(SERVE_ENDPOINT, name=row.storage_name, _external=True)


def storage_name_of(url: str) -> str | None:
    """The stored name when `url` is one of our media URLs (any host: the base URL may differ behind a proxy)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    marker = url_for(SERVE_ENDPOINT, name="X")[:-1]
    return path[len(marker):] if path.startswith(marker) and "/" not in path[len(marker):] else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def _refused(details: str) -> DockError:
    return bad_request(f"url: {details}")


def _open(url: str):
    """Follow at most MAX_REDIRECTS redirects, each URL checked; the final 200 response (unread) and its sender."""
    trusted = set(current_app.config.get("SOCIALDOCK_MEDIA_TRUSTED_ORIGINS") or ())
    for _ in range(MAX_REDIRECTS + 1):
        sender = PinnedSender(allow_private=_origin(url) in trusted)
        try:
            response = sender.get(url, headers={"User-Agent": "SocialDock-Media/1.0", "Accept": "image/*, video/*"})
        except UnsafeUrl as error:
            sender.close()
            raise _refused(f"{error}; media is only fetched from public https addresses") from None
        except HTTPError as error:
            sender.close()
            raise _refused(f"could not be fetched ({type(error).__name__})") from None
        if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
            url = urljoin(url, response.headers["Location"])
            response.close()
            sender.close()
            continue
        if response.status != 200:
            response.close()
            sender.close()
            raise _refused(f"the server answered HTTP {response.status}")
        return response, sender
    raise _refused(f"more than {MAX_REDIRECTS} redirects")


def _read(response, limit: int, into, size: int) -> int:
    """Copy the rest of the body into `into`; the total size, refused once it passes `limit`."""
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            return size
        size += len(chunk)
        if size > limit:
            raise bad_request(f"url: the file is larger than {limit // (1024 * 1024)} MB, the cap for this kind")
        into.write(chunk)


def fetch_media(caller: DockCaller, url: str, file_name: str | None) -> DockMedia:
    """Fetch, check and store the file (the caller commits the row)."""
    cap = caps()
    response, sender = _open(url)
    try:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max(cap.values()):
            raise bad_request(f"url: the file is {int(declared) // (1024 * 1024)} MB; at most "
                              f"{max(cap.values()) // (1024 * 1024)} MB")
        head = b""
        while len(head) < SNIFF_BYTES:
            chunk = response.read(SNIFF_BYTES - len(head))
            if not chunk:
                break
            head += chunk
        mime = filetype.guess_mime(head) if head else None
        if mime not in ALLOWED_TYPES:
            claimed = response.headers.get("Content-Type", "none")
            raise bad_request(f"url: the file is not an allowed image or video (its bytes are "
                              f"{mime or 'of no known media type'}; the server called it {claimed[:60]}); "
                              f"allowed: {', '.join(ALLOWED_TYPES)}")
        limit = cap["image" if mime.startswith("image/") else "video"]
        if declared and declared.isdigit() and int(declared) > limit:
            raise bad_request(f"url: the file is larger than {limit // (1024 * 1024)} MB, the cap for this kind")
        storage_name = secrets.token_urlsafe(18) + ALLOWED_TYPES[mime]
        directory = media_dir()
        handle = tempfile.NamedTemporaryFile(dir=directory, prefix=".part-", delete=False)
        try:
            with handle:
                handle.write(head)
                if len(head) > limit:
                    raise bad_request(f"url: the file is larger than {limit // (1024 * 1024)} MB")
                size = _read(response, limit, handle, len(head))
            os.replace(handle.name, os.path.join(directory, storage_name))
        except BaseException:
            os.unlink(handle.name)
            raise
    except (HTTPError, OSError) as error:
        raise _refused(f"the download broke off ({type(error).__name__})") from None
    finally:
        response.close()
        sender.close()
    row = DockMedia(team_id=caller.team_id, mode=caller.mode, source_url=url, file_name=file_name, mime_type=mime,
                    size_bytes=size, storage_name=storage_name, created_at=clock_now())
    db.session.add(row)
    db.session.flush()
    return row
