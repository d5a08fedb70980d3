"""Post, account and workspace analytics. Numbers are never invented: a live target shows the metrics the
extension (LinkedIn) or the platform reported, with `fetched_at`, or nulls until then; the sandbox shows generated
numbers marked `sandbox: true`."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.clock import now as clock_now
from app.extensions import db
from app.models import DockPost, DockTarget, Post
from app.scoping import team_select
from app.socialdock import accounts, posts, targets
from app.socialdock.ids import public_id
from app.socialdock.keys import DockCaller
from app.socialdock.linkedin import platform_post_id
from app.socialdock.sandbox import sandbox_number

POST_METRICS = ("views", "likes", "comments", "shares")
ACCOUNT_METRICS = ("followers", "following", "posts", "followers_growth_pct", "avg_engagement_rate")
PERIODS = {"7d": 7, "30d": 30, "90d": 90}
RECENT = 10


def _target_metrics(mode: str, target: DockTarget) -> tuple[dict, datetime | None]:
    if mode == "test" and target.status == "published":
        views = 100 + sandbox_number(target.id, "views", 5000)
        return ({"views": views, "likes": sandbox_number(target.id, "likes", views // 10 + 1),
                 "comments": sandbox_number(target.id, "comments", 50),
                 "shares": sandbox_number(target.id, "shares", 30)}, target.published_at)
    stored = target.metrics or {}
    return {name: stored.get(name) for name in POST_METRICS}, target.metrics_fetched_at


def post_analytics(caller: DockCaller, post_id) -> dict:
    post = posts.get_post(caller, post_id)
    rows = []
    for target in targets.targets_of(post):
        metrics, fetched_at = _target_metrics(caller.mode, target)
        rows.append({"platform": target.platform, "account_id": public_id("account", target.account_id),
                     "metrics": metrics, "fetched_at": fetched_at, "sandbox": caller.mode == "test"})
    return {"post_id": public_id("post", post.id), "targets": rows}


def account_analytics(caller: DockCaller, account_id) -> dict:
    account = accounts.get_account(caller, account_id)
    if caller.mode == "test":
        seed = account.id
        followers = 500 + sandbox_number(seed, "followers", 20000)
        metrics = {"followers": followers, "following": sandbox_number(seed, "following", 1000),
                   "posts": db.session.scalar(team_select(DockTarget, caller.team_id, func.count(DockTarget.id))
                                              .where(DockTarget.account_id == account.id,
                                                     DockTarget.status == "published")),
                   "followers_growth_pct": sandbox_number(seed, "growth", 100) / 10,
                   "avg_engagement_rate": sandbox_number(seed, "engagement", 100) / 10}
        return {"platform": account.platform, "metrics": metrics, "fetched_at": clock_now(), "sandbox": True}
    stored = account.metrics or {}
    return {"platform": account.platform, "metrics": {name: stored.get(name) for name in ACCOUNT_METRICS},
            "fetched_at": account.metrics_fetched_at, "sandbox": False}


def overview(caller: DockCaller, period: str) -> dict:
    since = clock_now() - timedelta(days=PERIODS[period])
    recent_posts = team_select(DockPost, caller.team_id).where(DockPost.mode == caller.mode,
                                                               DockPost.created_at >= since)
    total = db.session.scalar(recent_posts.with_only_columns(func.count(DockPost.id)).order_by(None))
    rows = db.session.scalars(
        team_select(DockTarget, caller.team_id).join(DockPost, DockPost.id == DockTarget.post_id)
        .where(DockPost.mode == caller.mode, DockPost.created_at >= since)
    ).all()
    ended = [row for row in rows if row.status in ("published", "failed")]
    published = [row for row in ended if row.status == "published"]
    platforms: dict[str, dict] = {}
    for row in published:
        entry = platforms.setdefault(row.platform, {"posts": 0, "total_reach": 0})
        entry["posts"] += 1
        views = _target_metrics(caller.mode, row)[0].get("views")
        entry["total_reach"] += views or 0
    latest = db.session.scalars(recent_posts.order_by(DockPost.created_at.desc(), DockPost.id.desc())
                                .limit(RECENT)).all()
    return {
        "summary": {"total_posts": total, "published_targets": len(published), "failed_targets": len(ended) -
                    len(published),
                    "success_rate": round(100 * len(published) / len(ended), 1) if ended else None},
        "platforms": platforms,
        "recent_posts": [{"post_id": public_id("post", post.id), "status": post.status,
                          "published_at": post.published_at.isoformat().replace("+00:00", "Z")
                          if post.published_at else None} for post in latest],
        "sandbox": caller.mode == "test",
    }


def record_linkedin_post_metrics(team_id, post_url: str, metrics: dict, observed_at: datetime) -> int:
    """The extension saw a LinkedIn post's numbers: store them on the SocialDock targets it published (the caller
    commits). Returns how many targets took them."""
    wanted = platform_post_id(post_url)
    engine_posts = select(Post.id).where(Post.team_id == team_id, Post.linkedin_url.is_not(None))
    updated = 0
    for target in db.session.scalars(
        team_select(DockTarget, team_id).where(DockTarget.engine_post_id.in_(engine_posts),
                                               DockTarget.platform_post_id == wanted)
    ):
        if target.metrics_fetched_at is not None and target.metrics_fetched_at > observed_at:
            continue  # an older observation arriving late
        target.metrics = {name: metrics.get(name) for name in POST_METRICS}
        target.metrics_fetched_at, target.updated_at = observed_at, clock_now()
        updated += 1
    return updated
