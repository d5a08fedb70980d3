"""Jobs run outside any request: each one gets an application context of the worker's app."""

import functools

from flask import Flask, current_app, has_app_context

_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """The worker (or embedded thread) calls this once, before it takes jobs."""
    global _app
    _app = app


def worker_app() -> Flask:
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def with_app_context(func):
    """Run a job function inside an app context, and leave no session open behind it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return func(*args, **kwargs)
        with worker_app().app_context():
            from app.extensions import db

            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


__all__ = ["bind_app", "current_app", "with_app_context", "worker_app"]
