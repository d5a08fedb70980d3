"""The planner: qualification, caps, working hours, gaps, pauses, replies, LinkedIn refusals, throttling."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.engine.planner import run_tick
from app.extensions import db
from app.models import Action, Campaign, Lead
from tests.test_extension_support import Team


def _settled(team, **settings):
    """An account past its warm-up, with the given settings."""
    account = team.account
    account.created_at = team.clock() - timedelta(days=60)
    account.settings = settings
    db.session.commit()


def _leads(team, count, title="Founder", campaign=None, prefix="lead"):
    campaign = campaign or team.campaign
    for index in range(count):
        db.session.add(Lead(team_id=team.team_id, campaign_id=campaign.id, name=f"Lead {index}",
                            first_name=f"L{index}", profile_url=f"https://www.linkedin.com/in/{prefix}-{index}/",
                            title=title, status="new", tags=[], custom_fields={}))
    db.session.commit()


def _actions(kind=None, status=None):
    statement = select(Action).order_by(Action.due_at)
    if kind:
        statement = statement.where(Action.type == kind)
    if status:
        statement = statement.where(Action.status == status)
    db.session.expire_all()
    return db.session.scalars(statement).all()


def _tick(team, minutes=0):
    if minutes:
        team.clock.advance(minutes=minutes)
    report = run_tick(team.clock())
    db.session.expire_all()
    return report


def test_new_leads_are_qualified_by_targeting_and_one_campaign_per_person(app, client):
    team = Team(app, client)
    _settled(team)
    team.campaign.targeting = {"titleKeywords": ["founder", "CEO"], "excludeKeywords": ["assistant"]}
    other = Campaign(team_id=team.team_id, name="Other", status="active", targeting={}, templates={}, settings={})
    db.session.add(other)
    db.session.commit()
    _leads(team, 1, title="Co-Founder", prefix="match")
    _leads(team, 1, title="Engineer", prefix="nomatch")
    _leads(team, 1, title="Assistant to the CEO", prefix="excluded")
    team.clock.advance(seconds=1)  # the earlier scraped lead wins
    _leads(team, 1, title="Founder", campaign=other, prefix="match")  # the same person in another campaign
    report = _tick(team)
    by_url = {(lead.campaign_id, lead.profile_url): lead for lead in db.session.scalars(select(Lead))}
    mine = lambda slug: by_url[(team.campaign.id, f"https://www.linkedin.com/in/{slug}-0/")]  # noqa: E731
    assert mine("match").status in ("queued",)
    assert mine("nomatch").status == "skipped" and "none of the targeting" in mine("nomatch").status_reason
    assert mine("excluded").status == "skipped" and "assistant" in mine("excluded").status_reason
    twin = by_url[(other.id, "https://www.linkedin.com/in/match-0/")]
    assert twin.status == "skipped" and "already being contacted" in twin.status_reason
    assert report.queued == 1 and report.skipped == 3
    # Only one invite ever goes to that person.
    assert [a.lead_id for a in _actions("invite")] == [mine("match").id]


def test_a_day_of_ticks_respects_the_daily_cap_working_hours_and_gaps(app, client):
    team = Team(app, client)
    _settled(team, invitesPerDay=7)
    team.clock.current = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # before working hours
    _leads(team, 30)
    for _ in range(12 * 12):  # every 5 minutes for 12 hours
        _tick(team, minutes=5)
    invites = _actions("invite")
    assert len(invites) == 7
    due = [a.due_at for a in invites]
    assert all(9 <= moment.hour < 18 for moment in due)
    assert all(b - a >= timedelta(minutes=2) for a, b in zip(due, due[1:], strict=False))
    assert all(a.text.startswith("Hi L") for a in invites)


def test_new_account_warms_up(app, client):
    team = Team(app, client)  # registered just now: 25% of 20 invites on its first day
    _leads(team, 30)
    for _ in range(100):
        _tick(team, minutes=5)
    assert len(_actions("invite")) == 5


def test_two_planners_at_the_same_moment_create_no_extra_action(pg_app):
    client = pg_app.test_client()
    team = Team(pg_app, client)
    _settled(team, invitesPerDay=3, gapMinutes={"min": 0, "max": 0})
    _leads(team, 20)
    _tick(team)  # qualify
    barrier = threading.Barrier(4)
    errors = []

    def planner():
        with pg_app.app_context():
            try:
                barrier.wait()
                run_tick(team.clock())
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=planner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    invites = _actions("invite")
    assert len(invites) == 3
    assert len({a.lead_id for a in invites}) == 3


def test_pausing_withdraws_pending_actions_and_resuming_continues(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 3)
    _tick(team)
    _tick(team)
    assert len(_actions("invite", "pending")) == 3
    assert client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers,
                        json={"status": "paused"}).status_code == 200
    assert _actions("invite", "pending") == [] and len(_actions("invite", "cancelled")) == 3
    assert team.poll() == []
    _tick(team, minutes=30)
    assert _actions("invite", "pending") == []
    client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers, json={"status": "active"})
    _tick(team, minutes=1)
    assert len(_actions("invite", "pending")) == 3


def _report(team, leased, outcome="done", **extra):
    response = team.client.post(f"/api/v1/extension/actions/{leased['id']}/result", headers=team.headers,
                                json={"leaseToken": leased["leaseToken"], "outcome": outcome,
                                      "occurredAt": team.clock().isoformat(), **extra})
    assert response.status_code == 200, response.get_json()


def _perform_due(team):
    """Poll and carry out until nothing more is offered (paced actions come one per poll)."""
    done = []
    while leased_now := team.poll(limit=10):
        for leased in leased_now:
            assert team.start(leased).status_code == 200
            _report(team, leased)
            done.append(leased)
    return done


def test_a_reply_stops_the_sequence(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    team.campaign.templates = {"note": "Hi {{first_name}}", "message": "Thanks {{first_name}}",
                               "followUps": [{"afterDays": 2, "body": "Any thoughts, {{first_name}}?"}]}
    db.session.commit()
    _leads(team, 1)
    _tick(team)
    _tick(team)
    [invite] = _perform_due(team)
    lead = db.session.scalar(select(Lead))
    assert lead.status == "invited" and lead.next_step_at == lead.invited_at + timedelta(days=21)
    client.post("/api/v1/extension/events", headers=team.headers,
                json={"type": "invite_accepted", "profileUrl": lead.profile_url,
                      "occurredAt": team.clock().isoformat()})
    _tick(team, minutes=60 * 24)  # the first message waits a day after the acceptance
    [message] = _perform_due(team)
    assert message["type"] == "message" and message["text"] == "Thanks L0"
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "messaged"
    client.post("/api/v1/extension/events", headers=team.headers,
                json={"type": "reply_received", "profileUrl": lead.profile_url, "occurredAt": team.clock().isoformat()})
    for _ in range(5):
        _tick(team, minutes=60 * 24)
    assert len(_actions("message")) == 1
    assert db.session.get(Lead, lead.id).status == "replied"


def test_unaccepted_invites_are_withdrawn_after_21_days(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 1)
    _tick(team)
    _tick(team)
    _perform_due(team)
    team.clock.advance(days=21, minutes=1)
    _tick(team)
    [withdraw] = _actions("withdraw")
    lead = db.session.scalar(select(Lead))
    assert lead.status == "invited" and withdraw.lead_id == lead.id  # an acceptance may still come first
    _perform_due(team)
    db.session.expire_all()
    lead = db.session.scalar(select(Lead))
    assert lead.status == "skipped" and "withdrawn" in lead.status_reason


def test_linkedin_limit_refusal_pauses_invites_until_the_window_passes(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 5)
    _tick(team)
    _tick(team)
    first = team.poll(limit=1)[0]
    team.start(first)
    _report(team, first, outcome="failed", error="weekly_invite_limit")
    beat = client.post("/api/v1/extension/heartbeat", headers=team.headers, json={
        "linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/sender/"}}).get_json()
    assert beat["paused"]["invitesPaused"] is True and "weekly_invite_limit" in beat["paused"]["reason"]
    assert team.poll() == []  # the other pending invites wait too
    before = len(_actions("invite"))
    _tick(team, minutes=60)
    assert len(_actions("invite")) == before
    team.clock.advance(days=7, hours=1)
    while team.clock().weekday() >= 5 or not 9 <= team.clock().hour < 17:
        team.clock.advance(hours=1)
    _tick(team)
    assert len(_actions("invite", "pending")) > 0


def test_low_acceptance_halves_a_campaigns_invites(app, client):
    team = Team(app, client)
    _settled(team, invitesPerDay=20, gapMinutes={"min": 0, "max": 0})
    now = team.clock()
    for index in range(50):  # 50 earlier invites, 5 accepted: 10%
        db.session.add(Lead(team_id=team.team_id, campaign_id=team.campaign.id, name=f"Old {index}",
                            profile_url=f"https://www.linkedin.com/in/old-{index}/", status="invited",
                            invited_at=now - timedelta(days=10), next_step_at=now + timedelta(days=10),
                            connected_at=now - timedelta(days=9) if index < 5 else None, tags=[], custom_fields={}))
    db.session.commit()
    _leads(team, 30)
    for _ in range(200):
        _tick(team, minutes=3)
    assert len(_actions("invite")) == 10
    analytics = client.get(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers).get_json()
    assert analytics["analytics"]["invitesThrottled"] is True


def test_scheduled_post_goes_out_at_its_minute_then_its_first_comment(app, client):
    team = Team(app, client)
    at = team.clock() + timedelta(minutes=30)
    created = client.post("/api/v1/posts", headers=team.headers, json={
        "content": "Thoughts on Q4", "scheduled_for": at.isoformat(), "first_comment": "More on this"})
    assert created.status_code == 201, created.get_json()
    _tick(team, minutes=27)
    assert team.poll() == []
    team.clock.advance(minutes=2)
    assert team.poll() == []  # 29 minutes: not yet
    _tick(team, minutes=1)
    [post] = team.poll()
    assert post["type"] == "post" and post["text"] == "Thoughts on Q4"
    team.start(post)
    _report(team, post, details={"postUrl": "https://www.linkedin.com/feed/update/urn:li:activity:1/"})
    _tick(team, minutes=1)
    [comment] = team.poll()
    assert comment["type"] == "comment" and comment["text"] == "More on this"


def test_a_post_that_fails_three_times_ends_failed_with_post_failed(app, client):
    from app.models import Post, WebhookEvent

    team = Team(app, client)
    client.post("/api/v1/posts", headers=team.headers, json={"content": "Launch"})
    for _ in range(3):
        _tick(team, minutes=10)
        team.clock.advance(minutes=6)  # a retry waits a few minutes
        [post] = team.poll()
        team.start(post)
        _report(team, post, outcome="failed", error="composer_not_found")
    _tick(team, minutes=10)
    assert team.poll() == []
    assert db.session.scalar(select(Post)).status == "failed"
    [event] = db.session.scalars(select(WebhookEvent).where(WebhookEvent.name == "post.failed")).all()
    assert event.data["post"]["status"] == "failed" and "composer_not_found" in event.data["reason"]


def test_actions_due_late_are_not_leased_outside_working_hours(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    team.clock.current = datetime(2026, 3, 2, 17, 50, tzinfo=UTC)
    _leads(team, 3)
    _tick(team)
    _tick(team)
    assert len(_actions("invite", "pending")) == 3
    team.clock.advance(minutes=15)  # 18:05: the extension comes back online after hours
    assert team.poll() == []


def test_overview_counts_per_day(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 2)
    _tick(team)
    _tick(team)
    _perform_due(team)
    answer = client.get("/api/v1/analytics/overview?period=7d", headers=team.headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["totals"]["invites"] == 2 and len(body["daily"]) == 7
    assert body["daily"][-1]["date"] == "2026-03-02" and body["daily"][-1]["invites"] == 2
    assert (body["period"], body["from"], body["to"]) == ("7d", "2026-02-24", "2026-03-02")
    assert client.get("/api/v1/analytics/overview?period=1y", headers=team.headers).status_code == 400
    stats = client.get(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers).get_json()["analytics"]
    assert stats["invited"] == 2 and stats["actionsDoneToday"] == {"invite": 2}
    assert stats["limitsLeftToday"]["invites"] == 18


def test_an_action_planned_for_an_earlier_day_is_not_done_today(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    team.clock.current = datetime(2026, 3, 2, 17, 50, tzinfo=UTC)
    _leads(team, 2)
    _tick(team)
    _tick(team)
    assert len(_actions("invite", "pending")) == 2
    team.clock.current = datetime(2026, 3, 3, 9, 5, tzinfo=UTC)  # the next morning, before any tick
    assert team.poll() == []
    _tick(team)  # yesterday's plan is withdrawn and today's made, inside today's cap
    assert {a.due_at.date() for a in _actions("invite", "pending")} == {datetime(2026, 3, 3).date()}


def test_a_campaigns_own_weekly_invite_and_daily_message_caps(app, client):
    app.config["RATELIMIT_PER_MINUTE"] = 10_000  # this extension polls every simulated 15 minutes
    team = Team(app, client)
    _settled(team, invitesPerDay=20, messagesPerDay=50, gapMinutes={"min": 0, "max": 0})
    team.campaign.settings = {"invitesPerWeek": 5, "messagesPerDay": 3}
    team.campaign.templates = {"note": "Hi {{first_name}}", "message": "Thanks {{first_name}}"}
    db.session.commit()
    _leads(team, 10)
    for index in range(6):
        db.session.add(Lead(team_id=team.team_id, campaign_id=team.campaign.id, name=f"Friend {index}",
                            profile_url=f"https://www.linkedin.com/in/friend-{index}/", status="connected",
                            connected_at=team.clock() - timedelta(days=2), next_step_at=team.clock(),
                            tags=[], custom_fields={}))
    db.session.commit()
    done = []
    for _ in range(3 * 24 * 4):  # Monday 10:00 to Thursday 10:00, every 15 minutes: plan, then do what is due
        _tick(team, minutes=15)
        done += [(team.clock().date(), leased["type"]) for leased in _perform_due(team)]
    # The campaign's week allows 5 invites, though the account could send 20 a day.
    assert sum(1 for _, kind in done if kind == "invite") == 5
    # 6 first messages at 3 a day (Monday: none before the first tick of the message step).
    messages = sorted(day.isoformat() for day, kind in done if kind == "message")
    assert len(messages) == 6 and max(messages.count(day) for day in messages) == 3, messages


def test_invites_younger_than_three_days_do_not_count_against_the_acceptance_rate(app, client):
    team = Team(app, client)
    _settled(team, invitesPerDay=20, gapMinutes={"min": 0, "max": 0})
    now = team.clock()
    for index in range(60):  # sent yesterday, not answered yet: no verdict on them
        db.session.add(Lead(team_id=team.team_id, campaign_id=team.campaign.id, name=f"Fresh {index}",
                            profile_url=f"https://www.linkedin.com/in/fresh-{index}/", status="invited",
                            invited_at=now - timedelta(days=1), next_step_at=now + timedelta(days=20),
                            tags=[], custom_fields={}))
    db.session.commit()
    _leads(team, 30)
    for _ in range(200):
        _tick(team, minutes=3)
    assert len(_actions("invite")) == 20
    analytics = client.get(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers).get_json()
    assert analytics["analytics"]["invitesThrottled"] is False
    assert analytics["analytics"]["recentAcceptanceRate"] is None


def test_a_withdrawal_cancelled_before_it_went_out_is_planned_again(app, client):
    team = Team(app, client)
    _settled(team, gapMinutes={"min": 0, "max": 0})
    lead = team.lead(status="invited")
    lead.invited_at, lead.next_step_at = team.clock() - timedelta(days=22), team.clock()
    db.session.commit()
    _tick(team)
    [withdraw] = _actions("withdraw", "pending")
    assert db.session.get(Lead, lead.id).status == "invited" and db.session.get(Lead, lead.id).next_step_at is None
    paused = client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers, json={"status": "paused"})
    assert paused.status_code == 200
    db.session.expire_all()
    lead = db.session.get(Lead, lead.id)
    assert lead.status == "invited" and lead.status_reason is None  # the invite is still out on LinkedIn
    client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers, json={"status": "active"})
    _tick(team)
    assert len(_actions("withdraw", "pending")) == 1
    assert db.session.get(Lead, lead.id).status == "invited"
