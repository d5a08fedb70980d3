"""SocialDock's periodic job on the `engine` queue: targets published from a worker once due (app/socialdock/due.py;
the sandbox's now)."""

from app.socialdock.due import publish_due
from worker.context import with_app_context


@with_app_context
def publish_due_targets() -> int:
    """Publish the targets that are due (the sandbox's: or fail them, as asked)."""
    return publish_due()
