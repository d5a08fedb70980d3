"""The live keys' publishers: a platform's own API (app/socialdock/live.py publishes from a worker) for every
platform with an adapter, and for LinkedIn the account's kind decides: one connected through our extension
(`linkedin_account_id`) keeps publishing through the extension and our post engine, one connected with LinkedIn's
OAuth publishes through LinkedIn's REST adapter."""

from __future__ import annotations

from datetime import datetime

from app.clock import now as clock_now
from app.models import DockAccount, DockTarget
from app.platforms.base import PlatformError
from app.platforms.registry import adapter_for
from app.socialdock import live_context, targets
from app.socialdock.errors import bad_request
from app.socialdock.linkedin import LinkedInEnginePublisher
from app.socialdock.platforms import TargetJob, register_publisher


class PlatformApiPublisher:
    """`schedule` sets `due_at` (publish_now: due at once, `publishing`); the worker does the rest."""

    def check(self, index: int, account: DockAccount, text: str, title: str | None, media: list[dict],
              metadata: dict) -> None:
        """The adapter's own rules (size, format, length), 400 naming the target and the rule; also run again
        before sending."""
        where = f"targets[{index}] ({account.platform})"
        adapter = adapter_for(account.platform)
        if adapter is None:
            raise bad_request(f"{where}.platform: {account.platform} cannot publish with a live key on this server")
        chat = metadata.get("chat_id")
        if account.platform == "telegram" and chat is not None and str(chat) != account.platform_account_id:
            raise bad_request(f"{where}.metadata.chat_id: this account is the chat {account.platform_account_id}; "
                              "connect the other chat as an account of its own")
        items = live_context.media_items(account.team_id, media, where=f"{where}.media_urls")
        try:
            adapter.check(live_context.publish_request(text, title, items, metadata, ""))
        except PlatformError as error:
            raise bad_request(f"{where}: {error.message}") from None

    def schedule(self, job: TargetJob, account, target: DockTarget) -> None:
        target.due_at = job.publish_at or clock_now()
        if job.publish_at is None:
            target.status = "publishing"  # under way at once

    def reschedule(self, job: TargetJob, target: DockTarget) -> None:
        target.due_at = job.publish_at or clock_now()

    def withdraw(self, target: DockTarget, reason: str | None, now: datetime) -> bool:
        if target.leased_until is not None and target.leased_until > now:
            return False  # a worker is talking to the platform now: its outcome ends the target
        target.due_at = None
        if reason is not None:
            targets.finish(target, now, published=False, error=targets.ended_unsent(target, reason))
        return True


class LinkedInPublisher:
    """LinkedIn by account kind: the extension's engine, or LinkedIn's REST API."""

    def __init__(self, engine: LinkedInEnginePublisher, api: PlatformApiPublisher):
        self.engine, self.api = engine, api

    def check(self, index, account: DockAccount, text, title, media, metadata) -> None:
        if account.linkedin_account_id is None:
            self.api.check(index, account, text, title, media, metadata)

    def schedule(self, job: TargetJob, account: DockAccount, target: DockTarget) -> None:
        (self.engine if account.linkedin_account_id is not None else self.api).schedule(job, account, target)

    def reschedule(self, job: TargetJob, target: DockTarget) -> None:
        (self.engine if target.engine_post_id is not None else self.api).reschedule(job, target)

    def withdraw(self, target: DockTarget, reason: str | None, now: datetime) -> bool:
        return (self.engine if target.engine_post_id is not None else self.api).withdraw(target, reason, now)


API_PUBLISHER = PlatformApiPublisher()
register_publisher("live", "*", API_PUBLISHER)
register_publisher("live", "linkedin", LinkedInPublisher(LinkedInEnginePublisher(), API_PUBLISHER))
