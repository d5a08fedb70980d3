"""Sending pending deliveries of one endpoint (a drain): own the endpoint, claim, send, record, hand over.

A drain first owns its endpoint (`drain_until`, `drain_token`): one drain at a time per endpoint,
so a receiver never has more than one of our requests in flight. It then claims due rows in the
database (`claimed_until`, `claim_token`) before sending, so two workers never send the same
delivery at once; a worker that dies mid-send leaves claims that lapse after CLAIM_SECONDS and
the sweeper wakes another worker. Delivery is at least once: a consumer drops duplicates by
`X-SocialScalr-Delivery` (also `webhook-id`).

A drain sends for DRAIN_BUDGET_SECONDS at most, then hands over to a fresh job at the back of the
queue: endpoints take turns, and a slow receiver holds one worker for a few seconds at a time.
An RQ scheduled job wakes the endpoint at its next retry's time; the sweeper covers a lost wake-up.
"""

import time
import uuid

from flask import current_app

from app.clock import now as clock_now
from app.extensions import db
from app.models import WebhookEndpoint
from app.webhooks.claims import (
    DRAIN_BUDGET_SECONDS,
    Claimed,
    EndpointState,
    acquire_drain,
    claim_due,
    has_due,
    release,
    release_drain,
)
from app.webhooks.outcomes import SuccessBatch, record_outcome
from app.webhooks.payload import UnbuildableRequest, build_request
from app.webhooks.transport import PinnedSender, SendOutcome

CLAIM_BATCH = 50


def send_one(sender: PinnedSender, endpoint: EndpointState, delivery: Claimed) -> SendOutcome:
    now = clock_now()
    try:
        body, headers = build_request(delivery.event_name, delivery.event_data, str(delivery.id), endpoint.secret,
                                      now, endpoint.older_secrets(now), audience=endpoint.audience)
    except UnbuildableRequest as error:
        return SendOutcome(None, 0, error=f"not sent: the request could not be built: {error}"[:500],
                           unsendable=True)
    return sender.post(endpoint.url, body, headers)


def new_sender() -> PinnedSender:
    return PinnedSender(allow_private=bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")))


def deliver_due(endpoint_id) -> dict:
    """Send this endpoint's due deliveries, oldest first, within DRAIN_BUDGET_SECONDS.

    The first failed attempt ends the run (the rest waits: a dead endpoint must not hold a worker);
    whatever remains is left to the next wake-up. A drain that finds another one owning the endpoint
    leaves at once (`busy`): the owner looks for due rows again after it lets go. Returns counts and
    what to wake next.
    """
    result = {"delivered": 0, "failed": 0, "more": False, "retry_at": None, "busy": False}
    row = db.session.get(WebhookEndpoint, uuid.UUID(str(endpoint_id)))
    if row is None or not row.active:
        db.session.rollback()
        return result
    endpoint = EndpointState.of(row)
    db.session.rollback()
    token = acquire_drain(endpoint)
    if token is None:
        result["busy"] = True
        return result
    ran_dry = False
    try:
        ran_dry = _drain(endpoint, result)
    finally:
        db.session.rollback()
        release_drain(endpoint, token)
    # Rows relayed while this drain owned the endpoint had their wake-up turned away (busy): look once more.
    if ran_dry and not result["more"] and has_due(endpoint):
        result["more"] = True
    return result


def _drain(endpoint: EndpointState, result: dict) -> bool:
    """The sending loop of deliver_due; True when it stopped because nothing due was left."""
    started = time.monotonic()
    sender = new_sender()
    successes = SuccessBatch(endpoint)
    try:
        while time.monotonic() - started < DRAIN_BUDGET_SECONDS:
            claimed = claim_due(endpoint, CLAIM_BATCH)
            if not claimed:
                return True
            for index, delivery in enumerate(claimed):
                if time.monotonic() - started >= DRAIN_BUDGET_SECONDS:
                    successes.flush()
                    release(claimed[index:])
                    result["more"] = True
                    return False
                outcome = send_one(sender, endpoint, delivery)
                if outcome.ok:
                    successes.add(delivery, outcome)
                    result["delivered"] += 1
                    continue
                successes.flush()
                result["failed"] += 1
                retry_at = record_outcome(endpoint, delivery, outcome)
                if outcome.unsendable:
                    continue  # this event's fault, not the endpoint's: go on with the others
                result["retry_at"] = retry_at
                release(claimed[index + 1:])
                # Other rows that were due are still due: the sweeper wakes the endpoint again soon.
                return False
            successes.flush()
        result["more"] = True
        return False
    finally:
        sender.close()
