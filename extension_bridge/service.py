"""The bridge's use cases: each composes the domain services and is the one call its endpoint makes.

Each function commits its own transaction, so a change and the events reporting it
are written together or not at all.
"""

import uuid

from flask import current_app

from app import clock
from app.accounts.limits import pause_state, remaining_today
from app.accounts.service import account_for_request, register_from_heartbeat
from app.actions import service as actions
from app.actions.observations import record_observation
from app.common.fields import utc_iso
from app.extensions import db
from app.webhooks.outbox import emit
from extension_bridge.hostile import clean_strings

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
        "leaseSeconds": lease_seconds(), "limits": remaining_today(account, now), "paused": pause_state(account, now),
        "serverTime": now,
    }
    db.session.commit()
    return answer


def scraped_leads(team_id: uuid.UUID, body: dict) -> dict:
    """The REST API's lead ingest; one `leads.scraped` per batch that added at least one lead."""
    from app.leads.schemas import LeadSchema
    from app.leads.service import add_leads

    added = add_leads(team_id, body["campaignId"], clean_strings(body["leads"]))
    if added.created:
        source = {key: value for key, value in (body.get("source") or {}).items() if value is not None}
        emit(team_id, "leads.scraped", {
            "campaignId": str(body["campaignId"]), "count": len(added.created),
            "leads": LeadSchema(many=True).dump(added.created), "source": source,
            "occurredAt": utc_iso(clock.now()),
        })
    db.session.commit()
    return {"campaignId": body["campaignId"], "added": len(added.created), "duplicates": added.duplicates}


def poll(team_id: uuid.UUID, account_id: str | None, limit: int) -> dict:
    from datetime import timedelta

    account = account_for_request(team_id, account_id)
    leased = actions.lease_actions(team_id, account, limit, clock.now(), timedelta(seconds=lease_seconds()))
    answer = {"actions": list(leased), "pollIntervalSeconds": poll_seconds()}
    db.session.commit()
    return answer


def start(team_id: uuid.UUID, action_id, body: dict):
    action = actions.start_action(team_id, action_id, body["leaseToken"], clock.now())
    db.session.commit()
    return _state(action)


def result(team_id: uuid.UUID, action_id, body: dict):
    answer = actions.report_result(team_id, action_id, body["leaseToken"], body["outcome"], body.get("occurredAt"),
                                   body.get("error"), clean_strings(body.get("details") or {}), clock.now())
    db.session.commit()
    return _state(answer.action, answer.replayed)


def observation(team_id: uuid.UUID, body: dict) -> dict:
    answer = record_observation(team_id, body["type"], body["profileUrl"], body.get("occurredAt"),
                                body.get("profile") or {}, clock.now())
    db.session.commit()
    return answer


def _state(action, replayed: bool = False) -> dict:
    return {"id": action.id, "type": action.type, "status": action.status, "error": action.error,
            "completed_at": action.completed_at, "replayed": replayed}
