"""SocialDock webhooks: endpoints of the app's webhook machinery (outbox, relay, retries, delivery log, SSRF rules)
whose audience is `socialdock:<mode>`: they hear only SocialDock's events of the key's mode, signed with
`X-SocialDock-Signature` (app/webhooks/payload.py)."""

from app.errors import ApiError
from app.models import WebhookEndpoint
from app.socialdock.errors import DockError, bad_request, not_found
from app.socialdock.ids import parse_id
from app.socialdock.keys import DockCaller
from app.webhooks import service


def create(caller: DockCaller, url: str, events: list[str], secret: str | None) -> tuple[WebhookEndpoint, bool]:
    """(endpoint, whether its secret was generated here and must be shown once)."""
    try:
        endpoint = service.create_endpoint(caller.team_id, url, events, secret=secret, audience=caller.audience)
    except DockError:
        raise
    except ApiError as error:
        if error.status == 400:
            raise bad_request(error.message) from None
        raise DockError(error.status, "Conflict" if error.status == 409 else "Error", error.message) from None
    return endpoint, secret is None


def list_all(caller: DockCaller) -> list[WebhookEndpoint]:
    return service.list_endpoints(caller.team_id, caller.audience)


def delete(caller: DockCaller, webhook_id) -> None:
    key = parse_id("webhook", webhook_id)
    if key is None:
        raise not_found("webhook", webhook_id)
    try:
        service.delete_endpoint(caller.team_id, key, caller.audience)
    except ApiError as error:
        if error.status == 404:
            raise not_found("webhook", webhook_id) from None
        raise
