"""The current time, in one place, so tests can run the engine through simulated days.

Production reads the system clock. A test sets `app.config["CLOCK"]` to any
zero-argument callable returning an aware UTC datetime (and can advance it).
"""

from datetime import UTC, datetime

from flask import current_app, has_app_context


def now() -> datetime:
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)


class ManualClock:
    """A clock a test moves by hand."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        from datetime import timedelta

        self.current += timedelta(**delta)
        return self.current
