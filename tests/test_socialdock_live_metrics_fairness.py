"""Review of issue 14: the metrics job keeps self-renewing (Meta) tokens alive and reaches every published post,
however many accounts and posts it holds."""

from datetime import UTC, datetime, timedelta

from app.clock import ManualClock
from app.extensions import db
from app.models import DockAccount, DockPost, DockTarget
from app.platforms.base import ErrorKind, PlatformError, TokenSet
from app.platforms.facebook import ADAPTER as FACEBOOK
from app.socialdock import live_metrics, vault
from tests.socialdock_helpers import workspace

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _account(team_id, platform: str, tokens: TokenSet) -> DockAccount:
    account = DockAccount(team_id=team_id, mode="live", platform=platform, status="active", connected_at=NOW,
                          metrics={}, platform_account_id=f"{platform}-{id(tokens)}", username="someone",
                          token_ciphertext=vault.seal_tokens(tokens), token_expires_at=tokens.expires_at)
    db.session.add(account)
    return account


def test_many_hourly_tokens_do_not_starve_a_meta_token_renewal(pg_app, monkeypatch):
    """YouTube / TikTok access tokens live an hour / a day and carry a refresh token: renew_expiring skips them, but
    they fill its batch (ordered by expiry), so a Facebook page token expiring in 3 days is never renewed."""
    pg_app.config["CLOCK"] = ManualClock(NOW)
    pg_app.config.update(SOCIALDOCK_YOUTUBE_CLIENT_ID="yt", SOCIALDOCK_YOUTUBE_CLIENT_SECRET="s",
                         SOCIALDOCK_FACEBOOK_CLIENT_ID="fb", SOCIALDOCK_FACEBOOK_CLIENT_SECRET="s")
    user, _key = workspace()
    for index in range(live_metrics.BATCH):
        _account(user.team_id, "youtube", TokenSet(f"yt-{index}", refresh_token=f"r-{index}",
                                                   expires_at=NOW + timedelta(minutes=30 + index)))
    meta = _account(user.team_id, "facebook", TokenSet("page-token", expires_at=NOW + timedelta(days=3)))
    db.session.commit()
    renewed = NOW + timedelta(days=60)
    monkeypatch.setattr(FACEBOOK, "refresh", lambda app, tokens: TokenSet("page-token-2", expires_at=renewed))
    for _run in range(3):  # three runs of the periodic job
        live_metrics.renew_expiring(NOW)
    db.session.expire_all()
    assert db.session.get(DockAccount, meta.id).token_expires_at == renewed


def test_posts_whose_metrics_cannot_be_read_do_not_starve_the_others(pg_app, monkeypatch):
    """A published post the platform no longer shows (deleted: 400/404 -> BAD_REQUEST) never gets metrics_fetched_at,
    so it is asked again every run, first in line (nulls first): BATCH of them and no other post gets numbers."""
    clock = ManualClock(NOW)
    pg_app.config["CLOCK"] = clock
    pg_app.config.update(SOCIALDOCK_FACEBOOK_CLIENT_ID="fb", SOCIALDOCK_FACEBOOK_CLIENT_SECRET="s")
    user, _key = workspace()
    account = _account(user.team_id, "facebook", TokenSet("page-token", expires_at=NOW + timedelta(days=50)))
    post = DockPost(team_id=user.team_id, mode="live", text="hi", status="published", published_at=NOW)
    db.session.add(post)
    db.session.flush()
    targets = [DockTarget(team_id=user.team_id, post_id=post.id, account_id=account.id, platform="facebook",
                          status="published", platform_post_id=f"gone-{index}", published_at=NOW - timedelta(hours=2))
               for index in range(live_metrics.BATCH)]
    alive = DockTarget(team_id=user.team_id, post_id=post.id, account_id=account.id, platform="facebook",
                       status="published", platform_post_id="alive", published_at=NOW - timedelta(hours=1))
    db.session.add_all([*targets, alive])
    db.session.commit()

    def post_metrics(ctx, platform_post_id):
        if platform_post_id.startswith("gone-"):
            raise PlatformError(ErrorKind.BAD_REQUEST, "Facebook refused the post: Unsupported get request")
        return {"likes": 3}

    monkeypatch.setattr(FACEBOOK, "post_metrics", post_metrics)
    monkeypatch.setattr(FACEBOOK, "account_metrics", lambda ctx: {"followers": 1})
    for _run in range(3):  # three runs of the periodic job, an hour apart
        live_metrics.fetch_metrics(clock())
        clock.advance(hours=1)
    db.session.expire_all()
    assert db.session.get(DockTarget, alive.id).metrics_fetched_at is not None


def test_a_post_whose_metrics_are_refused_is_asked_less_often_then_no_more(pg_app, monkeypatch):
    """Each refused read moves the next one later (2 h, 4 h, ...); after METRICS_TRIES the job stops asking, while a
    post that reads fine keeps getting numbers."""
    clock = ManualClock(NOW)
    pg_app.config["CLOCK"] = clock
    pg_app.config.update(SOCIALDOCK_FACEBOOK_CLIENT_ID="fb", SOCIALDOCK_FACEBOOK_CLIENT_SECRET="s")
    user, _key = workspace()
    account = _account(user.team_id, "facebook", TokenSet("page-token", expires_at=NOW + timedelta(days=50)))
    post = DockPost(team_id=user.team_id, mode="live", text="hi", status="published", published_at=NOW)
    db.session.add(post)
    db.session.flush()
    gone, alive = (DockTarget(team_id=user.team_id, post_id=post.id, account_id=account.id, platform="facebook",
                              status="published", platform_post_id=name, published_at=NOW)
                   for name in ("gone", "alive"))
    db.session.add_all([gone, alive])
    db.session.commit()
    asked = []

    def post_metrics(ctx, platform_post_id):
        asked.append((platform_post_id, clock()))
        if platform_post_id == "gone":
            raise PlatformError(ErrorKind.BAD_REQUEST, "Facebook refused the post: Unsupported get request")
        return {"likes": 3}

    monkeypatch.setattr(FACEBOOK, "post_metrics", post_metrics)
    monkeypatch.setattr(FACEBOOK, "account_metrics", lambda ctx: {"followers": 1})
    for _run in range(24 * 7):  # a week of hourly runs
        live_metrics.fetch_metrics(clock())
        clock.advance(hours=1)
    gone_asked = [moment for name, moment in asked if name == "gone"]
    assert len(gone_asked) == live_metrics.METRICS_TRIES
    gaps = [later - earlier for earlier, later in zip(gone_asked, gone_asked[1:], strict=False)]
    assert gaps == sorted(gaps) and gaps[0] >= timedelta(hours=2)
    assert len([name for name, _moment in asked if name == "alive"]) == 24 * 7
