"""SocialDock's periodic job on the `engine` queue: the sandbox publisher (app/socialdock/sandbox.py)."""

from app.socialdock.sandbox import publish_due
from worker.context import with_app_context


@with_app_context
def publish_sandbox() -> int:
    """Publish (or fail, as asked) the sandbox targets that are due."""
    return publish_due()
