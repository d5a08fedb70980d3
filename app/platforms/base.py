"""One interface for every platform's own API (Facebook, Instagram, Threads, LinkedIn, TikTok, Reddit, Telegram,
YouTube): connect by the platform's OAuth, list what the login can act as, check, publish, find out whether a
publish happened, fetch metrics, and say what went wrong in one of four ways (`ErrorKind`).

An adapter knows one platform's HTTP API and nothing of our database: the SocialDock publisher
(`app.socialdock.live`) hands it a `PublishContext` and records what it learns. The one rule an adapter must keep is
**never twice**: before any request that may create something on the platform it calls `ctx.save(...)` (which is
committed before it returns) naming what it is about to do, and it records every id the platform gives back the
moment it has it. When an answer is lost, the publisher later calls `find_published` with that checkpoint, and only
when the platform says it did not happen does `publish` run again, resuming from the checkpoint.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime


class ErrorKind(enum.StrEnum):
    REFRESH_TOKEN = "refresh_token"  # the access token is no longer good: refresh, then retry once
    BAD_REQUEST = "bad_request"  # the platform refuses this post as it is: fail the target with the message
    RETRY_LATER = "retry_later"  # rate limited, busy or unreachable: try again after `retry_after`
    DISCONNECT = "disconnect"  # the connection was revoked or can no longer act: the account is disconnected


class PlatformError(Exception):
    """A platform's refusal, classified. `message` is in words a person understands (it becomes the target's
    `error`), `detail` is the platform's own code or text, kept for the log. `maybe_happened` marks a request
    that may have created something although no answer came back (a connection reset or a timeout after the
    request was sent): the publisher must ask `find_published` before publishing again."""

    def __init__(self, kind: ErrorKind, message: str, *, retry_after: float | None = None, status: int | None = None,
                 detail: str | None = None, maybe_happened: bool = False):
        super().__init__(message)
        self.kind, self.message, self.retry_after = ErrorKind(kind), message, retry_after
        self.status, self.detail, self.maybe_happened = status, detail, maybe_happened


@dataclass(frozen=True)
class AppCredentials:
    """The workspace's own app at the platform (configuration: SOCIALDOCK_<PLATFORM>_CLIENT_ID, ..._CLIENT_SECRET,
    ..._API_BASE, ..._AUTH_BASE; see app.platforms.config). `api_base` and `auth_base` point tests at fakes."""

    platform: str
    client_id: str
    client_secret: str
    api_base: str
    auth_base: str
    user_agent: str = "socialscalr/0.1 (+https://github.com/socialscalr)"
    extra: dict = field(default_factory=dict)


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None  # UTC; None: the platform gave no expiry
    refresh_expires_at: datetime | None = None
    scope: str | None = None
    extra: dict = field(default_factory=dict)  # e.g. the platform's user id returned with the token


@dataclass
class Identity:
    """One page, channel, organization, profile or chat the login can publish as. A Facebook page has its own
    token (`tokens`); the others act with the login's token (`tokens` None)."""

    platform_account_id: str
    username: str | None
    display_name: str | None
    tokens: TokenSet | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MediaItem:
    """One attachment from our media store. `url` is its public URL on this server (Range requests served), for
    platforms that pull; `open` reads its bytes for platforms that take uploads."""

    url: str
    mime_type: str
    size_bytes: int
    kind: str  # "image" or "video"
    file_name: str | None
    open: Callable[[], object]  # a binary file object, seekable

    def chunks(self, size: int, start: int = 0) -> Iterator[tuple[int, bytes]]:
        with self.open() as handle:
            handle.seek(start)
            offset = start
            while block := handle.read(size):
                yield offset, block
                offset += len(block)


@dataclass(frozen=True)
class PublishRequest:
    text: str
    title: str | None
    media: tuple[MediaItem, ...]
    metadata: dict
    target_ref: str  # stable per target (our target id in hex): what an adapter may use to recognise its own post


@dataclass(frozen=True)
class Published:
    platform_post_id: str
    platform_post_url: str | None = None


@dataclass
class PublishContext:
    """What `publish` and friends are handed for one target. `checkpoint` is what earlier attempts saved (empty on
    the first); `save(**values)` merges values into it and commits them before returning."""

    app: AppCredentials
    tokens: TokenSet
    account: Identity  # the connected page / channel / profile / chat
    request: PublishRequest
    checkpoint: dict
    save: Callable[..., None]
    started_at: datetime  # when the first attempt at this target began: posts older than this are not ours


@dataclass(frozen=True)
class Limit:
    """A platform limit: at most `count` calls of `action` per `seconds`, per `scope` ("account": the connected
    account, "app": our client id, "chat": Telegram's chat). The publisher queues (never hammers) to keep it."""

    action: str  # "publish", "upload_init", "request"
    count: int
    seconds: int
    scope: str = "account"


class PlatformAdapter(ABC):
    platform: str
    default_api_base: str  # e.g. "https://graph.facebook.com/v21.0"; configuration may point elsewhere
    default_auth_base: str  # where the consent page lives
    uses_pkce: bool = False  # send code_challenge (S256) in the authorize URL and code_verifier in the exchange
    limits: tuple[Limit, ...] = ()

    # --- connecting -----------------------------------------------------------------------------------------------
    @abstractmethod
    def authorize_url(self, app: AppCredentials, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        """The platform's consent page for our app, carrying `state` (and the PKCE challenge when `uses_pkce`)."""

    @abstractmethod
    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """The tokens for the code the platform sent back to our callback."""

    @abstractmethod
    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        """New tokens. Returns `refresh_token` None when the platform sent none (the caller keeps the old one)."""

    @abstractmethod
    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        """What this login can publish as (pages, channels, organizations, the profile itself)."""

    # --- publishing -----------------------------------------------------------------------------------------------
    @abstractmethod
    def check(self, request: PublishRequest) -> None:
        """Raise PlatformError(BAD_REQUEST) naming what this platform will not take (size, format, length) before
        anything is sent."""

    @abstractmethod
    def publish(self, ctx: PublishContext) -> Published:
        """Publish, resuming from `ctx.checkpoint`; `ctx.save` before every request that may create something."""

    @abstractmethod
    def find_published(self, ctx: PublishContext) -> Published | None:
        """After an answer was lost: the post if the platform has it (a container's state, a resumable session,
        the account's latest posts since `ctx.started_at`), None when it certainly did not happen. Read-only."""

    # --- metrics --------------------------------------------------------------------------------------------------
    def post_metrics(self, ctx: PublishContext, platform_post_id: str) -> dict:
        """Counts for one published post: any of impressions, reach, likes, comments, shares, views."""
        return {}

    def account_metrics(self, ctx: PublishContext) -> dict:
        """Counts for the account: any of followers, following, posts."""
        return {}
