"""Leasing, starting and reporting actions through the extension API, and what each outcome changes."""

import uuid

from app.extensions import db
from app.models import Action, Lead
from tests.conftest import bearer, make_user
from tests.test_extension_support import Team, events
from worker.engine_jobs import expire_action_leases


def test_invite_done_marks_the_lead_invited_and_emits_once(app, client):
    team = Team(app, client)
    lead = team.lead()
    team.action("invite", lead=lead, text="Hi Ada, let's connect")
    [leased] = team.poll()
    assert leased["type"] == "invite" and leased["step"] == "perform" and leased["text"] == "Hi Ada, let's connect"
    assert leased["lead"]["profileUrl"] == "https://www.linkedin.com/in/ada/" and leased["attempt"] == 1
    assert team.start(leased).status_code == 200
    team.clock.advance(minutes=2)
    first = team.report(leased)
    assert first.status_code == 200 and first.get_json()["status"] == "done"
    again = team.report(leased)
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "invited"
    [event] = events("lead.invited")
    assert set(event.data) == {"lead", "campaignId", "actionId", "text", "occurredAt"}
    assert event.data["lead"]["id"] == str(lead.id) and event.data["lead"]["status"] == "invited"
    assert event.data["campaignId"] == str(team.campaign.id) and event.data["text"] == "Hi Ada, let's connect"
    assert event.data["occurredAt"] == "2026-03-02T10:01:00.000Z"
    assert team.report(leased, "failed", error="oops").status_code == 409
    assert team.poll() == []


def test_message_done_marks_the_lead_messaged(app, client):
    team = Team(app, client)
    lead = team.lead(status="connected")
    team.action("message", lead=lead, text="Thanks for connecting")
    [leased] = team.poll()
    assert team.report(leased).status_code == 200
    db.session.expire_all()
    stored = db.session.get(Lead, lead.id)
    assert stored.status == "messaged" and stored.messages_sent == 1
    [event] = events("lead.messaged")
    assert event.data["text"] == "Thanks for connecting" and event.data["lead"]["status"] == "messaged"


def test_lease_expiry_offers_again_then_fails_after_three(app, client):
    team = Team(app, client)
    lead = team.lead()
    team.action("invite", lead=lead)
    attempts = []
    for _ in range(3):
        [leased] = team.poll()
        attempts.append(leased["attempt"])
        assert team.poll() == []  # still leased: nobody else gets it
        team.clock.advance(minutes=11)
    assert attempts == [1, 2, 3]
    assert team.poll() == []
    assert expire_action_leases() == 1  # the periodic job ends it
    db.session.expire_all()
    action = db.session.scalars(db.select(Action)).one()
    assert action.status == "failed" and "3 leases" in action.error
    assert db.session.get(Lead, lead.id).status == "failed"
    assert events("lead.invited") == []


def test_started_then_silent_becomes_unknown_and_is_verified_first(app, client):
    team = Team(app, client)
    lead = team.lead()
    team.action("invite", lead=lead)
    [leased] = team.poll()
    assert team.start(leased).status_code == 200
    team.clock.advance(minutes=11)
    [verify] = team.poll()
    assert verify["id"] == leased["id"] and verify["step"] == "verify"
    assert verify["leaseToken"] != leased["leaseToken"]
    assert team.start(verify).status_code == 409  # a verify step is checked, never performed
    assert team.report(leased).status_code == 409  # the old lease is stale
    # The extension found nothing on LinkedIn: the action is offered again, to be performed.
    assert team.report(verify, "not_sent").status_code == 200
    [again] = team.poll()
    assert again["id"] == leased["id"] and again["step"] == "perform" and again["attempt"] == 2
    assert team.report(again).status_code == 200
    assert len(events("lead.invited")) == 1


def test_verify_done_records_the_action_without_resending(app, client):
    team = Team(app, client)
    lead = team.lead()
    team.action("invite", lead=lead)
    [leased] = team.poll()
    team.start(leased)
    team.clock.advance(minutes=11)
    [verify] = team.poll()
    assert team.report(verify, "done").status_code == 200
    assert team.poll() == [] and len(events("lead.invited")) == 1


def test_result_for_a_lease_given_to_another_poller_is_409(app, client):
    team = Team(app, client)
    team.action("invite", lead=team.lead())
    [first] = team.poll()
    team.clock.advance(minutes=11)
    [second] = team.poll()
    assert second["id"] == first["id"]
    stale = team.report(first)
    assert stale.status_code == 409 and "leaseToken" in stale.get_json()["error"]
    assert team.report(second).status_code == 200


