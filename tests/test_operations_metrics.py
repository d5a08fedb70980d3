"""/metrics in one process (the test's): protected, and its numbers move when requests, plans, leases and
deliveries happen. Aggregation across gunicorn and RQ worker processes: tests/test_operations_stack.py."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.queueing import ENGINE_QUEUE, get_queue
from tests.conftest import bearer, make_user
from tests.engine_helpers import NO_GAP, Outreach
from tests.test_webhook_helpers import register, serve_receiver
from worker.webhook_jobs import deliver_endpoint, relay


def samples(client, headers=None) -> dict:
    """(sample name, sorted labels) -> value, from one scrape."""
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def receiver():
    yield from serve_receiver()


def test_metrics_need_the_token_when_one_is_configured(app, client):
    app.config["METRICS_TOKEN"] = "scrape-me-please"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers=bearer("wrong")).status_code == 403
    refused = client.get("/metrics", headers=bearer("wrong"))
    assert "METRICS_TOKEN" in refused.get_json()["error"]
    assert client.get("/metrics", headers=bearer("scrape-me-please")).status_code == 200


def test_without_a_token_only_this_host_may_scrape(app, client):
    assert client.get("/metrics").status_code == 200  # the test client calls from 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403


def test_requests_are_counted_and_timed_by_route_and_status(app, client):
    _, token = make_user()
    before = samples(client)
    for _ in range(2):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    lead_route = "/api/v1/leads/<uuid:lead_id>"
    assert client.get("/api/v1/leads/7d1f2c9e-3f3b-4b8e-9d55-111111111111", headers=bearer(token)).status_code == 404
    after = samples(client)
    me = {"method": "GET", "route": "/api/v1/me", "status": "200"}
    assert value(after, "socialscalr_http_requests_total", **me) - value(before, "socialscalr_http_requests_total",
                                                                           **me) == 2
    assert value(after, "socialscalr_http_request_duration_seconds_count", **me) - value(
        before, "socialscalr_http_request_duration_seconds_count", **me) == 2
    missing = {"method": "GET", "route": lead_route, "status": "404"}  # the route's pattern, never the id
    assert value(after, "socialscalr_http_requests_total", **missing) - value(
        before, "socialscalr_http_requests_total", **missing) == 1


def test_queue_depth_and_oldest_job_age_per_queue(app, client):
    get_queue(ENGINE_QUEUE).enqueue("os.getpid")
    get_queue(ENGINE_QUEUE).enqueue("os.getpid")
    found = samples(client)
    assert value(found, "socialscalr_queue_jobs", queue="engine") == 2
    assert value(found, "socialscalr_queue_jobs", queue="webhook-deliveries") == 0
    assert value(found, "socialscalr_queue_oldest_job_age_seconds", queue="engine") >= 0
    assert ("socialscalr_queue_oldest_job_age_seconds", (("queue", "webhooks"),)) in found


def test_plans_leases_pauses_and_deliveries_move_the_metrics(pg_app, receiver):
    client = pg_app.test_client()
    team = Outreach(pg_app, client)
    team.configure(gapMinutes=NO_GAP)
    hook = register(client, team.auth, receiver.url("/hook"), events=["lead.invited"])
    campaign = team.campaign()
    team.add_leads(campaign, ["ada", "grace", "alan"])
    before = samples(client)

    team.tick()
    offered = team.poll()
    assert [action["type"] for action in offered] == ["invite"]
    team.perform(offered[0])
    rejected = team.poll()  # the next invite: LinkedIn refuses it for the daily limit, and invites pause
    team.start(rejected[0])
    assert team.report(rejected[0], "failed", error="daily_invite_limit").status_code == 200
    relay()
    deliver_endpoint(hook["id"])
    after = samples(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("socialscalr_planner_account_duration_seconds_count", result="ok") >= 1
    assert moved("socialscalr_planner_actions_planned_total") >= 2
    assert moved("socialscalr_action_leases_total", type="invite") == 2
    assert moved("socialscalr_account_pauses_total", reason="daily_invite_limit") == 1
    assert value(after, "socialscalr_accounts_paused", reason="daily_invite_limit") == 1
    assert len(receiver.received("/hook")) == 1
    assert moved("socialscalr_webhook_deliveries_total", outcome="delivered") == 1
    assert moved("socialscalr_webhook_delivery_lag_seconds_count") == 1


def test_ended_leases_are_counted_by_what_became_of_them(pg_app):
    client = pg_app.test_client()
    team = Outreach(pg_app, client)
    team.configure(gapMinutes=NO_GAP)
    team.add_leads(team.campaign(), ["ada"])
    team.tick()
    assert len(team.poll()) == 1
    before = samples(client)
    team.tick(minutes=11)  # the lease (10 minutes) ended without a start: offered again
    after = samples(client)
    assert value(after, "socialscalr_action_leases_expired_total", result="offered_again") - value(
        before, "socialscalr_action_leases_expired_total", result="offered_again") == 1
