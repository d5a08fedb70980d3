"""The `socialscalr dock` commands as a user runs them, SocialDock's own OpenAPI document and reference page, and
its envelope for what goes wrong outside a view (405, 413, 500)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from tests.conftest import make_user
from tests.socialdock_helpers import PREFIX, auth, workspace

SCRIPT = str(Path(sys.executable).parent / "socialscalr")


@pytest.fixture(name="run_cli")
def _run_cli(pg_app):
    env = {**os.environ, "DATABASE_URL": pg_app.config["SQLALCHEMY_DATABASE_URI"]}
    env.pop("REDIS_URL", None)

    def run(*args):
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=60)

    return run


def test_cli_creates_keys_sets_plans_and_renews(pg_app, run_cli):
    client = pg_app.test_client()
    user, _token = make_user("dock@example.com")
    created = run_cli("dock", "keys", "create", "--email", "dock@example.com")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("sd_live_") and "FREE" in created.stdout
    assert client.get(f"{PREFIX}/accounts", headers=auth(key)).status_code == 403
    planned = run_cli("dock", "plan", "--email", "dock@example.com", "--plan", "accelerate")
    assert planned.returncode == 0, planned.stderr
    answer = client.get(f"{PREFIX}/accounts", headers=auth(key))
    assert answer.status_code == 200 and answer.headers["X-RateLimit-Limit"] == "500"
    test_key = run_cli("dock", "keys", "create", "--email", "dock@example.com", "--test").stdout.split()[-1]
    assert test_key.startswith("sd_test_")
    assert run_cli("dock", "plan", "--email", "dock@example.com", "--plan", "gold").returncode != 0
    assert run_cli("dock", "keys", "create", "--email", "nobody@example.com").returncode == 1
    assert run_cli("dock", "keys", "revoke", "--email", "dock@example.com").returncode == 0
    assert client.get(f"{PREFIX}/accounts", headers=auth(test_key)).status_code == 401


def test_its_own_openapi_document_and_reference_page(pg_app):
    client = pg_app.test_client()
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    validate(document)
    assert document["info"]["title"] == "SocialDock API"
    assert f"{PREFIX}/posts/{{post_id}}" in document["paths"] and "/api/v1/posts" not in document["paths"]
    assert not any(path.startswith("/socialdock") for path in client.get("/api/v1/openapi.json").get_json()["paths"])
    page = client.get("/socialdock/docs")
    assert page.status_code == 200 and f"{PREFIX}/openapi.json".encode() in page.data


def test_method_size_and_unexpected_failures_answer_in_the_envelope(pg_app):
    client = pg_app.test_client()
    _, key = workspace("build", "test")

    def explode():
        raise RuntimeError("secret database password in a stack trace")

    pg_app.add_url_rule(f"{PREFIX}/explode", "explode", explode)
    failed = client.get(f"{PREFIX}/explode", headers=auth(key))
    assert failed.status_code == 500 and failed.get_json()["data"] is None
    assert "secret" not in failed.get_data(as_text=True)
    assert failed.headers["X-Request-ID"] in failed.get_json()["error"]["details"]
    wrong = client.patch(f"{PREFIX}/webhooks", headers=auth(key), json={})
    assert wrong.status_code == 405 and wrong.get_json()["error"]["message"] == "Method Not Allowed"
    big = client.post(f"{PREFIX}/posts", headers=auth(key), data=b"x" * (6 * 1024 * 1024),
                      content_type="application/json")
    assert big.status_code == 413 and set(big.get_json()) == {"data", "error", "meta"}
    # A token from the connect link that does not exist: a page saying so, not a crash.
    assert client.get("/socialdock/connect?token=tok_nope").status_code == 404
    assert client.get("/socialdock/media/nothing.jpg").status_code == 404
