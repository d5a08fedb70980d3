import pytest

from tests.conftest import _make_app, bearer, make_user


def test_61st_request_in_a_minute_is_429_with_headers(client):
    _, token = make_user()
    for i in range(60):
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 200, i
        assert response.headers["X-RateLimit-Limit"] == "60"
        assert int(response.headers["X-RateLimit-Remaining"]) == 59 - i
        assert int(response.headers["X-RateLimit-Reset"]) > 1_700_000_000
    limited = client.get("/api/v1/me", headers=bearer(token))
    assert limited.status_code == 429
    assert "rate limit" in limited.get_json()["error"].lower()
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Remaining"] == "0"

    # The budget belongs to the token: another user's token is untouched.
    _, other = make_user()
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_budget_is_shared_across_endpoints_and_kept_in_redis(client, redis_client):
    _, token = make_user()
    for _ in range(30):
        client.get("/api/v1/me", headers=bearer(token))
        client.get("/api/v1/openapi.json", headers=bearer(token))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 429
    assert any(b"token:" in key for key in redis_client.keys("*"))


def test_unauthenticated_requests_are_limited_by_address(client):
    for _ in range(60):
        assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 429


@pytest.fixture
def generous_app(database_urls):
    yield from _make_app(database_urls["postgres"], RATELIMIT_PER_MINUTE=500)


def test_the_configured_budget_applies_even_after_another_app_was_made(generous_app):
    # RATELIMIT_PER_MINUTE is read per request: earlier apps of this process (other tests) used 60.
    client = generous_app.test_client()
    _, token = make_user()
    for _ in range(100):
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "500"
    assert response.headers["X-RateLimit-Remaining"] == "400"


@pytest.fixture
def app_with_redis_down(database_urls):
    # Nothing listens on port 1: every call to Redis fails at once.
    yield from _make_app(database_urls["postgres"], REDIS_URL="redis://127.0.0.1:1/0")


def test_a_redis_outage_does_not_take_the_api_down(app_with_redis_down):
    client = app_with_redis_down.test_client()
    _, token = make_user()
    for i in range(60):
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 200, i
        assert int(response.headers["X-RateLimit-Remaining"]) == 59 - i
    # Counted in this process's memory meanwhile: the budget still holds.
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 429


def _drop_connections_to(redis_client) -> int:
    """Close every connection to this test's Redis database but this one, as a Redis restart would."""
    database, own = redis_client.connection_pool.connection_kwargs.get("db", 0), redis_client.client_id()
    dropped = 0
    for connection in redis_client.client_list():
        if int(connection["db"]) == database and int(connection["id"]) != own:
            dropped += redis_client.client_kill_filter(_id=connection["id"])
    return dropped


def test_counting_stays_in_redis_after_a_dropped_connection_and_a_flushed_script_cache(client, redis_client):
    # Each process keeps its own connection for the count (app/redis_script.py); a restarted Redis closes it and
    # forgets the script. Neither may send the count to this process's memory, where other processes miss it.
    _, token = make_user()
    assert client.get("/api/v1/me", headers=bearer(token)).headers["X-RateLimit-Remaining"] == "59"
    redis_client.script_flush()
    assert _drop_connections_to(redis_client) >= 1
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "58"
    counts = [int(redis_client.get(key)) for key in redis_client.keys("socialscalr:budget:token:*")]
    assert counts == [2]
