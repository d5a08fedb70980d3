"""`/api/v1/accounts`: list, read, settings; effective limits, what is left today, pauses; a campaign's account."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.engine.planner import run_tick
from app.extensions import db
from app.models import Action, Campaign, Lead, LinkedInAccount
from tests.conftest import bearer, make_user
from tests.test_extension_support import Team

SECOND_PROFILE = "https://www.linkedin.com/in/second-sender/"


def _get(team, account_id=None):
    path = f"/api/v1/accounts/{account_id or team.account_id}"
    response = team.client.get(path, headers=team.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _patch(team, body, account_id=None, status=200):
    response = team.client.patch(f"/api/v1/accounts/{account_id or team.account_id}", json=body, headers=team.headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _settle(account_id, team, **settings):
    """Past its warm-up (created 60 days before the test clock), with these settings."""
    account = db.session.get(LinkedInAccount, account_id)
    account.created_at = team.clock() - timedelta(days=60)
    account.settings = settings
    db.session.commit()


def _heartbeat(team, profile):
    answer = team.client.post("/api/v1/extension/heartbeat", headers=team.headers, json={
        "extensionVersion": "1.0.0", "linkedinAccount": {"profileUrl": profile}, "timezone": "UTC"})
    assert answer.status_code == 200, answer.get_json()
    return uuid.UUID(answer.get_json()["accountId"])


def _leads(team, count, campaign, prefix):
    for index in range(count):
        db.session.add(Lead(team_id=team.team_id, campaign_id=campaign.id, name=f"Lead {index}",
                            first_name=f"L{index}", profile_url=f"https://www.linkedin.com/in/{prefix}-{index}/",
                            title="Founder", status="new", tags=[], custom_fields={}))
    db.session.commit()


def _actions(kind="invite", status=None):
    db.session.expire_all()
    statement = select(Action).where(Action.type == kind)
    if status:
        statement = statement.where(Action.status == status)
    return db.session.scalars(statement).all()


def test_list_and_get_show_the_account_as_the_heartbeat_registered_it(app, client):
    team = Team(app, client)
    listed = client.get("/api/v1/accounts", headers=team.headers).get_json()["accounts"]
    assert [a["id"] for a in listed] == [str(team.account_id)]
    account = _get(team)
    assert account == listed[0]
    assert account["profileUrl"] == "https://www.linkedin.com/in/sender/" and account["name"] == "Sender"
    assert account["timezone"] == "UTC" and account["extensionVersion"] == "1.0.0"
    assert account["lastSeenAt"] == "2026-03-02T10:00:00.000Z" and account["createdAt"].endswith("Z")
    assert account["settings"] == {} and account["isDefault"] is True
    assert account["invitesPausedUntil"] is None and account["pauseReason"] is None
    assert account["limits"]["workingHours"] == {"start": "09:00", "end": "18:00", "days": [0, 1, 2, 3, 4]}
    assert account["limits"]["gapMinutes"] == {"min": 2, "max": 8}


def test_a_team_without_accounts_lists_none(client, auth):
    assert client.get("/api/v1/accounts", headers=auth).get_json() == {"accounts": []}


def test_effective_limits_warm_up_over_two_weeks(app, client):
    team = Team(app, client)
    account = team.account
    account.created_at = team.clock()  # registered just now: a quarter of each limit
    db.session.commit()
    limits = _get(team)["limits"]
    assert (limits["invitesPerDay"], limits["invitesPerWeek"], limits["messagesPerDay"]) == (5, 25, 12)
    assert limits["warmupFraction"] == 0.25
    assert _get(team)["limitsLeftToday"] == {"invites": 5, "messages": 12, "invitesThisWeek": 25}
    team.clock.advance(days=7)  # half-way: 0.25 + 0.75 * 7/14 = 0.625
    _patch(team, {"settings": {"invitesPerDay": 40}})
    limits = _get(team)["limits"]
    assert limits["warmupFraction"] == 0.625
    assert (limits["invitesPerDay"], limits["invitesPerWeek"], limits["messagesPerDay"]) == (25, 62, 31)
    team.clock.advance(days=7)
    limits = _get(team)["limits"]
    assert limits["warmupFraction"] == 1.0
    assert (limits["invitesPerDay"], limits["invitesPerWeek"], limits["messagesPerDay"]) == (40, 100, 50)


def test_left_today_drops_with_the_days_actions(app, client):
    team = Team(app, client)
    _settle(team.account_id, team, invitesPerDay=10, messagesPerDay=6)
    assert _get(team)["limitsLeftToday"] == {"invites": 10, "messages": 6, "invitesThisWeek": 100}
    for slug in ("ada", "bob", "cy"):
        team.action("invite", lead=team.lead(slug))
    team.action("message", lead=team.lead("dee", status="connected"))
    assert _get(team)["limitsLeftToday"] == {"invites": 7, "messages": 5, "invitesThisWeek": 97}
    listed = client.get("/api/v1/accounts", headers=team.headers).get_json()["accounts"]
    assert listed[0]["limitsLeftToday"] == {"invites": 7, "messages": 5, "invitesThisWeek": 97}
    team.clock.advance(days=1)  # a new local day (the week still counts the three)
    assert _get(team)["limitsLeftToday"] == {"invites": 10, "messages": 6, "invitesThisWeek": 97}


def test_a_pause_from_linkedin_is_shown_with_its_reason_and_holds_through_a_patch(app, client):
    team = Team(app, client)
    _settle(team.account_id, team)
    team.action("invite", lead=team.lead("ada"))
    leased = team.poll(limit=1)
    assert team.report(leased[0], "failed", error="weekly_invite_limit").status_code == 200
    account = _get(team)
    assert account["invitesPausedUntil"] == "2026-03-09T10:00:00.000Z"
    assert "weekly_invite_limit" in account["pauseReason"]
    assert account["limitsLeftToday"] == {"invites": 0, "messages": 50, "invitesThisWeek": 100}
    account = _patch(team, {"settings": {"invitesPerDay": 30}, "timezone": "Europe/Paris"})
    assert account["invitesPausedUntil"] == "2026-03-09T10:00:00.000Z" and account["limitsLeftToday"]["invites"] == 0
    assert "resumeInvites" in _patch(team, {"resumeInvites": True}, status=400)["error"]
    team.clock.advance(days=7, minutes=1)
    account = _get(team)
    assert account["invitesPausedUntil"] is None and account["pauseReason"] is None
    assert account["limitsLeftToday"]["invites"] == 30


def test_patch_merges_settings_and_sets_the_time_zone(app, client):
    team = Team(app, client)
    assert _patch(team, {"settings": {"invitesPerDay": 40}})["settings"] == {"invitesPerDay": 40}
    account = _patch(team, {"settings": {"working_hours": {"start": "08:00", "end": "17:00", "days": [2, 0, 2]},
                                         "gap_minutes": {"min": 1, "max": 3}}})
    assert account["settings"] == {"invitesPerDay": 40,
                                   "workingHours": {"start": "08:00", "end": "17:00", "days": [0, 2]},
                                   "gapMinutes": {"min": 1, "max": 3}}
    account = _patch(team, {"settings": {"workingHours": {"end": "16:30"}, "gapMinutes": {"max": 5}}})
    assert account["settings"]["workingHours"] == {"start": "08:00", "end": "16:30", "days": [0, 2]}
    assert account["settings"]["gapMinutes"] == {"min": 1, "max": 5}
    assert account["limits"]["workingHours"] == {"start": "08:00", "end": "16:30", "days": [0, 2]}
    assert account["limits"]["gapMinutes"] == {"min": 1, "max": 5}
    assert _patch(team, {"timezone": "America/New_York"})["timezone"] == "America/New_York"
    db.session.expire_all()
    stored = team.account
    assert stored.timezone == "America/New_York" and stored.settings["invitesPerDay"] == 40
    assert _patch(team, {"settings": None})["settings"] == {}


@pytest.mark.parametrize("body, field", [
    ({"settings": {"invitesPerDay": 0}}, "settings.invitesPerDay"),
    ({"settings": {"invitesPerDay": 101}}, "settings.invitesPerDay"),
    ({"settings": {"invitesPerWeek": 201}}, "settings.invitesPerWeek"),
    ({"settings": {"messagesPerDay": 151}}, "settings.messagesPerDay"),
    ({"settings": {"messagesPerDay": "50"}}, "settings.messagesPerDay"),
    ({"settings": {"dailyMax": 5}}, "settings.dailyMax"),
    ({"settings": {"workingHours": {"start": "9am"}}}, "settings.workingHours.start"),
    ({"settings": {"workingHours": {"end": "24:00"}}}, "settings.workingHours.end"),
    ({"settings": {"workingHours": {"start": "18:00", "end": "09:00"}}}, "settings.workingHours.end"),
    ({"settings": {"workingHours": {"start": "10:00", "end": "10:00"}}}, "settings.workingHours.end"),
    ({"settings": {"workingHours": {"start": "19:00"}}}, "settings.workingHours.start"),  # default end 18:00
    ({"settings": {"workingHours": {"days": []}}}, "settings.workingHours.days"),
    ({"settings": {"workingHours": {"days": [7]}}}, "settings.workingHours.days"),
    ({"settings": {"workingHours": {"days": "weekdays"}}}, "settings.workingHours.days"),
    ({"settings": {"gapMinutes": {"min": 10, "max": 5}}}, "settings.gapMinutes.max"),
    ({"settings": {"gapMinutes": {"min": 10}}}, "settings.gapMinutes.min"),  # default max 8
    ({"settings": {"gapMinutes": {"max": 121}}}, "settings.gapMinutes.max"),
    ({"settings": {"gapMinutes": {"min": -1}}}, "settings.gapMinutes.min"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "America"}, "timezone"),  # a folder of the zone database, not a zone
    ({"settings": {"workingHours": {"end": "17:00\n"}}}, "settings.workingHours.end"),
    ({"timezone": None}, "timezone"),
    ({"invitesPausedUntil": None}, "invitesPausedUntil"),
])
def test_every_validation_error_names_its_field_and_changes_nothing(app, client, body, field):
    team = Team(app, client)
    _patch(team, {"settings": {"invitesPerDay": 30}})
    message = _patch(team, body, status=400)["error"]
    assert message.startswith(field), message
    account = _get(team)
    assert account["settings"] == {"invitesPerDay": 30} and account["timezone"] == "UTC"


def test_another_teams_account_is_not_found(app, client):
    team = Team(app, client)
    _, other_token = make_user()
    other = bearer(other_token)
    for path in (f"/api/v1/accounts/{team.account_id}", f"/api/v1/accounts/{uuid.uuid4()}", "/api/v1/accounts/nope"):
        assert client.get(path, headers=other).status_code == 404
        response = client.patch(path, json={"settings": {"invitesPerDay": 1}}, headers=other)
        assert response.status_code == 404 and response.get_json()["error"] == "linkedin account not found"
    assert client.get("/api/v1/accounts", headers=other).get_json() == {"accounts": []}
    assert _get(team)["settings"] == {}


def test_the_default_account_is_the_teams_stable_choice(app, client):
    team = Team(app, client)
    team.clock.advance(minutes=5)
    second = _heartbeat(team, SECOND_PROFILE)  # seen last, yet the first account stays the default
    listed = client.get("/api/v1/accounts", headers=team.headers).get_json()["accounts"]
    assert {a["id"]: a["isDefault"] for a in listed} == {str(team.account_id): True, str(second): False}
    assert _patch(team, {"isDefault": True}, account_id=second)["isDefault"] is True
    team.clock.advance(minutes=5)
    _heartbeat(team, "https://www.linkedin.com/in/sender/")
    assert _get(team)["isDefault"] is False and _get(team, second)["isDefault"] is True
    refused = _patch(team, {"isDefault": False}, account_id=second, status=400)
    assert refused["error"].startswith("isDefault"), refused


def test_changing_the_rules_withdraws_the_accounts_pending_actions_for_replanning(app, client):
    team = Team(app, client)
    _settle(team.account_id, team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 10, team.campaign, "lead")
    run_tick(team.clock())
    assert len(_actions(status="pending")) == 10
    _patch(team, {"settings": {"invitesPerDay": 3}})
    assert len(_actions(status="pending")) == 0
    run_tick(team.clock())
    assert len(_actions(status="pending")) == 3


def _two_accounts(app, client):
    """A team whose first account is the default (seen last) and a second account."""
    team = Team(app, client)
    team.clock.advance(minutes=1)
    second = _heartbeat(team, SECOND_PROFILE)
    team.clock.advance(minutes=1)
    _heartbeat(team, "https://www.linkedin.com/in/sender/")
    _settle(team.account_id, team)
    _settle(second, team, invitesPerDay=7)
    return team, second


def test_a_campaign_assigned_to_the_second_account_is_planned_by_it(app, client):
    team, second = _two_accounts(app, client)
    assigned = client.post("/api/v1/campaigns", headers=team.headers, json={
        "name": "Second's", "status": "active", "templates": {"note": "Hi {{first_name}}"},
        "linkedinAccountId": str(second)})
    assert assigned.status_code == 201, assigned.get_json()
    assert assigned.get_json()["linkedinAccountId"] == str(second)
    assigned_id = uuid.UUID(assigned.get_json()["id"])
    assert client.get(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers).get_json()[
        "linkedinAccountId"] is None
    _leads(team, 3, db.session.get(Campaign, assigned_id), "assigned")
    _leads(team, 3, team.campaign, "default")
    run_tick(team.clock())
    by_campaign = {}
    for action in _actions():
        by_campaign.setdefault(action.campaign_id, set()).add(action.account_id)
    assert by_campaign == {assigned_id: {second}, team.campaign.id: {team.account_id}}
    # Its analytics show the second account's limits: 7 a day, 3 planned.
    analytics = client.get(f"/api/v1/campaigns/{assigned_id}", headers=team.headers).get_json()["analytics"]
    assert analytics["limitsLeftToday"]["invites"] == 4


def test_moving_an_active_campaign_to_another_account_withdraws_its_pending_actions(app, client):
    team, second = _two_accounts(app, client)
    _leads(team, 3, team.campaign, "lead")
    run_tick(team.clock())
    first_actions = _actions(status="pending")
    assert {a.account_id for a in first_actions} == {team.account_id} and len(first_actions) == 3
    moved = client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers,
                         json={"linkedin_account_id": str(second)})
    assert moved.status_code == 200 and moved.get_json()["linkedinAccountId"] == str(second)
    assert {a.status for a in _actions() if a.account_id == team.account_id} == {"cancelled"}
    run_tick(team.clock())
    pending = _actions(status="pending")
    assert {a.account_id for a in pending} == {second}
    assert {a.lead_id for a in pending} == {a.lead_id for a in first_actions}
    # Back to the default: null.
    back = client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers,
                        json={"linkedinAccountId": None})
    assert back.status_code == 200 and back.get_json()["linkedinAccountId"] is None
    assert _actions(status="pending") == []


def test_a_linkedin_account_id_outside_the_team_is_refused(app, client):
    team = Team(app, client)
    _, other_token = make_user()
    other_account = client.post("/api/v1/extension/heartbeat", headers=bearer(other_token), json={
        "linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/someone-else/"}}).get_json()["accountId"]
    for value in (str(uuid.uuid4()), other_account, "not-a-uuid", 42):
        response = client.post("/api/v1/campaigns", headers=team.headers,
                               json={"name": "X", "linkedinAccountId": value})
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["error"].startswith("linkedinAccountId"), response.get_json()
        response = client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers,
                                json={"linkedinAccountId": value})
        assert response.status_code == 400 and response.get_json()["error"].startswith("linkedinAccountId")
    db.session.expire_all()
    assert db.session.get(Campaign, team.campaign.id).linkedin_account_id is None
    assert db.session.scalar(select(Campaign).where(Campaign.name == "X")) is None


def test_a_campaigns_daily_cap_counts_its_invites_on_every_account(app, client):
    team, second = _two_accounts(app, client)
    _settle(team.account_id, team, gapMinutes={"min": 0, "max": 0})
    _settle(second, team, gapMinutes={"min": 0, "max": 0})
    capped = client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers,
                          json={"settings": {"invitesPerDay": 5}})
    assert capped.status_code == 200, capped.get_json()
    _leads(team, 12, team.campaign, "lead")
    run_tick(team.clock())
    assert len(_actions(status="pending")) == 5
    for _ in range(5):  # the first account sends all five, one at a time
        [leased] = team.poll(limit=10)
        assert team.start(leased).status_code == 200 and team.report(leased).status_code == 200
    moved = client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers,
                         json={"linkedinAccountId": str(second)})
    assert moved.status_code == 200
    run_tick(team.clock())
    assert _actions(status="pending") == []  # the campaign's five for today are spent, on whichever account


def test_lowering_a_campaigns_cap_withdraws_what_was_planned_under_the_old_one(app, client):
    team = Team(app, client)
    _settle(team.account_id, team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 10, team.campaign, "lead")
    run_tick(team.clock())
    assert len(_actions(status="pending")) == 10
    lowered = client.patch(f"/api/v1/campaigns/{team.campaign.id}", headers=team.headers,
                           json={"settings": {"invitesPerDay": 3}})
    assert lowered.status_code == 200
    run_tick(team.clock())
    assert len(_actions(status="pending")) == 3


def test_an_account_that_stopped_working_a_campaign_leaves_no_lead_stranded(app, client):
    team, second = _two_accounts(app, client)
    _settle(team.account_id, team, gapMinutes={"min": 0, "max": 0})
    _leads(team, 4, team.campaign, "lead")
    run_tick(team.clock())
    assert {a.account_id for a in _actions(status="pending")} == {team.account_id}
    # The next morning only the second account's extension is online, and the team makes it the default.
    team.clock.advance(days=1)
    _heartbeat(team, SECOND_PROFILE)
    _settle(second, team, gapMinutes={"min": 0, "max": 0})
    _patch(team, {"isDefault": True}, account_id=second)
    run_tick(team.clock())
    pending = _actions(status="pending")
    assert len(pending) == 4 and {a.account_id for a in pending} == {second}
