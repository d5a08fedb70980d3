"""Schemathesis against the live app on PostgreSQL: every operation, a bounded number of examples.

Generated valid and invalid requests go to every operation, then chains of calls through the links
schemathesis infers (create, then read, update, delete what was created). Every answer must match
the document: status declared, body shape, content type, headers, Allow on 405, and the server
must refuse what the document forbids.

Two checks are left out, each for a rule of the public contract that JSON Schema cannot state:
- `positive_data_acceptance` (a request the document allows must not be refused): the server
  refuses some schema-valid values with a 400 naming the field: a LinkedIn URL shape, control
  characters, a time in the future, a webhook host that resolves, an id that exists in your team.
- `use_after_free` (what DELETE answered 2xx for must then be 404): DELETE /posts/{id} cancels a
  post and DELETE /comments/{id} withdraws a draft; both stay listed with their new status, as the
  public contract says. Real deletes answer 404 afterwards (tests/test_campaigns.py, test_leads.py).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _make_app, make_user

EXAMPLES_PER_OPERATION = 5
# Rotating the token would revoke the one the run authenticates with (covered by tests/test_me.py).
NOT_FUZZED = "/api/v1/me/token/rotate"
SEED = "20261126"


@pytest.fixture
def live_app(database_urls):
    # The per-token rate limit would otherwise turn most generated requests into 429s.
    yield from _make_app(database_urls["postgres"], RATELIMIT_PER_MINUTE=1_000_000)


def test_every_operation_answers_as_the_document_says(live_app, live_url):
    _, token = make_user()
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_url}/api/v1/openapi.json",
        "-H", f"Authorization: Bearer {token}",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance,use_after_free",
        "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", SEED,
        # The coverage phase enumerates every boundary of every field: minutes, not seconds.
        "--phases", "examples,fuzzing,stateful",
        "--exclude-path", NOT_FUZZED, "--workers", "1", "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
