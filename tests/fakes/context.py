"""Drive one adapter directly against its fake, without our database: a PublishContext whose `save` keeps the
checkpoint in a dict, and media items read from files. (The publisher's own tests drive adapters through
app.socialdock.live and the database.)"""

from __future__ import annotations

import mimetypes
import os
from datetime import UTC, datetime

from app.platforms.base import AppCredentials, Identity, MediaItem, PublishContext, PublishRequest, TokenSet


def app_for(adapter, fake, **extra) -> AppCredentials:
    return AppCredentials(platform=adapter.platform, client_id="test-client", client_secret="test-secret",
                          api_base=fake.url, auth_base=fake.url, user_agent="socialscalr-tests/1", extra=extra)


def media_file(path: str, url: str = "http://127.0.0.1:9/media/file", mime_type: str | None = None) -> MediaItem:
    mime = mime_type or mimetypes.guess_type(path)[0] or "application/octet-stream"
    return MediaItem(url=url, mime_type=mime, size_bytes=os.path.getsize(path), kind=mime.split("/")[0],
                     file_name=os.path.basename(path), open=lambda: open(path, "rb"))


def context(app: AppCredentials, tokens: TokenSet, account: Identity, *, text: str = "Hello from tests",
            title: str | None = None, media=(), metadata: dict | None = None, target_ref: str = "0" * 32,
            checkpoint: dict | None = None) -> PublishContext:
    saved = dict(checkpoint or {})
    ctx = PublishContext(app=app, tokens=tokens, account=account,
                         request=PublishRequest(text, title, tuple(media), dict(metadata or {}), target_ref),
                         checkpoint=saved, save=lambda **values: saved.update(values),
                         started_at=datetime.now(UTC))
    return ctx
