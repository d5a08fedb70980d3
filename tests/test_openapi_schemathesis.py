"""Schemathesis against the live app (PostgreSQL): every operation, every check, a bounded number of examples.

Each operation gets generated valid and invalid requests; every answer must match the document
(status declared, body shape, content type, headers) and the server must accept what the document
allows and refuse what it forbids. The state machine then chains operations through the links it
infers (create, then read, update and delete what was created).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import _make_app, bearer, make_user

EXAMPLES_PER_OPERATION = 15
STATEFUL_STEPS = 30
# Rotating the token would revoke the one the run authenticates with (covered by tests/test_me.py).
NOT_FUZZED = "/api/v1/me/token/rotate"
SETTINGS = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def live_app(database_urls):
    # The per-token rate limit would otherwise turn most generated requests into 429s.
    yield from _make_app(database_urls["postgres"], RATELIMIT_PER_MINUTE=1_000_000)


@pytest.fixture
def api_token(live_app):
    return make_user()[1]


@pytest.fixture
def api_schema(live_url, api_token):
    schema = schemathesis.openapi.from_url(f"{live_url}/api/v1/openapi.json")
    return schema.exclude(path=NOT_FUZZED)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_every_operation_answers_as_documented(case, api_token):
    case.call_and_validate(headers=bearer(api_token))


def test_chained_operations_answer_as_documented(api_schema, api_token):
    machine = api_schema.as_state_machine()

    class Authenticated(machine):
        def get_call_kwargs(self, case):
            return {"headers": bearer(api_token)}

    machine_settings = settings(SETTINGS, max_examples=5, stateful_step_count=STATEFUL_STEPS)
    Authenticated.run(settings=machine_settings)
