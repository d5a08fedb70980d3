"""`emit`: the one way a change announces itself to webhook consumers.

The event row is added to the caller's session and committed with the change it
reports (transactional outbox): an event exists if and only if its change does.
Relaying it to endpoints happens after the commit, on the workers.
"""

import uuid

from app.extensions import db
from app.models import WebhookEvent
from app.models.types import utcnow

EVENT_NAMES = (
    "leads.scraped",
    "lead.invited",
    "lead.messaged",
    "post.published",
    "post.failed",
    "comment.posted",
)


def emit(team_id: uuid.UUID, event_name: str, data: dict) -> WebhookEvent:
    """Record an event in the current transaction; the caller commits (or rolls back) it with its change."""
    if event_name not in EVENT_NAMES:
        raise ValueError(f"unknown event {event_name!r}")
    event = WebhookEvent(team_id=team_id, name=event_name, data=data, created_at=utcnow())
    db.session.add(event)
    return event
