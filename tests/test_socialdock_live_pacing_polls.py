"""Polling a post the platform is still processing (a TikTok video, an Instagram Reel) is not a new publish: only
the attempt that starts the post spends a slot of the daily publish budget, so a video that takes a few minutes to
process is published in those minutes, not the next day."""

from datetime import UTC, datetime

import pytest

from app.clock import ManualClock
from app.platforms import registry
from app.platforms.base import ErrorKind, Limit, PlatformError
from tests.fakes.oauth_demo import DemoAdapter, FakeOAuthPlatform
from tests.socialdock_helpers import PREFIX, auth, workspace
from tests.socialdock_live_helpers import DEMO_CLIENT, configure_platform, connect_oauth, run_live

PLATFORM = "threads"


class ProcessingAdapter(DemoAdapter):
    """Uploads the video (the platform holds it: `container_id`), then answers "still processing" a few times."""

    limits = (Limit("publish", 1, 24 * 3600), Limit("request", 100, 3600))

    def __init__(self, platform: str, polls: int):
        super().__init__(platform)
        self.polls = polls

    def publish(self, ctx):
        if not ctx.checkpoint.get("container_id"):
            ctx.save(container_id="container-1")
        if self.polls > 0:
            self.polls -= 1
            raise PlatformError(ErrorKind.RETRY_LATER, f"{self.platform}: the video is still processing",
                                retry_after=60)
        return super().publish(ctx)


@pytest.fixture(name="demo")
def _demo(pg_app, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, PLATFORM, ProcessingAdapter(PLATFORM, polls=3))
    with FakeOAuthPlatform(identities=(("page-1", "First Page"),)) as fake:
        configure_platform(pg_app, PLATFORM, fake, *DEMO_CLIENT)
        yield fake


def test_a_post_still_processing_is_published_within_the_days_single_publish_slot(pg_app, demo):
    clock = ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    pg_app.config["CLOCK"] = clock
    client = pg_app.test_client()
    _, key = workspace()
    account_id = connect_oauth(client, key, PLATFORM)
    answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Our new video", "targets": [{"platform": PLATFORM, "account_id": account_id}]})
    assert answer.status_code == 200, answer.get_json()
    post_id = answer.get_json()["data"]["post_id"]
    for _minute in range(6):  # the first attempt uploads, three polls say "processing", the fifth publishes
        run_live(pg_app)
        clock.advance(seconds=61)
    target = client.get(f"{PREFIX}/posts/{post_id}", headers=auth(key)).get_json()["data"]["targets"][0]
    assert target["status"] == "published", target
    assert len(demo.posts) == 1
