"""`Idempotency-Key` on every POST: the first answer is stored and replayed for 24 hours (RETENTION_IDEMPOTENCY_HOURS).

Keys are per user (a teammate's same key is another key). The same key with the same request
(method, path, query and body bytes) replays the stored status and body without running the view
(`Idempotent-Replayed: true`); with another request -> 409; while the first request is still
running -> 409. A 5xx answer is not stored (the key is released so a retry runs again), and a key
whose request never finished (the process died) is released after IN_FLIGHT_TIMEOUT.

An answer holding a secret (a top-level `token` or `secret`: a new API token, a webhook signing
secret) is never stored, since secrets are otherwise kept only as digests or in their own table: a
replay of it answers 409 saying the first request succeeded and its secret was shown only once.
Expired keys are deleted by the retention job (`purge_expired_keys`, app/privacy/retention.py).
"""

import hashlib
import json
from datetime import timedelta

from flask import Response, current_app, g, request
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.errors import ApiError
from app.extensions import db
from app.models import IdempotencyKey
from app.models.types import new_id, utcnow

HEADER = "Idempotency-Key"
KEEP_FOR_HOURS = 24
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)
SECRET_FIELDS = ("token", "secret")


def _request_digest() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _owned(team_id, user_id, key: str):
    return (IdempotencyKey.team_id == team_id) & (IdempotencyKey.user_id == user_id) & (IdempotencyKey.key == key)


def _claim(team_id, user_id, key: str, request_digest: str) -> bool:
    """Insert the in-flight marker; True when this request owns the key now."""
    now = utcnow()
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    inserted = db.session.execute(
        dialect.insert(IdempotencyKey)
        .values(id=new_id(), team_id=team_id, user_id=user_id, key=key, request_digest=request_digest,
                answer_withheld=False, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "user_id", "key"])
        .returning(IdempotencyKey.id)
    ).scalar()
    if inserted is not None:
        return True
    # An expired key, or one abandoned in flight, is taken over atomically.
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(_owned(team_id, user_id, key),
               (IdempotencyKey.created_at < now - keep_for())
               | (IdempotencyKey.status_code.is_(None) & (IdempotencyKey.updated_at < now - IN_FLIGHT_TIMEOUT)))
        .values(request_digest=request_digest, status_code=None, response_body=None, answer_withheld=False,
                created_at=now, updated_at=now)
        .returning(IdempotencyKey.id)
    ).scalar()
    return taken is not None


def keep_for() -> timedelta:
    """How long an answer is replayed and its key kept (RETENTION_IDEMPOTENCY_HOURS, at least a day by default)."""
    return timedelta(hours=int(current_app.config.get("RETENTION_IDEMPOTENCY_HOURS") or KEEP_FOR_HOURS))


def purge_expired_keys(now=None, kept_for: timedelta | None = None) -> int:
    """Delete every key older than its retention (run periodically by the retention job); returns how many."""
    cutoff = (now or utcnow()) - (kept_for or keep_for())
    deleted = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    db.session.commit()
    return deleted.rowcount or 0


def before_request():
    if request.method != "POST":  # first: a GET builds no header object to look for the key
        return None
    key = request.headers.get(HEADER)
    if key is None or getattr(g, "team_id", None) is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or any(ord(ch) < 32 or ord(ch) > 126 for ch in key):
        raise ApiError(400, f"{HEADER}: must be 1 to 255 printable ASCII characters")
    request_digest = _request_digest()
    user_id = g.current_user.id
    if _claim(g.team_id, user_id, key, request_digest):
        db.session.commit()
        g.idempotency_key = key
        return None
    stored = db.session.scalar(select(IdempotencyKey).where(_owned(g.team_id, user_id, key)))
    db.session.rollback()
    if stored is None:  # released between our insert and read: ask the client to retry
        raise ApiError(409, f"{HEADER}: a request with this key is in progress; retry shortly")
    if stored.status_code is None:
        raise ApiError(409, f"{HEADER}: a request with this key is still in progress; retry shortly")
    if stored.request_digest != request_digest:
        raise ApiError(409, f"{HEADER}: this key was already used with a different request; use a new key")
    if stored.answer_withheld:
        raise ApiError(409, f"{HEADER}: the first request with this key succeeded ({stored.status_code}), but its "
                            "answer held a secret, which is shown only once and never stored; it is not replayed")
    response = Response(stored.response_body or "", status=stored.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def after_request(response):
    key = g.pop("idempotency_key", None)
    if key is None:
        return response
    db.session.rollback()  # the view committed its work; anything left uncommitted is not part of the answer
    owned = _owned(g.team_id, g.current_user.id, key)
    if response.status_code >= 500 or response.is_streamed:
        db.session.execute(delete(IdempotencyKey).where(owned))
    else:
        body = response.get_data(as_text=True)
        withheld = _holds_secret(response, body)
        db.session.execute(update(IdempotencyKey).where(owned).values(
            status_code=response.status_code, response_body=None if withheld else body, answer_withheld=withheld,
            updated_at=utcnow()))
    db.session.commit()
    return response


def _holds_secret(response, body: str) -> bool:
    if not response.is_json or not any(f'"{name}"' in body for name in SECRET_FIELDS):
        return False
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and any(answer.get(name) for name in SECRET_FIELDS)


def init_app(app):
    app.before_request(before_request)
    app.after_request(after_request)
