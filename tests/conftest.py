"""Fixtures: real PostgreSQL and real Redis (plus SQLite), migrated once, emptied after each test.

Every test that takes `app` runs twice, on PostgreSQL and on SQLite. Tests that need
PostgreSQL alone (concurrency, SKIP LOCKED) take `pg_app`.
"""

import os
import threading
import uuid

import pytest
import redis as redis_lib
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Under pytest-xdist each worker ("gw0", "gw1", ...) gets its own database and its own Redis database,
# so parallel tests never truncate or flush each other's data.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_WORKER_NUMBER = int(_XDIST_WORKER[2:]) if _XDIST_WORKER.startswith("gw") else 0
PG_TEST_DB = os.environ.get("TEST_PG_DATABASE", "socialscalr_test") + (f"_{_XDIST_WORKER}" if _XDIST_WORKER else "")


def _redis_url_for_worker(base_url: str, worker_number: int) -> str:
    prefix, _, database = base_url.rpartition("/")
    return f"{prefix}/{(int(database or 0) + worker_number) % 16}"


TEST_REDIS_URL = _redis_url_for_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14"), _WORKER_NUMBER)


def pg_url(database: str = PG_TEST_DB) -> str:
    # A throwaway database: commits need not wait for the disk (the suite commits a great deal).
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database + "?options=-c%20synchronous_commit%3Doff"


def _recreate_pg_database():
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{PG_TEST_DB}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """Both databases, created and migrated (through Alembic, as in production) once per run."""
    _recreate_pg_database()
    urls = {
        "postgres": pg_url(),
        "sqlite": "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3"),
    }
    for url in urls.values():
        app = create_app(_settings(url))
        with app.app_context():
            upgrade()
            db.engine.dispose()
    return urls


def _settings(database_url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "WEBHOOKS_ALLOW_PRIVATE": True,
        "SECRET_KEY": "test-secret",
        **extra,
    }


def _empty_tables():
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                connection.execute(sa.text(f'DELETE FROM "{table}"'))


def _end_transaction(_error=None):
    db.session.rollback()


def _make_app(url: str, **extra):
    redis_lib.Redis.from_url(TEST_REDIS_URL).flushdb()
    app = create_app(_settings(url, **extra))
    # A test-client request runs in the test's own app context, so its session (and, on SQLite, the
    # write lock its transaction holds) would outlive the request; a served request ends it at teardown.
    app.teardown_request(_end_transaction)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture(params=["postgres", "sqlite"])
def app(request, database_urls):
    yield from _make_app(database_urls[request.param])


@pytest.fixture
def pg_app(database_urls):
    yield from _make_app(database_urls["postgres"])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_client():
    return redis_lib.Redis.from_url(TEST_REDIS_URL)


def make_user(email: str | None = None, team: str | None = None, role: str | None = None, plan: str = "pro"):
    """A user and its token, through the same service the CLI uses."""
    from app.users.service import create_user

    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    return create_user(email, "Test " + email.split("@")[0], team_name=team, role=role, plan=plan)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def user_and_token(app):
    return make_user()


@pytest.fixture
def auth(user_and_token):
    return bearer(user_and_token[1])


@pytest.fixture
def live_url(live_app):
    """The test module's `live_app` served over real HTTP on 127.0.0.1, for clients like the simulator."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


# The longest tests start first, so that under pytest-xdist they overlap the many short ones
# instead of running alone at the end.
LONGEST_FIRST = (
    "tests/test_engine_simulation.py",
    "tests/test_openapi_schemathesis.py",
    "tests/test_engine_concurrency.py",
    "tests/test_engine_properties.py",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order
