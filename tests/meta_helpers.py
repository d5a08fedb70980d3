"""Helpers for the Meta adapters' tests (Facebook, Instagram, Threads): small real media files, the OAuth round
trip against a fake, and a context for a connected account."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import parse_qs, urlparse

import requests

from app.platforms.base import Identity, TokenSet
from tests.fakes.context import app_for, context, media_file

JPEG_HEADER = bytes.fromhex("ffd8ffe000104a46494600010100000100010000")


def jpeg(path, size: int = 2048) -> str:
    """A file that starts and ends like a JPEG, padded to `size` bytes."""
    path.write_bytes(JPEG_HEADER + b"\0" * max(0, size - len(JPEG_HEADER) - 2) + b"\xff\xd9")
    return str(path)


def png(path) -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    body = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(
        b"IDAT", zlib.compress(b"\0\xff\0\0")) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return str(path)


def mp4(path, size: int = 300 * 1024) -> str:
    header = struct.pack(">I", 24) + b"ftypisom" + b"\0\0\x02\0" + b"isomiso2"
    path.write_bytes(header + b"\0" * (size - len(header)))
    return str(path)


def hosted(host, path: str, mime_type: str | None = None):
    """A MediaItem for a file in the media host's directory, with the URL the platform will fetch."""
    return media_file(path, url=host.url(path.rsplit("/", 1)[-1]), mime_type=mime_type)


def follow_consent(adapter, app, redirect_uri: str = "https://app.example/callback", state: str = "st-123"):
    """Open the authorize URL on the fake (it auto-approves) and return (url, query of our callback)."""
    url = adapter.authorize_url(app, redirect_uri, state, None)
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = urlparse(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    return url, {key: values[0] for key, values in parse_qs(location.query).items()}


def connected(adapter, fake, **extra) -> tuple:
    """(app, tokens): an account connected through the OAuth round trip."""
    app = app_for(adapter, fake, poll_interval=0.01, poll_attempts=5, **extra)
    _, query = follow_consent(adapter, app)
    return app, adapter.exchange_code(app, query["code"], "https://app.example/callback", None)


def publishing_context(app, tokens: TokenSet, account: Identity, **kwargs):
    return context(app, account.tokens or tokens, account, **kwargs)
