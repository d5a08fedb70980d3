"""`emit`: the one way a change announces itself to webhook consumers.

The event row is added to the caller's session and committed with the change it
reports (transactional outbox): an event exists if and only if its change does.
Relaying it to endpoints happens after the commit, on the workers: a commit that
added events enqueues a relay job at once (a wake-up only; the periodic sweeper
relays anything whose wake-up was lost).
"""

import logging
import uuid

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import WebhookEvent
from app.models.types import utcnow
from app.models.webhooks import AUDIENCES, SOCIALSCALR
from app.webhooks.wakeups import wake_relay

log = logging.getLogger(__name__)

EVENT_NAMES = (
    "leads.scraped",
    "lead.invited",
    "lead.messaged",
    "post.published",
    "post.failed",
    "comment.posted",
)
# SocialDock's events (its page's names), for its own endpoints (audiences socialdock:live / socialdock:test).
DOCK_EVENT_NAMES = ("post_published", "post_failed")
ALL_EVENTS = "*"


def event_names(audience: str) -> tuple[str, ...]:
    return EVENT_NAMES if audience == SOCIALSCALR else DOCK_EVENT_NAMES
_EMITTED = "socialscalr.webhook_events_emitted"


def emit(team_id: uuid.UUID, event_name: str, data: dict, audience: str = SOCIALSCALR) -> WebhookEvent:
    """Record an event in the current transaction; the caller commits (or rolls back) it with its change.

    Only endpoints of the same `audience` receive it (our API's, or SocialDock's live or sandbox ones)."""
    if audience not in AUDIENCES or event_name not in event_names(audience):
        raise ValueError(f"unknown event {event_name!r} for {audience!r}")
    event = WebhookEvent(team_id=team_id, name=event_name, data=data, created_at=utcnow(), audience=audience)
    db.session.add(event)
    db.session.info[_EMITTED] = True
    return event


@sa_event.listens_for(Session, "after_commit")
def _wake_relay_after_commit(session):
    if not session.info.pop(_EMITTED, False):
        return

    try:
        wake_relay()
    except Exception:  # Redis down: the events are committed and the sweeper relays them
        log.warning("could not enqueue the webhook relay; the sweeper will pick the events up", exc_info=True)


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back_events(session):
    session.info.pop(_EMITTED, None)
