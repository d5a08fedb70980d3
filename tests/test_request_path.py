"""The request path survives PostgreSQL dropping its connections (a restart, a failover, an idle timeout)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from app import pool_ping
from tests.conftest import bearer, make_user


def _drop_every_connection_of(app):
    # From outside, as a restarting server would: every backend of the test database but this one ends.
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with engine.connect() as connection:
        ended = connection.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    assert ended >= 1


@pytest.mark.parametrize("idle_seconds_before_ping", [0, 3600], ids=["pinged-when-idle", "used-moments-ago"])
def test_requests_succeed_after_the_database_dropped_the_pooled_connections(pg_app, monkeypatch,
                                                                            idle_seconds_before_ping):
    # 0: every checkout counts as idle and is pinged; 3600: none is, so the token lookup meets the dead one.
    monkeypatch.setattr(pool_ping, "IDLE_SECONDS_BEFORE_PING", idle_seconds_before_ping)
    client = pg_app.test_client()
    _, token = make_user()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    _drop_every_connection_of(pg_app)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert client.get("/api/v1/campaigns", headers=bearer(token)).status_code == 200
