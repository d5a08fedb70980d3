"""The SIGTERM drill: a deploy stops a real `socialscalr worker` in the middle of a webhook delivery batch and of a
planner run; a new worker takes over; nothing is lost and nothing is done twice.

SIGTERM reaches the supervisor (as `docker stop` sends it to the container's first process), which passes it on
once to its worker processes: each finishes the job it holds (RQ's warm shutdown) and takes no other, so what
was still queued waits in Redis for the next worker.
"""

import pytest
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.models import Action, Lead, WebhookDelivery
from app.queueing import ENGINE_QUEUE, get_queue
from tests.conftest import bearer, make_user
from tests.ops_helpers import start_worker, team_with_accounts, wait_until, waiting_for_a_lock
from tests.test_webhook_helpers import emit_committed, register, serve_receiver

EVENTS = 40
RECEIVER_DELAY_SECONDS = 0.2  # 40 sends take 8 s: more than one drain's 5 s budget, so a batch is cut in two


@pytest.fixture
def receiver():
    yield from serve_receiver()


def _delivered_count(endpoint_id) -> int:
    count = db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "delivered"))
    db.session.rollback()
    return count


def test_sigterm_during_a_delivery_batch_loses_and_repeats_nothing(pg_app, receiver, tmp_path):
    client = pg_app.test_client()
    user, token = make_user()
    hook = register(client, bearer(token), receiver.url("/hook"), events=["lead.invited"])
    receiver.delays["/hook"] = RECEIVER_DELAY_SECONDS
    receiver.hold_next("/hook")  # the first send waits: the drain is certainly mid-batch when SIGTERM comes
    for number in range(EVENTS):
        emit_committed(user.team_id, "lead.invited", {"lead": {"name": f"lead {number}"}})

    first = start_worker(pg_app, tmp_path / "first.log", "--queues", "webhooks", "--webhook-workers", "1")
    try:
        assert receiver.arrived.wait(60), "the first worker never started sending"
        first.sigterm()
        receiver.release.set()
        assert first.wait(90) == 0, first.log_lines()[-20:]  # a clean exit: the drain finished, then it stopped
    finally:
        first.stop()
    sent_by_first = len(receiver.received("/hook"))
    assert 1 <= sent_by_first < EVENTS
    assert _delivered_count(hook["id"]) == sent_by_first  # every send it made was recorded before it left

    second = start_worker(pg_app, tmp_path / "second.log", "--queues", "webhooks", "--webhook-workers", "1")
    try:
        wait_until(lambda: _delivered_count(hook["id"]) == EVENTS, 120, "every delivery after the restart")
    finally:
        second.stop()
    received = receiver.received("/hook")
    delivery_ids = [request["headers"]["X-SocialScalr-Delivery"] for request in received]
    assert len(received) == EVENTS and len(set(delivery_ids)) == EVENTS  # all sent, none twice
    names = sorted(request["body"] for request in received)
    assert len(set(names)) == EVENTS


def _invites_per_lead() -> dict:
    rows = db.session.execute(
        select(Lead.profile_url, func.count(Action.id))
        .join(Action, (Action.lead_id == Lead.id) & (Action.type == "invite"), isouter=True)
        .group_by(Lead.profile_url)
    ).all()
    db.session.rollback()
    return dict(rows)


def test_sigterm_during_a_planner_run_loses_and_repeats_nothing(pg_app, tmp_path):
    client = pg_app.test_client()
    _, accounts = team_with_accounts(client, ["north", "south"])
    db.session.remove()
    db.engine.dispose()
    # Both accounts' rows locked, as a long request would hold them: the planner waits inside its run.
    blocker = create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"])
    held = blocker.connect()
    transaction = held.begin()
    held.execute(text("SELECT id FROM linkedin_accounts WHERE id::text = ANY(:ids) FOR UPDATE"),
                 {"ids": list(accounts.values())})
    first = start_worker(pg_app, tmp_path / "first.log", "--queues", "engine", "--engine-workers", "1")
    try:
        wait_until(lambda: waiting_for_a_lock(blocker), 60, "the planner to wait for an account's lock")
        first.sigterm()
        transaction.commit()  # the run goes on and ends; then the worker stops
        assert first.wait(90) == 0, first.log_lines()[-20:]
    finally:
        held.close()
        blocker.dispose()
        first.stop()
    assert get_queue(ENGINE_QUEUE).count >= 1  # left for the next worker: the other account's plan

    second = start_worker(pg_app, tmp_path / "second.log", "--queues", "engine", "--engine-workers", "1")
    try:
        wait_until(lambda: set(_invites_per_lead().values()) == {1}, 120, "an invite for every lead")
    finally:
        second.stop()
    assert len(_invites_per_lead()) == 6  # both accounts planned, each lead invited once: none lost, none twice
