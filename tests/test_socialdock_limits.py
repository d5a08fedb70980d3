"""Per-workspace, per-plan budgets with the page's headers and 429 body; our API's budget is not shared."""

import time

import pytest

from app.ratelimit import KEY_PREFIX
from tests.conftest import bearer, make_user
from tests.socialdock_helpers import PREFIX, auth, workspace


def _fill(redis_client, team_id, count: int) -> None:
    """As if `count` requests had been made this minute (the budget's own Redis key)."""
    redis_client.set(f"{KEY_PREFIX}dock-workspace:{team_id}", count, ex=60)


@pytest.mark.parametrize("plan, limit", [("build", 100), ("accelerate", 500), ("unlimited", 1000)])
def test_each_plan_has_its_per_minute_limit(pg_app, redis_client, plan, limit):
    client = pg_app.test_client()
    user, key = workspace(plan, "test")
    first = client.get(f"{PREFIX}/accounts", headers=auth(key))
    assert first.headers["X-RateLimit-Limit"] == str(limit)
    assert first.headers["X-RateLimit-Remaining"] == str(limit - 1)
    reset = int(first.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61  # a Unix timestamp, within the minute
    _fill(redis_client, user.team_id, limit - 1)
    last = client.get(f"{PREFIX}/accounts", headers=auth(key))
    assert last.status_code == 200 and last.headers["X-RateLimit-Remaining"] == "0"
    refused = client.get(f"{PREFIX}/accounts", headers=auth(key))
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["data"] is None and body["error"]["message"] == "Too Many Requests"
    assert body["error"]["details"].startswith(f"Rate limit of {limit} requests/min exceeded. Retry after ")
    assert body["meta"]["retry_after"].endswith("Z") and body["meta"]["retry_after"] in body["error"]["details"]
    assert int(refused.headers["Retry-After"]) >= 1 and refused.headers["X-RateLimit-Remaining"] == "0"


def test_a_workspace_s_budget_is_shared_by_its_keys_and_by_no_one_else(pg_app, redis_client):
    client = pg_app.test_client()
    user, key = workspace("build", "live")
    _, second_key = workspace("build", "test", user=user)
    _, other = workspace("build", "live")
    for _ in range(100):
        assert client.get(f"{PREFIX}/webhooks", headers=auth(key if _ % 2 else second_key)).status_code == 200
    assert client.get(f"{PREFIX}/accounts", headers=auth(key)).status_code == 429
    assert client.get(f"{PREFIX}/accounts", headers=auth(other)).status_code == 200
    # Our API counts its own budget: SocialDock's requests did not use it.
    _, token = make_user()
    ours = client.get("/api/v1/me", headers=bearer(token))
    assert ours.status_code == 200 and ours.headers["X-RateLimit-Limit"] == "60"
    assert ours.headers["X-RateLimit-Remaining"] == "59"


def test_refusals_before_a_workspace_is_known_still_carry_the_headers(pg_app):
    client = pg_app.test_client()
    _, free_key = workspace("free")
    for headers in ({}, auth("sd_test_unknownunknownunknownunknownunkn"), auth(free_key)):
        answer = client.get(f"{PREFIX}/posts", headers=headers)
        assert answer.status_code in (401, 403)
        assert all(name in answer.headers for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining",
                                                        "X-RateLimit-Reset"))
