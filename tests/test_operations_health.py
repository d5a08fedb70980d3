"""The probes: /healthz and /readyz answer without a token and without counting against the budget, and /readyz
answers 503 naming the dependency that failed (PostgreSQL, Redis, migrations behind)."""

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import _settings

CLOSED_PORT = 1  # nothing listens there: connections are refused at once


@pytest.fixture
def probe_client(database_urls):
    """A client of an app built with some settings changed; its engine is disposed afterwards."""
    made = []

    def make(**overrides):
        app = create_app(_settings(database_urls["postgres"], **overrides))
        made.append(app)
        return app.test_client()

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_healthz_answers_without_a_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_every_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok",
                                   "checks": {"database": "ok", "migrations": "ok", "redis": "ok"}}


def test_probes_are_not_rate_limited(app, client):
    app.config["RATELIMIT_PER_MINUTE"] = 2
    for _ in range(5):
        for path in ("/healthz", "/readyz"):
            response = client.get(path)
            assert response.status_code == 200
            assert "X-RateLimit-Limit" not in response.headers
    assert client.get("/api/v1/me").status_code == 401  # the budget still counts elsewhere


def test_readyz_names_redis_when_it_does_not_answer(probe_client):
    response = probe_client(REDIS_URL=f"redis://127.0.0.1:{CLOSED_PORT}/0").get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["redis"].startswith("unreachable")
    assert body["checks"]["database"] == "ok"
    assert body["error"].startswith("not ready: redis: unreachable")


def test_readyz_names_the_database_when_it_does_not_answer(probe_client):
    url = f"postgresql+psycopg://postgres:hunter2@127.0.0.1:{CLOSED_PORT}/socialscalr?connect_timeout=2"
    response = probe_client(SQLALCHEMY_DATABASE_URI=url).get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"].startswith("unreachable")
    assert body["checks"]["redis"] == "ok"
    assert "database" in body["error"] and "hunter2" not in response.get_data(as_text=True)


def test_readyz_names_migrations_that_are_behind(probe_client, tmp_path):
    client = probe_client(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "never-migrated.sqlite3"))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == "ok"
    assert "socialscalr db upgrade" in body["checks"]["migrations"]
    assert body["error"].startswith("not ready: migrations:")


def test_the_probes_are_in_the_openapi_document_without_security(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/healthz", "/readyz"):
        operation = document["paths"][path]["get"]
        assert operation["security"] == []
    assert "503" in document["paths"]["/readyz"]["get"]["responses"]

