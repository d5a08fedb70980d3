"""The bridge's use cases: each composes the domain services and is the one call its endpoint makes.

Each function commits its own transaction, so a change and the events reporting it
are written together or not at all.
"""

import uuid
from datetime import timedelta

from flask import current_app

from app import clock
from app.accounts.service import account_for_request, register_from_heartbeat
from app.caps.policy import account_policy
from app.caps.usage import pause_state, remaining_today
from app.common.fields import utc_iso
from app.engine import execution
from app.engine.observations import record_observation
from app.extensions import db
from app.leads.schemas import LeadSchema
from app.leads.service import add_leads
from app.socialdock.analytics import record_linkedin_post_metrics
from app.webhooks.outbox import emit
from extension_bridge.hostile import clean_strings
from extension_bridge.rendering import leased_action_json

DEFAULT_POLL_SECONDS = 30
DEFAULT_LEASE_SECONDS = 600


def poll_seconds() -> int:
    return int(current_app.config.get("EXTENSION_POLL_SECONDS", DEFAULT_POLL_SECONDS))


def lease_seconds() -> int:
    return int(current_app.config.get("EXTENSION_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def heartbeat(team_id: uuid.UUID, body: dict) -> dict:
    now = clock.now()
    linkedin = body["linkedinAccount"]
    account = register_from_heartbeat(team_id, linkedin["profileUrl"], linkedin.get("name"), body.get("timezone"),
                                      body.get("extensionVersion"), now)
    answer = {
        "accountId": account.id, "profileUrl": account.profile_url, "pollIntervalSeconds": poll_seconds(),
        "leaseSeconds": lease_seconds(), "limits": remaining_today(account, account_policy(account, now), now),
        "paused": pause_state(account, now),
        "serverTime": now,
    }
    db.session.commit()
    return answer


def scraped_leads(team_id: uuid.UUID, body: dict) -> dict:
    """The REST API's lead ingest; one `leads.scraped` per batch that added at least one lead."""
    added = add_leads(team_id, body["campaignId"], clean_strings(body["leads"]))
    if added.created:
        source = {key: value for key, value in (body.get("source") or {}).items() if value is not None}
        emit(team_id, "leads.scraped", {
            "campaignId": str(body["campaignId"]), "count": len(added.created),
            "leads": LeadSchema(many=True).dump(added.created), "source": source,
            "occurredAt": utc_iso(clock.now()),
        })
    db.session.commit()
    return {"campaignId": body["campaignId"], "added": len(added.created), "duplicates": added.duplicates,
            "refused": len(added.refused), "refusedLeads": added.refused}


def poll(team_id: uuid.UUID, account_id: str | None, limit: int) -> dict:
    """The actions leased to the calling account: on PostgreSQL each already rendered as its JSON text
    (extension_bridge.rendering), elsewhere plain dicts (PollAnswerSchema renders them without the ORM)."""
    lease_for = timedelta(seconds=lease_seconds())
    if db.engine.dialect.name == "postgresql":
        # One autocommit connection for the account's read and a lease that takes no lock (one pool checkout).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as reads:
            account = account_for_request(team_id, account_id, plain=True, connection=reads)
            leased = execution.lease(account, limit, clock.now(), lease_for, render=leased_action_json,
                                     autocommit=reads)
    else:
        # SQLite leases in the session's transaction: no connection of our own is held across it, as an in-memory
        # database's pool hands every checkout the session's own connection, and returning it rolls back.
        account = account_for_request(team_id, account_id, plain=True)
        leased = execution.lease(account, limit, clock.now(), lease_for)
    answer = {"actions": list(leased), "pollIntervalSeconds": poll_seconds()}
    if db.session().in_transaction():  # a poll that took the account's lock (or SQLite's): most polls used none
        db.session.commit()
    return answer


def start(team_id: uuid.UUID, action_id, body: dict):
    action = execution.start(team_id, action_id, body["leaseToken"], clock.now())
    db.session.commit()
    return _state(action)


def result(team_id: uuid.UUID, action_id, body: dict):
    answer = execution.report(team_id, action_id, body["leaseToken"], body["outcome"], body.get("occurredAt"),
                              body.get("error"), clean_strings(body.get("details") or {}), clock.now())
    db.session.commit()
    return _state(answer.action, answer.replayed)


def observation(team_id: uuid.UUID, body: dict) -> dict:
    answer = record_observation(team_id, body["type"], body["profileUrl"], body.get("occurredAt"),
                                body.get("profile") or {}, clock.now())
    db.session.commit()
    return answer


def post_metrics(team_id: uuid.UUID, body: dict) -> dict:
    metrics = {name: body[name] for name in ("views", "likes", "comments", "shares")}
    matched = record_linkedin_post_metrics(team_id, body["postUrl"], metrics, body.get("observedAt") or clock.now())
    db.session.commit()
    return {"postUrl": body["postUrl"], "matched": matched}


def _state(action, replayed: bool = False) -> dict:
    return {"id": action.id, "type": action.type, "status": action.status, "error": action.error,
            "completed_at": action.completed_at, "replayed": replayed}
