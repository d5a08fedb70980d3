"""A Facebook page that publishes nothing stays connected: its token (and the user token it is renewed with, which
Facebook only exchanges while it is still valid) is renewed by the metrics job ahead of the ~60-day expiry."""

from datetime import UTC, datetime

from app.clock import ManualClock
from tests.fakes.meta_facebook import FakeFacebook
from tests.socialdock_helpers import PREFIX, auth, workspace
from tests.socialdock_live_helpers import configure_platform, connect_oauth, run_live, run_metrics


def test_an_idle_facebook_page_stays_connected_past_sixty_days(pg_app):
    # From the real now: token expiries are stamped from the real clock when a platform answers.
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    pg_app.config["CLOCK"] = clock
    client = pg_app.test_client()
    user, key = workspace()
    with FakeFacebook() as fake:
        fake.clock = lambda: clock().timestamp()  # Facebook's tokens live 60 days of the test's clock
        configure_platform(pg_app, "facebook", fake)
        account_id = connect_oauth(client, key, "facebook")
        for _step in range(15):  # 75 days of the periodic metrics job, nothing published
            clock.advance(days=5)
            run_metrics(pg_app)
        _, key = workspace(user=user)  # API keys expire too: a fresh one, as the dashboard gives
        status = client.get(f"{PREFIX}/accounts/status", headers=auth(key)).get_json()
        (account,) = status["data"]["accounts"]
        assert account["status"] == "active", account
        answer = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "Still here", "targets": [{"platform": "facebook", "account_id": account_id}]})
        assert answer.status_code == 200, answer.get_json()
        run_live(pg_app)
        assert [post["text"] for post in fake.published()] == ["Still here"]
