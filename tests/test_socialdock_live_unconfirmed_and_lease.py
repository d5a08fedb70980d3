"""Ending a live target never hides that it may be out: a target whose last answer was lost (`unconfirmed`) that is
withdrawn by a disconnect says "may have been published"; and a worker that keeps saving its progress keeps its
lease, so no second worker takes a long upload over."""

from datetime import UTC, datetime

import pytest

from app.clock import ManualClock
from app.platforms import registry
from app.platforms.base import ErrorKind, PlatformError
from app.socialdock import live
from tests.fakes.oauth_demo import DemoAdapter, FakeOAuthPlatform
from tests.socialdock_helpers import PREFIX, auth, workspace
from tests.socialdock_live_helpers import DEMO_CLIENT, configure_platform, connect_oauth, run_live

PLATFORM = "threads"


class LostAnswerAdapter(DemoAdapter):
    """Every request's answer is lost and the platform cannot tell whether the post is there."""

    def publish(self, ctx):
        ctx.save(step="create")
        raise PlatformError(ErrorKind.RETRY_LATER, f"{self.platform}: the answer was lost", maybe_happened=True)

    def find_published(self, ctx):
        return None


class SlowUploadAdapter(DemoAdapter):
    """Uploads in steps, each saved, for longer than a lease; a second worker tries to claim meanwhile."""

    clock: ManualClock
    claimed_meanwhile: list

    def publish(self, ctx):
        for chunk in range(3):
            ctx.save(step="upload", chunk=chunk)
            self.clock.advance(minutes=live.LEASE.total_seconds() / 60 - 1)
            self.claimed_meanwhile += live.claim(self.clock(), "another-worker")
        return super().publish(ctx)


@pytest.fixture(name="clock")
def _clock(pg_app):
    clock = ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    pg_app.config["CLOCK"] = clock
    return clock


def _connect_and_post(pg_app, fake, adapter, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, PLATFORM, adapter)
    configure_platform(pg_app, PLATFORM, fake, *DEMO_CLIENT)
    client = pg_app.test_client()
    _, key = workspace()
    account_id = connect_oauth(client, key, PLATFORM)
    answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Hello", "targets": [{"platform": PLATFORM, "account_id": account_id}]})
    assert answer.status_code == 200, answer.get_json()
    return client, key, account_id, answer.get_json()["data"]["post_id"]


def test_a_disconnect_says_an_unconfirmed_target_may_have_been_published(pg_app, clock, monkeypatch):
    with FakeOAuthPlatform(identities=(("page-1", "First Page"),)) as fake:
        client, key, account_id, post_id = _connect_and_post(pg_app, fake, LostAnswerAdapter(PLATFORM), monkeypatch)
        run_live(pg_app)  # the answer is lost: the target waits for its next attempt, unconfirmed
        answer = client.delete(f"{PREFIX}/accounts/{account_id}", headers=auth(key))
        assert answer.status_code == 200, answer.get_json()
        target = client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"]["targets"][0]
    assert target["status"] == "failed"
    assert "may have been published: check the account" in target["error"]


def test_saving_progress_keeps_the_lease_through_a_long_upload(pg_app, clock, monkeypatch):
    adapter = SlowUploadAdapter(PLATFORM)
    adapter.clock, adapter.claimed_meanwhile = clock, []
    with FakeOAuthPlatform(identities=(("page-1", "First Page"),)) as fake:
        client, key, _account_id, post_id = _connect_and_post(pg_app, fake, adapter, monkeypatch)
        run_live(pg_app)
        target = client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"]["targets"][0]
        assert adapter.claimed_meanwhile == []
        assert target["status"] == "published", target
        assert len(fake.posts) == 1
