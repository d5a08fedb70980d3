"""SocialDock's periodic jobs on the `engine` queue: the sandbox's due targets (app/socialdock/due.py), live targets
through the platforms' APIs (app/socialdock/live.py) and the platforms' metrics (app/socialdock/live_metrics.py), and
forgetting the secrets of unfinished connections."""

from app.socialdock.connections import forget_expired
from app.socialdock.due import publish_due
from app.socialdock.live import publish_live
from app.socialdock.live_metrics import fetch_metrics
from worker.context import with_app_context


@with_app_context
def publish_due_targets() -> int:
    """Publish the targets that are due (the sandbox's: or fail them, as asked)."""
    return publish_due()


@with_app_context
def publish_live_targets() -> int:
    """Claim due live targets and publish them through their platforms' adapters."""
    return publish_live()


@with_app_context
def fetch_live_metrics() -> int:
    """Fetch the metrics of published live targets and connected accounts that are due."""
    return fetch_metrics()


@with_app_context
def forget_abandoned_connections() -> int:
    """Drop the secrets of expired, unfinished connections (a pasted bot token, a PKCE verifier)."""
    return forget_expired()
