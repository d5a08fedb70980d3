"""Listeners told when a post ends (published, failed or cancelled), in the transaction that ends it.

The engine publishes posts and knows nothing of who else cares; a higher layer (SocialDock's targets, which
follow the post that carries them to LinkedIn) registers a listener at import time and adds its own changes and
events to the same transaction, so they commit or roll back with the post's.
"""

from collections.abc import Callable
from datetime import datetime

from app.models import Post

PostListener = Callable[[Post, datetime], None]
_listeners: list[PostListener] = []


def on_post_ended(listener: PostListener) -> PostListener:
    """Register `listener(post, now)`; usable as a decorator. Registering twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def post_ended(post: Post, now: datetime) -> None:
    """Called by whoever ends a post, after its status is set and before the commit."""
    for listener in _listeners:
        listener(post, now)
