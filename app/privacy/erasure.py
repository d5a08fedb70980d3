"""Erasure: `DELETE /api/v1/people?profileUrl=...` removes what the team holds about one person.

Their leads are deleted. Their actions stay, because the caps count them (an erased invite still used a slot of
that day), but without the person: no lead, no text, no details, no error text. The same in the archive. Webhook
events that carried the person keep their name, time and counts but not the person; their delivery logs keep
status, attempts and codes but not the receiver's response body (it may echo the payload). Stored
idempotent answers that showed the person are deleted. The person is put on the do-not-contact list, by digest
only (app/suppression), so nothing of the URL is left while they are still never contacted again.

Actions whose lead had been deleted before the erasure no longer point at the person and are not found here.
"""

import json
import uuid
from datetime import datetime

from sqlalchemy import String, cast, delete, update

from app.common.profile_url import normalize_profile_url
from app.engine.do_not_contact import put_on_list
from app.extensions import db
from app.models import Action, ArchivedAction, IdempotencyKey, Lead, WebhookDelivery, WebhookEvent
from app.scoping import team_select

# What an event keeps when the person was its subject: never personal, and what counts are made of.
KEPT_EVENT_KEYS = ("campaignId", "actionId", "postId", "commentId", "count", "occurredAt")
_ERASED = {"erased": True}


def erase_person(team_id: uuid.UUID, profile_url: str, now: datetime) -> dict:
    """Erase (flushed, the caller commits) and answer what was erased."""
    url = normalize_profile_url(profile_url)
    listed = put_on_list(team_id, [url], "erasure", None, now)
    leads = db.session.scalars(team_select(Lead, team_id).where(Lead.profile_url == url).with_for_update()).all()
    lead_ids = [lead.id for lead in leads]
    names = {text for lead in leads for text in (lead.name, lead.first_name, lead.last_name) if text}
    erased = {"leads": len(leads), "actions": _strip_actions(Action, team_id, lead_ids),
              "archivedActions": _strip_actions(ArchivedAction, team_id, lead_ids)}
    if lead_ids:
        db.session.execute(delete(Lead).where(Lead.team_id == team_id, Lead.id.in_(lead_ids))
                           .execution_options(synchronize_session=False))
    # Full names only: a first name alone ("Ada") would match too much to be evidence of the person.
    personal = {url} | {name for name in names if " " in name.strip()}
    erased["webhookEvents"], erased["webhookDeliveries"] = _redact_events(team_id, url, personal)
    erased["idempotencyKeys"] = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.team_id == team_id, IdempotencyKey.response_body.contains(
            url, autoescape=True)).execution_options(synchronize_session=False)).rowcount or 0
    db.session.flush()
    return {"profileUrl": url, "erased": erased, "actionsCancelled": listed.actions_cancelled, "doNotContact": True}


def _strip_actions(model, team_id: uuid.UUID, lead_ids: list) -> int:
    """The action stays for the caps (account, type, status, due day); what it said, and to whom, goes."""
    if not lead_ids:
        return 0
    return db.session.execute(
        update(model).where(model.team_id == team_id, model.lead_id.in_(lead_ids))
        .values(lead_id=None, text=None, details={}, error=None)
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def _redact_events(team_id: uuid.UUID, url: str, personal: set[str]) -> tuple[int, int]:
    events = db.session.scalars(
        team_select(WebhookEvent, team_id).where(cast(WebhookEvent.data, String).contains(url, autoescape=True))
        .with_for_update()
    ).all()
    for event in events:
        event.data = _without_person(event.data, url, personal)
    event_ids = [event.id for event in events]
    deliveries = 0
    if event_ids:
        deliveries = db.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.team_id == team_id, WebhookDelivery.event_id.in_(event_ids))
            .values(last_response_body=None).execution_options(synchronize_session=False)
        ).rowcount or 0
    return len(events), deliveries


def _without_person(data, url: str, personal: set[str]) -> dict:
    """Every object naming the person (its `profileUrl`) becomes {"erased": true}; free text beside it goes.
    Whatever still mentions them afterwards is reduced to the keys that never hold personal data."""
    redacted = _redact(data, url)
    if isinstance(redacted, dict) and redacted != data:
        redacted.pop("text", None)
    text = json.dumps(redacted, ensure_ascii=False)
    if any(item in text for item in personal):
        kept = {key: data[key] for key in KEPT_EVENT_KEYS if isinstance(data, dict) and key in data}
        return {**kept, **_ERASED}
    return redacted


def _redact(value, url: str):
    if isinstance(value, dict):
        if value.get("profileUrl") == url:
            return dict(_ERASED)
        return {key: _redact(item, url) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, url) for item in value]
    return value

