"""Check a pooled database connection before use only when it sat idle: a round trip saved on busy requests.

`pool_pre_ping` pings on every checkout, which is a round trip to the database on every request. A
connection that was checked in moments ago is almost surely alive; one that sat idle may have been cut
(a restart, an idle timeout). This is SQLAlchemy's "pessimistic" checkout recipe, limited to idle
connections: a failed ping raises DisconnectionError, and the pool replaces the connection.
A connection lost inside the idle window surfaces as an error on first use; the token lookup, the first
query of every API request, retries it once on a fresh connection (see app.tokens).
"""

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_SECONDS_BEFORE_PING = 1.0
_CHECKED_IN_AT = "socialscalr.checked_in_at"


def ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _remember_checkin(dbapi_connection, record):
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_SECONDS_BEFORE_PING:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping may have begun a transaction; hand the connection over idle
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"idle connection failed its ping: {error}") from error