def test_reply_stops_the_sequence_and_cancels_pending_actions(app, client):
    team = Team(app, client)
    lead = team.lead(status="messaged")
    team.action("message", lead=lead, text="Follow-up")
    [leased] = team.poll()
    answer = team.observe("reply_received", "linkedin.com/in/ADA")
    assert answer.status_code == 200 and answer.get_json()["changed"] == 1
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "replied"
    refused = team.start(leased)
    assert refused.status_code == 409 and "cancelled" in refused.get_json()["error"]
    assert team.poll() == [] and events("lead.messaged") == []


def test_invite_accepted_and_profile_updated(app, client):
    team = Team(app, client)
    lead = team.lead(status="invited")
    assert team.observe("invite_accepted", "https://www.linkedin.com/in/ada/").get_json()["changed"] == 1
    assert team.observe("invite_accepted", "https://www.linkedin.com/in/ada/").get_json()["changed"] == 0
    updated = team.observe("profile_updated", "https://www.linkedin.com/in/ada",
                           profile={"title": "<b>CTO</b> at <i>Engines</i>", "company": "Analytical Engines"})
    assert updated.status_code == 200
    db.session.expire_all()
    stored = db.session.get(Lead, lead.id)
    assert stored.status == "connected" and stored.connected_at is not None
    assert stored.title == "CTO at Engines" and stored.company == "Analytical Engines"
    hostile = team.observe("profile_updated", "https://www.linkedin.com/in/ada", profile={"title": "a\x00b"})
    assert hostile.status_code == 400 and hostile.get_json()["error"].startswith("profile.title")


def test_linkedin_limit_pauses_invites_and_heartbeat_shows_it(app, client):
    team = Team(app, client)
    first, second = team.lead("ada"), team.lead("bob", name="Bob Smith")
    team.action("invite", lead=first)
    team.action("invite", lead=second)
    leased = team.poll(limit=1)
    assert team.report(leased[0], "failed", error="weekly_invite_limit").status_code == 200
    assert team.poll() == []  # the other invite waits
    beat = client.post("/api/v1/extension/heartbeat", headers=team.headers,
                       json={"linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/sender/"}}).get_json()
    assert beat["paused"]["invitesPaused"] is True and "weekly_invite_limit" in beat["paused"]["reason"]
    assert beat["limits"]["invitesLeftToday"] == 0
    db.session.expire_all()
    assert db.session.get(Lead, uuid.UUID(leased[0]["lead"]["id"])).status == "queued"
    team.clock.advance(days=7, minutes=1)
    assert team.poll() == []  # planned for an earlier day: the planner re-plans it, it is never done late
    team.action("invite", lead=second)
    assert [a["lead"]["profileUrl"] for a in team.poll()] == [second.profile_url]


def test_post_and_comment_done_publish_with_their_urls(app, client):
    from app.models import Comment, Post

    team = Team(app, client)
    post = Post(team_id=team.team_id, content="Thoughts on Q4", status="scheduled", scheduled_for=team.clock())
    db.session.add(post)
    db.session.commit()
    comment = Comment(team_id=team.team_id, post_id=post.id, content="More on this", status="approved")
    db.session.add(comment)
    db.session.commit()
    team.action("post", post=post, text=post.content)
    team.action("comment", comment=comment, text=comment.content)
    by_type = {a["type"]: a for a in team.poll()}
    assert by_type["post"]["post"]["id"] == str(post.id)
    url = "https://www.linkedin.com/feed/update/urn:li:activity:1/"
    bad = team.report(by_type["post"], details={"postUrl": "javascript:alert(1)"})
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("details")
    assert team.report(by_type["post"], details={"postUrl": url}).status_code == 200
    assert team.report(by_type["comment"]).status_code == 200
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "published"
    assert db.session.get(Post, post.id).linkedin_url == url
    [published] = events("post.published")
    assert published.data["post"]["id"] == str(post.id) and published.data["postUrl"] == url
    [posted] = events("comment.posted")
    assert set(posted.data) == {"comment", "postId", "commentUrl", "actionId", "text", "occurredAt"}
    assert posted.data["comment"]["id"] == str(comment.id) and posted.data["text"] == "More on this"


