"""A statement compiled once into PostgreSQL's $n text (app.common.dollar_sql) answers as SQLAlchemy's execution
of the same statement does: its constants, expanded IN lists and repeated parameters kept in place."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Integer, bindparam, create_engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.common.dollar_sql import DollarStatement
from app.errors import ApiError
from app.extensions import db
from app.models import LinkedInAccount, Post
from app.scoping import get_plain_for_team
from tests.conftest import make_user


def test_a_dollar_statement_answers_as_sqlalchemy_does(pg_app):
    user, _ = make_user()
    now = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=UTC)
    for index, status in enumerate(("scheduled", "draft", "published", "scheduled")):
        db.session.add(Post(team_id=user.team_id, content=f"post {index} ü", status=status,
                            scheduled_for=now - timedelta(minutes=index)))
    db.session.add(Post(team_id=user.team_id, content="later", status="scheduled",
                        scheduled_for=now + timedelta(minutes=1)))
    db.session.commit()
    posts = Post.__table__.c
    statement = (select(posts.content, posts.scheduled_for)
                 .where(posts.team_id == bindparam("team"), posts.status.in_(["scheduled", "published"]),
                        posts.scheduled_for <= bindparam("now", type_=posts.scheduled_for.type),
                        posts.content != "never")
                 .order_by(posts.scheduled_for, posts.content).limit(10))
    values = {"team": user.team_id, "now": now}
    expected = db.session.execute(statement, values).all()

    compiled = DollarStatement(statement, ("team", "now", "unused"))
    with db.engine.connect() as connection:
        for _ in range(7):  # past psycopg's prepare threshold: the prepared statement answers alike
            answered = compiled.execute(connection, values)
            assert [tuple(row) for row in answered] == [tuple(row) for row in expected]
    assert [row.content for row in expected] == ["post 3 ü", "post 2 ü", "post 0 ü"]
    assert "$1" in compiled.text and "%(" not in compiled.text


def test_a_plain_read_answers_as_the_models_do_whatever_the_session_time_zone(pg_app):
    """The poll reads its account through a DollarStatement: timestamps come back in UTC (psycopg would answer them
    in the session's zone), every column by name, like the ORM row; another team's id finds nothing."""
    user, _ = make_user()
    seen_at = datetime(2026, 3, 2, 23, 30, 0, 250000, tzinfo=UTC)
    account = LinkedInAccount(team_id=user.team_id, profile_url="https://www.linkedin.com/in/plain/", name="Plain",
                              timezone="Europe/Paris", settings={"invitesPerDay": 7}, last_seen_at=seen_at)
    db.session.add(account)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("SET TIME ZONE 'Pacific/Kiritimati'")  # UTC+14: another calendar day
        row = get_plain_for_team(LinkedInAccount, user.team_id, account.id, connection=connection)
        other_team, _ = make_user()
        with pytest.raises(ApiError) as refused:
            get_plain_for_team(LinkedInAccount, other_team.team_id, account.id, connection=connection)
    assert refused.value.status == 404
    assert row.last_seen_at == seen_at and row.last_seen_at.utcoffset() == timedelta(0)
    assert row.last_seen_at.date() == seen_at.date()
    assert (row.id, row.team_id, row.timezone, row.settings) == (account.id, user.team_id, "Europe/Paris",
                                                                 {"invitesPerDay": 7})
    assert row.paced_ready_at is None


def test_a_lost_connection_is_an_sqlalchemy_error_and_the_pool_replaces_it(pg_app):
    """A DollarStatement runs on the driver's connection itself: a connection PostgreSQL dropped must still surface as
    SQLAlchemy's error (the app's handlers know those) and leave the pool, so the next checkout works."""
    statement = DollarStatement(select(bindparam("value", type_=Integer)), ("value",))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert statement.execute(connection, {"value": 1}) == [(1,)]
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({backend})")
        with pytest.raises(OperationalError) as lost:
            statement.execute(connection, {"value": 2})
        assert lost.value.connection_invalidated
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert statement.execute(connection, {"value": 3}) == [(3,)]
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != backend


def test_a_lost_database_retires_every_pooled_connection(pg_app):
    """After PostgreSQL restarts every pooled connection is dead. SQLAlchemy's execution, on meeting one, retires all
    those opened before it (the pool's invalidation): a DollarStatement must too, or each dead connection would fail
    a request in turn (a busy pool's connections are not pinged: app.pool_ping)."""
    statement = DollarStatement(select(bindparam("value", type_=Integer)), ("value",))
    with db.engine.connect() as first, db.engine.connect() as second:
        for connection in (first, second):
            assert statement.execute(connection, {"value": 1}) == [(1,)]
    outside_the_pool = create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with outside_the_pool.connect() as killer:  # as a restart would: every other backend of this database ends
        killer.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    outside_the_pool.dispose()
    with db.engine.connect() as connection, pytest.raises(OperationalError):
        statement.execute(connection, {"value": 2})
    with db.engine.connect() as connection:
        assert statement.execute(connection, {"value": 3}) == [(3,)]


def test_a_write_on_a_connection_not_yet_begun_commits_with_it(pg_app):
    """psycopg begins a transaction of its own on a connection SQLAlchemy has not begun yet: SQLAlchemy must know
    of it, or the connection's commit() does nothing and the write is rolled back when the connection goes back."""
    user, _ = make_user()
    account = LinkedInAccount(team_id=user.team_id, profile_url="https://www.linkedin.com/in/begun/", name="Before")
    db.session.add(account)
    db.session.commit()
    accounts = LinkedInAccount.__table__
    rename = DollarStatement(update(accounts).where(accounts.c.id == bindparam("row_id", type_=accounts.c.id.type))
                             .values(name=bindparam("name", type_=accounts.c.name.type),
                                     updated_at=bindparam("now", type_=accounts.c.updated_at.type))
                             .returning(accounts.c.id), ("row_id", "name", "now"))
    with db.engine.connect() as connection:
        renamed = rename.execute(connection, {"row_id": account.id, "name": "After", "now": datetime.now(UTC)})
        assert renamed == [(account.id,)]
        connection.commit()
    db.session.expire_all()
    assert db.session.get(LinkedInAccount, account.id).name == "After"


def test_a_statement_leaving_a_column_to_its_python_default_is_refused():
    """SQLAlchemy computes a column's Python default (or onupdate, as `updated_at`'s) on each execution; compiled
    once, the statement would send None for it: a NULL written, or a NOT NULL refusal at run time."""
    accounts = LinkedInAccount.__table__
    rename = (update(accounts).where(accounts.c.id == bindparam("row_id", type_=accounts.c.id.type))
              .values(name=bindparam("name", type_=accounts.c.name.type)).returning(accounts.c.id))
    with pytest.raises(ValueError, match="updated_at"):
        DollarStatement(rename, ("row_id", "name"))
    with pytest.raises(ValueError, match="updated_at"):
        DollarStatement(select(rename.cte("renamed").c.id), ("row_id", "name"))
