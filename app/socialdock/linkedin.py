"""LinkedIn targets (live keys): published by the extension through our post engine, as the account's own post.

Scheduling a target creates one of our posts (app/posts) naming the extension's LinkedIn account, so the planner
publishes it on that account within its limits and working hours and our API's consumers get `post.published`
too. When the engine ends that post, the listener below ends the target in the same transaction. (Registered by
app/socialdock/live_publisher.py, which sends OAuth-connected LinkedIn accounts to LinkedIn's REST API instead.)
"""

import re
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import DockAccount, DockTarget, Post
from app.posts import service as posts
from app.posts.hooks import on_post_ended
from app.socialdock import targets
from app.socialdock.platforms import TargetJob

_URN = re.compile(r"urn:li:(?:share|activity|ugcPost):[0-9]+")


def platform_post_id(post_url: str | None) -> str | None:
    """LinkedIn's URN when the extension's URL carries one (`.../feed/update/urn:li:activity:123/`), else the URL."""
    if not post_url:
        return None
    found = _URN.search(post_url)
    return found.group(0) if found else post_url


class LinkedInEnginePublisher:
    def schedule(self, job: TargetJob, account: DockAccount, target: DockTarget) -> None:
        post = Post(team_id=job.team_id, content=job.text, scheduled_for=job.publish_at, status="scheduled",
                    account_id=account.linkedin_account_id)
        db.session.add(post)
        db.session.flush()
        target.engine_post_id = post.id

    def reschedule(self, job: TargetJob, target: DockTarget) -> None:
        if target.engine_post_id is not None:
            posts.update_post(job.team_id, target.engine_post_id,
                              {"content": job.text, "scheduledFor": job.publish_at})

    def withdraw(self, target: DockTarget, reason: str | None, now: datetime) -> bool:
        post = db.session.get(Post, target.engine_post_id) if target.engine_post_id else None
        if post is not None and post.status == "publishing":
            return False  # in the extension's hands now: its outcome ends the target
        if reason is not None:
            targets.finish(target, now, published=False, error=reason)  # before the cancel: ours is the reason
        if post is not None and post.status == "scheduled":
            posts.cancel_post(post.team_id, post.id)
        return True


@on_post_ended
def _engine_post_ended(post: Post, now: datetime) -> None:
    for target in db.session.scalars(
        select(DockTarget).where(DockTarget.team_id == post.team_id, DockTarget.engine_post_id == post.id)
    ):
        if post.status == "published":
            targets.finish(target, now, published=True, platform_post_id=platform_post_id(post.linkedin_url),
                           platform_post_url=post.linkedin_url)
        else:
            targets.finish(target, now, published=False,
                           error=f"LinkedIn: {post.status_reason or 'the extension could not publish it'}")