def test_unknown_or_foreign_action_is_404_and_bad_bodies_name_the_field(app, client):
    team = Team(app, client)
    team.action("invite", lead=team.lead())
    [leased] = team.poll()
    other_user, other_token = make_user()
    foreign = client.post(f"/api/v1/extension/actions/{leased['id']}/result", headers=bearer(other_token),
                          json={"leaseToken": leased["leaseToken"], "outcome": "done"})
    assert foreign.status_code == 404
    missing = client.post("/api/v1/extension/actions/00000000-0000-0000-0000-000000000000/result",
                          headers=team.headers, json={"leaseToken": "x", "outcome": "done"})
    assert missing.status_code == 404
    assert client.post("/api/v1/extension/actions/not-a-uuid/start", headers=team.headers,
                       json={"leaseToken": "x"}).status_code == 404
    no_outcome = team.client.post(f"/api/v1/extension/actions/{leased['id']}/result", headers=team.headers,
                                  json={"leaseToken": leased["leaseToken"]})
    assert no_outcome.status_code == 400 and no_outcome.get_json()["error"].startswith("outcome")
    odd = team.report(leased, outcome="maybe")
    assert odd.status_code == 400 and odd.get_json()["error"].startswith("outcome")
    assert team.client.get("/api/v1/extension/actions?limit=0", headers=team.headers).status_code == 400
    assert team.client.get("/api/v1/extension/actions", headers={**team.headers,
                           "X-LinkedIn-Account": str(other_user.id)}).status_code == 404


def test_after_working_hours_only_posts_are_leased(app, client):
    from app.models import Post

    team = Team(app, client)
    team.action("invite", lead=team.lead())
    post = Post(team_id=team.team_id, content="Evening post", status="scheduled", scheduled_for=team.clock())
    db.session.add(post)
    db.session.commit()
    team.action("post", post=post, text=post.content)
    team.clock.advance(hours=9)  # 19:00 in the account's time zone (UTC)
    [leased_post] = team.poll()
    assert leased_post["type"] == "post" and team.report(leased_post).status_code == 200
    team.clock.advance(hours=14)  # 09:00 the next morning
    assert team.poll() == []  # yesterday's invite is not caught up on: the planner re-plans it
    team.action("invite", lead=team.lead("bob", name="Bob Smith"))
    assert [a["type"] for a in team.poll()] == ["invite"]


def test_event_data_is_what_the_docs_and_the_rest_api_show(app, client):
    from app.models import Post

    team = Team(app, client)
    lead = team.lead(status="connected")
    team.action("message", lead=lead, text="Thanks for connecting")
    post = Post(team_id=team.team_id, content="Launch", status="scheduled", scheduled_for=team.clock())
    db.session.add(post)
    db.session.commit()
    team.action("post", post=post, text="Launch")
    for leased in team.poll():
        team.start(leased)
        details = {"postUrl": "https://www.linkedin.com/feed/update/urn:li:activity:9/"} if leased["post"] else {}
        assert team.report(leased, details=details).status_code == 200
    [messaged] = events("lead.messaged")
    assert set(messaged.data) == {"lead", "campaignId", "actionId", "text", "occurredAt"}
    shown = client.get(f"/api/v1/leads/{lead.id}", headers=team.headers).get_json()
    assert messaged.data["lead"] == shown
    [published] = events("post.published")
    assert set(published.data) == {"post", "postUrl", "actionId", "text", "occurredAt"}
    assert published.data["post"] == client.get(f"/api/v1/posts/{post.id}", headers=team.headers).get_json()


def test_periodic_job_expires_leases_while_no_extension_polls(app, client):
    from worker.periodic import registered_jobs

    assert any(job.func is expire_action_leases and job.queue_name == "engine" for job in registered_jobs())
    team = Team(app, client)
    team.action("invite", lead=team.lead())
    [leased] = team.poll()
    team.start(leased)
    team.clock.advance(minutes=11)
    assert expire_action_leases() == 1
    db.session.expire_all()
    assert db.session.scalars(db.select(Action.status)).one() == "unknown"


def test_a_message_in_doubt_is_not_sent_again_after_a_reply(app, client):
    team = Team(app, client)
    lead = team.lead(status="messaged")
    team.action("message", lead=lead, text="Follow-up")
    [leased] = team.poll()
    team.start(leased)
    team.clock.advance(minutes=11)
    [verify] = team.poll()
    team.observe("reply_received", lead.profile_url)
    assert team.report(verify, "not_sent").status_code == 200
    assert team.poll() == []
    db.session.expire_all()
    assert db.session.scalars(db.select(Action.status)).one() == "cancelled"
