"""Who a token belongs to, remembered for a few seconds, and forgotten at once when any identity changes.

Every API request needs its caller (token, user, role, plan). Reading it from the database costs more
than the rest of a small request, so each process keeps recent answers for IDENTITY_CACHE_SECONDS. The
answers are trusted only while Redis's *identity epoch* stands still: any commit that changes a token,
a user or a team writes a new random epoch after it commits (`_bump_after_commit`), and the rate limiter,
which asks Redis once per request anyway, reads the epoch in that same round trip. A request that finds
the epoch moved drops every remembered answer and reads the database: so a revoked token is refused by
every process from the moment the revocation's request has answered.

An answer read from the database is remembered only if the epoch did not move between the read and the
epoch check, so a revocation committed meanwhile cannot be papered over. Without Redis (embedded mode), or
while it does not answer, nothing is remembered and every request reads the database.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import redis
from flask import Flask, current_app
from sqlalchemy import Delete, Update, event
from sqlalchemy.orm import Session

from app.models import ApiToken, Team, User
from app.tokens import TOKEN_PATTERN, Caller, digest, lookup_caller, touch_if_stale

log = logging.getLogger(__name__)

EPOCH_KEY = "socialscalr:identity-epoch"
_EXTENSION = "socialscalr.identity_cache"
_CHANGED = "socialscalr.identity_changed"
_IDENTITY_TABLES = {ApiToken.__tablename__, User.__tablename__, Team.__tablename__}
_IDENTITY_CLASSES = (ApiToken, User, Team)
_NOT_READ = object()  # no epoch read yet by this process
MAX_ENTRIES = 10_000


@dataclass(slots=True)
class _Entry:
    caller: Caller
    last_used_at: object
    epoch: bytes
    filled_at: float


@dataclass(slots=True)
class Resolution:
    """A caller found for one request, not yet checked against the epoch."""

    caller: Caller | None
    token_digest: str
    last_used_at: object
    epoch: object  # the entry's epoch (from memory) or the epoch known before the database was read
    remembered: bool


class IdentityCache:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.entries: dict[str, _Entry] = {}
        self.epoch: object = _NOT_READ

    def resolve(self, token: str) -> Resolution:
        if not TOKEN_PATTERN.match(token):
            return Resolution(None, "", None, _NOT_READ, False)
        token_digest = digest(token)
        entry = self.entries.get(token_digest)
        if entry is not None and time.monotonic() - entry.filled_at < self.seconds:
            return Resolution(entry.caller, token_digest, entry.last_used_at, entry.epoch, True)
        epoch_before_read = self.epoch
        found = lookup_caller(token_digest)
        caller, last_used_at = found if found else (None, None)
        return Resolution(caller, token_digest, last_used_at, epoch_before_read, False)

    def forget_all(self) -> None:
        """Redis did not answer: changes made meanwhile may not move the epoch, so trust nothing remembered."""
        self.entries.clear()
        self.epoch = _NOT_READ

    def confirm(self, resolution: Resolution, epoch: bytes | None, now: datetime | None = None) -> Caller | None:
        """The caller, checked against the epoch Redis holds now (None: not known here, so trust no memory);
        `now` (default: the clock) dates the token's use."""
        if epoch is not None and epoch != self.epoch:
            self.entries.clear()
            self.epoch = epoch
        if resolution.caller is None and not resolution.remembered:
            return None
        if resolution.remembered and (epoch is None or resolution.epoch != epoch):
            found = lookup_caller(resolution.token_digest)  # read after the epoch: safe to remember under it
            if found is None:
                return None
            resolution.caller, resolution.last_used_at = found
            resolution.epoch = epoch
        last_used_at = touch_if_stale(resolution.caller.token_id, resolution.last_used_at, now)
        if epoch is not None and resolution.epoch == epoch:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            previous = self.entries.get(resolution.token_digest)
            filled_at = previous.filled_at if resolution.remembered and previous else time.monotonic()
            self.entries[resolution.token_digest] = _Entry(resolution.caller, last_used_at, epoch, filled_at)
        return resolution.caller


def identity_cache() -> IdentityCache:
    return current_app.extensions[_EXTENSION]


def _mark_identity_statements(orm_execute_state):
    statement = orm_execute_state.statement
    if orm_execute_state.execution_options.get("identity_bookkeeping"):
        return
    if isinstance(statement, Update | Delete) and statement.table.name in _IDENTITY_TABLES:
        orm_execute_state.session.info[_CHANGED] = True


def _mark_identity_rows(session, _flush_context, _instances):
    if any(isinstance(row, _IDENTITY_CLASSES) for row in (*session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _bump_after_commit(session):
    if not session.info.pop(_CHANGED, False):
        return
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        return  # embedded mode: nothing is remembered, nothing to forget
    try:
        redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1).set(EPOCH_KEY, uuid.uuid4().hex)
    except redis.RedisError as error:
        # Other processes may trust what they remember for up to IDENTITY_CACHE_SECONDS more.
        log.error("identity epoch not moved after a change of tokens, users or teams: %s", error)


def _forget_mark(session):
    session.info.pop(_CHANGED, None)


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = IdentityCache(app.config["IDENTITY_CACHE_SECONDS"])


event.listen(Session, "do_orm_execute", _mark_identity_statements)
event.listen(Session, "before_flush", _mark_identity_rows)
event.listen(Session, "after_commit", _bump_after_commit)
event.listen(Session, "after_soft_rollback", lambda session, _transaction: _forget_mark(session))
