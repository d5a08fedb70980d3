"""The `socialscalr` console script, run as a user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_REDIS_URL, bearer

SCRIPT = str(Path(sys.executable).parent / "socialscalr")


@pytest.fixture
def run_cli(app):
    # Configured like the server it shares the database with, Redis included.
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": TEST_REDIS_URL}

    def run(*args):
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=60)

    return run


def test_users_create_prints_a_working_token_on_the_last_line(run_cli, client):
    result = run_cli("users", "create", "--email", "Grace@Example.com", "--name", "Grace Hopper", "--plan", "team")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ss_")
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["email"] == "grace@example.com" and me["plan"] == "team" and me["teamRole"] == "owner"

    team_name = result.stdout.split("of team: ")[1].splitlines()[0]
    joined = run_cli("users", "create", "--email", "bob@example.com", "--name", "Bob", "--team", team_name,
                     "--role", "admin")
    assert joined.returncode == 0, joined.stderr
    bob = client.get("/api/v1/me", headers=bearer(joined.stdout.strip().splitlines()[-1])).get_json()
    assert bob["teamRole"] == "admin" and bob["plan"] == "team"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--email", "dup@example.com", "--name", "Again"], "already exists"),
        (["--email", "x@example.com", "--name", "X", "--team", "No Such Team"], "no team named"),
        (["--email", "y@example.com", "--name", "Y", "--role", "boss"], "role"),
    ],
)
def test_users_create_failures_exit_non_zero_with_one_line(run_cli, args, message):
    assert run_cli("users", "create", "--email", "dup@example.com", "--name", "First").returncode == 0
    result = run_cli("users", "create", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_tokens_rotate_revokes_the_old_token(run_cli, client):
    old = run_cli("users", "create", "--email", "r@example.com", "--name", "R").stdout.strip().splitlines()[-1]
    for _ in range(2):  # the server now remembers who the token belongs to
        assert client.get("/api/v1/me", headers=bearer(old)).status_code == 200
    result = run_cli("tokens", "rotate", "--email", "r@example.com")
    assert result.returncode == 0, result.stderr
    new = result.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(new)).status_code == 200
    unknown = run_cli("tokens", "rotate", "--email", "nobody@example.com")
    assert unknown.returncode != 0 and "no user" in unknown.stderr


def test_keep_existing_leaves_a_working_token_alone_and_says_how_to_rotate(run_cli, client):
    first = run_cli("users", "create", "--email", "demo@example.com", "--name", "Demo", "--keep-existing")
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip().splitlines()[-1]
    again = run_cli("users", "create", "--email", "demo@example.com", "--name", "Demo", "--keep-existing")
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout and "tokens rotate --email demo@example.com" in again.stdout
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_tokens_rotate_says_the_old_token_stopped_working(run_cli):
    run_cli("users", "create", "--email", "s@example.com", "--name", "S")
    result = run_cli("tokens", "rotate", "--email", "s@example.com")
    assert "stopped working" in result.stdout
