"""The do-not-contact rule, in one place: lead creation, qualification, the planner and the lease all ask here.

A team's list holds the SHA-256 of each person's normalised profile URL (`app.models.DoNotContact`). The digest
is computed by the database too (PostgreSQL's `sha256`, a function registered on every SQLite connection), so
the planner and the lease filter listed people inside the queries that pick leads and actions.
"""

import hashlib
import sqlite3
import uuid
from datetime import datetime

from sqlalchemy import String, and_, event, exists, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.models import DoNotContact, Lead
from app.models.types import new_id
from app.scoping import team_select

LISTED_REASON = "on the team's do-not-contact list"
_SQLITE_FUNCTION = "socialscalr_sha256"


def profile_digest(normalized_url: str) -> str:
    return hashlib.sha256(normalized_url.encode("utf-8")).hexdigest()


class ProfileDigest(FunctionElement):
    """`profile_digest` of a column, computed by the database."""

    type = String()
    inherit_cache = True


@compiles(ProfileDigest, "postgresql")
def _digest_postgresql(element, compiler, **kw):
    return f"encode(sha256(convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')), 'hex')"


@compiles(ProfileDigest)
def _digest_sqlite(element, compiler, **kw):
    return f"{_SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def install(engine: Engine) -> None:
    """SQLite has no SHA-256: every connection gets ours (other engines: no-op)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _register_sqlite_function):
        event.listen(engine, "connect", _register_sqlite_function)


def _register_sqlite_function(dbapi_connection: sqlite3.Connection, connection_record) -> None:
    dbapi_connection.create_function(_SQLITE_FUNCTION, 1, lambda value: None if value is None else
                                     profile_digest(value), deterministic=True)


def lead_is_listed(lead=Lead):
    """SQL: this lead's person is on its team's list (correlated on `lead`)."""
    return exists(select(DoNotContact.id).where(DoNotContact.team_id == lead.team_id,
                                                DoNotContact.profile_digest == ProfileDigest(lead.profile_url)))


def lead_id_is_listed(lead_id_column):
    """SQL: the lead this column points at is a listed person (false when it points at none)."""
    return exists(select(Lead.id).where(Lead.id == lead_id_column, lead_is_listed(Lead)))


def listed_urls(team_id: uuid.UUID, normalized_urls) -> set[str]:
    """Which of these (normalised) URLs the team must not contact."""
    by_digest = {profile_digest(url): url for url in normalized_urls}
    digests, found = list(by_digest), set()
    for start in range(0, len(digests), 1000):
        found.update(db.session.scalars(team_select(DoNotContact, team_id, DoNotContact.profile_digest).where(
            DoNotContact.profile_digest.in_(digests[start:start + 1000]))))
    return {by_digest[digest] for digest in found}


def listed_pairs(pairs) -> set[tuple]:
    """Which (team_id, normalised URL) pairs are listed, for the planner's multi-team qualification."""
    by_team: dict = {}
    for team_id, url in pairs:
        by_team.setdefault(team_id, set()).add(url)
    return {(team_id, url) for team_id, urls in by_team.items() for url in listed_urls(team_id, urls)}


def add_to_list(team_id: uuid.UUID, normalized_urls, source: str, reason: str | None, now: datetime) -> list[str]:
    """List these people (INSERT ... ON CONFLICT DO NOTHING); returns the URLs that were not listed before.

    An erasure lists the person without the URL (`keep_url` false), and forgets a URL listed before."""
    urls = sorted(set(normalized_urls))
    if not urls:
        return []
    keep_url = source != "erasure"
    rows = [{"id": new_id(), "team_id": team_id, "profile_digest": profile_digest(url),
             "profile_url": url if keep_url else None, "source": source, "reason": reason,
             "created_at": now, "updated_at": now} for url in urls]
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite_dialect
    inserted = set(db.session.scalars(
        dialect.insert(DoNotContact).on_conflict_do_nothing(index_elements=["team_id", "profile_digest"])
        .returning(DoNotContact.profile_digest), rows).all())
    if not keep_url:
        forget_urls(team_id, urls, now)
    return [url for url in urls if profile_digest(url) in inserted]


def forget_urls(team_id: uuid.UUID, normalized_urls, now: datetime) -> int:
    """Keep the people listed, but no longer their URL or the reason typed for them (an erasure)."""
    digests = [profile_digest(url) for url in normalized_urls]
    return db.session.execute(
        update(DoNotContact).where(DoNotContact.team_id == team_id, DoNotContact.profile_digest.in_(digests),
                                   and_(DoNotContact.profile_url.is_not(None) | DoNotContact.reason.is_not(None)))
        .values(profile_url=None, reason=None, updated_at=now).execution_options(synchronize_session=False)
    ).rowcount or 0


def entry_for(team_id: uuid.UUID, normalized_url: str, for_update: bool = False) -> DoNotContact | None:
    statement = team_select(DoNotContact, team_id).where(DoNotContact.profile_digest == profile_digest(normalized_url))
    return db.session.scalar(statement.with_for_update() if for_update else statement)
