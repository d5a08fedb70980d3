"""Issue 10, an engine you can trust: each scenario of the issue as a test, through the API and the extension protocol.

The promise: no cap is ever exceeded, nothing is sent that should have stopped, no lead is stranded.
The scenario numbers are the issue's.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tests.engine_helpers import FOLLOW_UP_TEMPLATES, NO_GAP, Outreach, actions, of_type

# 1. Deleting gives capacity back --------------------------------------------------------------------------------

def _send_then_delete(team: Outreach, count: int, deletion: str) -> str:
    """`count` invites sent today by one campaign, then that campaign (or its leads) deleted.

    Returns the campaign new leads go to: a new one after a deleted campaign, the same one after deleted leads."""
    campaign = team.campaign()
    leads = team.add_leads(campaign, [f"first-{index}" for index in range(count)])
    team.tick()
    team.tick(minutes=1)
    assert len(of_type(team.drain(), "invite")) == count
    if deletion == "campaign":
        team.call("DELETE", f"/campaigns/{campaign}", expect=204)
        return team.campaign(name="Next")
    for lead_id in leads.values():
        team.call("DELETE", f"/leads/{lead_id}", expect=204)
    return campaign


def _invites_sent_over(team: Outreach, ticks: int, minutes: int = 10) -> int:
    sent = 0
    for _ in range(ticks):
        team.tick(minutes=minutes)
        sent += len(of_type(team.drain(), "invite"))
    return sent


@pytest.mark.parametrize("deletion", ["campaign", "leads"])
def test_deleting_after_sending_does_not_give_todays_invites_back(app, client, deletion):
    team = Outreach(app, client)
    team.configure(invitesPerDay=5, gapMinutes=NO_GAP)
    target = _send_then_delete(team, 5, deletion)
    team.add_leads(target, [f"second-{index}" for index in range(5)])
    extra = _invites_sent_over(team, 6)
    assert extra == 0, (f"the account's cap is 5 invites a day and 5 went out; after deleting the {deletion} "
                        f"it sent {extra} more the same day")
    assert team.account()["limitsLeftToday"]["invites"] == 0
    team.next_working_day()
    assert _invites_sent_over(team, 3) == 5, "the next day the account sends its 5 invites again"


@pytest.mark.parametrize("deletion", ["campaign", "leads"])
def test_deleting_after_sending_does_not_give_the_weeks_invites_back(app, client, deletion):
    team = Outreach(app, client)
    team.configure(invitesPerDay=20, invitesPerWeek=10, gapMinutes=NO_GAP)
    target = _send_then_delete(team, 10, deletion)
    team.next_working_day()  # Tuesday: the day's cap would allow 20, the week's is spent
    team.add_leads(target, [f"second-{index}" for index in range(10)])
    extra = _invites_sent_over(team, 6)
    assert extra == 0, (f"the account's cap is 10 invites a week and 10 went out on Monday; after deleting the "
                        f"{deletion} it sent {extra} more on Tuesday")


def _ada_planned(app, client):
    """A settled account without gaps, one campaign, and Ada qualified and planned: (team, campaign, ada)."""
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign()
    ada = team.add_leads(campaign, ["ada"])["ada"]
    team.tick()
    team.tick(minutes=1)
    return team, campaign, ada


# 3. An outcome the lead has moved past never moves it backwards ------------------------------------------------

def test_an_acceptance_cancels_the_pending_invite_and_the_lead_gets_its_first_message(app, client):
    team, campaign, ada = _ada_planned(app, client)
    assert len(actions("invite", "pending")) == 1  # planned, not yet offered
    team.observe("invite_accepted", "ada")
    assert team.lead(ada)["status"] == "connected"
    offered = of_type(team.poll(), "invite")
    assert offered == [], "an invitation was still offered to a person the extension saw already connected"
    team.tick(hours=24, minutes=1)
    [message] = of_type(team.drain(), "message")
    assert message["lead"]["id"] == ada and message["text"] == "Thanks Ada"
    assert team.lead(ada)["status"] == "messaged"


@pytest.mark.parametrize("outcome, error", [("failed", "already_connected"), ("skipped", None), ("done", None)])
def test_an_invite_reported_after_the_acceptance_leaves_the_lead_connected(app, client, outcome, error):
    team, campaign, ada = _ada_planned(app, client)
    [invite] = of_type(team.poll(), "invite")
    assert team.start(invite).status_code == 200  # the extension is sending it while the acceptance is seen
    team.observe("invite_accepted", "ada")
    extra = {"error": error} if error else {}
    assert team.report(invite, outcome, **extra).status_code == 200
    after = team.lead(ada)
    assert after["status"] == "connected", (f"Ada had already accepted; the invite reported {outcome} "
                                            f"afterwards moved her to {after['status']} ({after['statusReason']})")
    team.tick(hours=24, minutes=1)
    messages = of_type(team.drain(), "message")
    assert [m["lead"]["id"] for m in messages] == [ada], "the connected lead never got its first message"


# 4. A lead's sequence stays on the account that invited it; the default account is the team's choice ---------

def _defaults(team: Outreach) -> dict:
    listed = team.call("GET", "/accounts").get_json()["accounts"]
    by_id = {account_id: slug for slug, account_id in team.accounts.items()}
    return {by_id[account["id"]]: account["isDefault"] for account in listed}


def test_the_first_registered_account_stays_the_default_until_the_team_picks_another(app, client):
    team = Outreach(app, client, accounts=("alice", "bob"))
    team.heartbeat("bob")  # Bob's extension was seen last
    assert _defaults(team) == {"alice": True, "bob": False}, "a heartbeat moved the team's default account"
    chosen = team.call("PATCH", f"/accounts/{team.accounts['bob']}", {"isDefault": True}).get_json()
    assert chosen["isDefault"] is True
    assert _defaults(team) == {"alice": False, "bob": True}
    team.heartbeat("alice")
    assert _defaults(team) == {"alice": False, "bob": True}, "a heartbeat undid the team's choice of default"


def test_a_campaign_without_account_keeps_each_lead_on_the_account_that_invited_it(app, client):
    team = Outreach(app, client, accounts=("alice", "bob"))
    for slug in team.accounts:
        team.configure(slug, gapMinutes=NO_GAP)
    team.heartbeat("alice")
    team.heartbeat("bob")  # Bob's extension was seen last; Alice registered first and is the default
    campaign = team.campaign()
    team.add_leads(campaign, ["ada"])
    team.tick()
    team.tick(minutes=1)
    assert of_type(team.poll("bob"), "invite") == [], "the invite went out from Bob's account, not the default"
    [invite] = of_type(team.poll("alice"), "invite")
    team.perform(invite, "alice")
    team.observe("invite_accepted", "ada", "alice")
    team.heartbeat("bob")
    team.tick(hours=24, minutes=1)
    assert of_type(team.poll("bob"), "message") == [], (
        "Ada's first message was given to Bob's account, which is not connected to her (Alice invited her)")
    [message] = of_type(team.poll("alice"), "message")
    assert message["lead"]["profileUrl"].endswith("/ada/")


def test_a_new_default_account_sends_the_new_invites_and_leaves_old_leads_where_they_are(app, client):
    team = Outreach(app, client, accounts=("alice", "bob"))
    for slug in team.accounts:
        team.configure(slug, gapMinutes=NO_GAP)
    campaign = team.campaign()
    ada = team.invite_and_connect(campaign, "ada", account="alice")
    team.call("PATCH", f"/accounts/{team.accounts['bob']}", {"isDefault": True})
    team.add_leads(campaign, ["bea"])
    team.tick(minutes=1)
    team.tick(minutes=1)
    assert of_type(team.poll("alice"), "invite") == [], "after Bob was made the default, Alice still sent new invites"
    [invite] = of_type(team.poll("bob"), "invite")
    assert invite["lead"]["profileUrl"].endswith("/bea/")
    team.perform(invite, "bob")
    team.tick(hours=24, minutes=1)
    assert of_type(team.poll("bob"), "message") == [], "Ada's message moved to Bob, who never invited her"
    [message] = of_type(team.poll("alice"), "message")
    assert message["lead"]["id"] == ada


def test_posts_go_to_the_teams_default_account(app, client):
    team = Outreach(app, client, accounts=("alice", "bob"))
    team.heartbeat("bob")
    team.call("POST", "/posts", {"content": "Launch day"}, expect=201)
    team.tick(minutes=1)
    assert team.poll("bob") == [], "the post went to Bob's account because his extension was seen last"
    [post] = team.poll("alice")
    assert post["type"] == "post" and post["text"] == "Launch day"
    team.call("PATCH", f"/accounts/{team.accounts['bob']}", {"isDefault": True})
    team.call("POST", "/posts", {"content": "Second post"}, expect=201)
    team.tick(minutes=1)
    [second] = team.poll("bob")
    assert second["text"] == "Second post"


# 5. A change that ends a lead stops its leased actions --------------------------------------------------------

@pytest.mark.parametrize("status", ["replied", "skipped"])
def test_ending_a_lead_by_hand_stops_its_leased_message(app, client, status):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign()
    ada = team.invite_and_connect(campaign, "ada")
    team.tick(hours=24, minutes=1)
    [message] = of_type(team.poll(), "message")
    team.set_lead_status(ada, status)
    refused = team.start(message)
    assert refused.status_code == 409, f"the extension was allowed to send a message to a lead marked {status}"
    assert "cancelled" in refused.get_json()["error"]
    assert team.report(message).status_code == 409
    team.clock.advance(minutes=11)  # the lease has ended
    team.tick()
    assert of_type(team.poll(), "message") == [], f"the message to a lead marked {status} was offered again"
    after = team.lead(ada)
    assert after["status"] == status and after["lastMessagedAt"] is None


@pytest.mark.parametrize("deletion", ["lead", "campaign"])
def test_deleting_stops_a_leased_invite(app, client, deletion):
    team, campaign, ada = _ada_planned(app, client)
    [invite] = of_type(team.poll(), "invite")
    path = f"/leads/{ada}" if deletion == "lead" else f"/campaigns/{campaign}"
    deleted = team.call("DELETE", path, expect=None)
    assert deleted.status_code == 204, f"deleting the {deletion} was refused: {deleted.get_json()}"
    refused = team.start(invite)
    assert refused.status_code == 409, f"the extension was allowed to send an invite of a deleted {deletion}"
    team.clock.advance(minutes=11)
    assert team.poll() == []


# 6. Pacing holds when the extension leases, not only in the plan ----------------------------------------------

def test_an_extension_back_online_gets_one_paced_action_at_a_time(app, client):
    team = Outreach(app, client, now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    team.configure(invitesPerDay=20)  # the default gap: 2 to 8 minutes
    campaign = team.campaign()
    team.add_leads(campaign, [f"lead-{index}" for index in range(20)])
    for _ in range(12):  # an hour of planning while the extension is offline
        team.tick(minutes=5)
    team.call("POST", "/posts", {"content": "Launch day"}, expect=201)
    team.tick()
    offered = team.poll()
    paced = of_type(offered, "invite", "message", "withdraw")
    assert len(paced) == 1, f"after an hour offline one poll handed out {len(paced)} invites to send back to back"
    assert len(of_type(offered, "post")) == 1, "posts are not paced: the due post comes in the same poll"
    team.perform(paced[0])
    started_at = team.clock()
    team.tick()
    assert of_type(team.poll(), "invite") == [], "another invite was offered right after the previous one was sent"
    offered = []
    while not offered and team.clock() < started_at + timedelta(minutes=8):  # the gap is at most 8 minutes
        team.tick(minutes=1)
        offered = of_type(team.poll(), "invite")
    assert len(offered) == 1, f"{len(offered)} invites were offered in one poll, 8 minutes after the last one"
    assert team.clock() - started_at >= timedelta(minutes=2), "two invites were sent less than 2 minutes apart"
    team.tick(minutes=3)  # leased, not reported: nothing else until it is reported or its lease ends
    assert of_type(team.poll(), "invite") == [], "an invite was offered while the previous one was still leased"
    team.tick(minutes=8)  # its lease (10 minutes) has ended
    assert len(of_type(team.poll(), "invite")) == 1

def test_withdrawals_due_at_once_are_handed_out_one_at_a_time(app, client):
    team = Outreach(app, client)
    team.configure(invitesPerDay=30, gapMinutes=NO_GAP)
    campaign = team.campaign(settings={"inviteExpiryDays": 1})
    team.add_leads(campaign, [f"lead-{index}" for index in range(30)])
    team.tick()
    team.tick(minutes=1)
    assert len(of_type(team.drain(), "invite")) == 30
    team.configure(gapMinutes={"min": 2, "max": 8})
    team.next_working_day(hour=10)  # the invites are a day old: all 30 are withdrawn
    team.tick()
    offered = team.poll()
    assert len(of_type(offered, "withdraw")) <= 1, (
        f"one poll handed out {len(of_type(offered, 'withdraw'))} withdrawals to do back to back")


# 7. An acceptance seen before the withdrawal went out wins -----------------------------------------------------

def test_an_acceptance_seen_while_a_withdrawal_waits_for_monday_cancels_it(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign(settings={"inviteExpiryDays": 4})
    ada = team.add_leads(campaign, ["ada"])["ada"]
    team.tick()
    team.tick(minutes=1)
    assert len(of_type(team.drain(), "invite")) == 1  # Monday 10:00
    team.at(datetime(2026, 3, 6, 18, 30, tzinfo=UTC))  # Friday evening: the withdrawal waits for Monday 09:00
    team.tick()
    team.at(datetime(2026, 3, 7, 11, 0, tzinfo=UTC))  # Saturday: Ada accepts
    team.observe("invite_accepted", "ada")
    after = team.lead(ada)
    assert after["status"] == "connected", (
        f"Ada accepted on Saturday but stays {after['status']} ({after['statusReason']}): she is never messaged")
    done = []
    for moment in (datetime(2026, 3, 9, 9, 5, tzinfo=UTC), datetime(2026, 3, 9, 11, 30, tzinfo=UTC)):  # Monday
        team.at(moment)
        team.tick()
        done += team.drain()
    assert of_type(done, "withdraw") == [], "the invitation Ada had accepted was withdrawn on Monday"
    assert [m["lead"]["id"] for m in of_type(done, "message")] == [ada], "Ada never got her first message"

def test_an_acceptance_seen_while_the_withdrawal_is_leased_stops_it(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign(settings={"inviteExpiryDays": 1})
    ada = team.add_leads(campaign, ["ada"])["ada"]
    team.tick()
    team.tick(minutes=1)
    team.drain()
    team.next_working_day(hour=10, minute=30)
    team.tick()
    [withdraw] = of_type(team.poll(), "withdraw")
    team.observe("invite_accepted", "ada")
    assert team.start(withdraw).status_code == 409, "the extension was told to withdraw an accepted invitation"
    assert team.lead(ada)["status"] == "connected"


# 8. Every state has a way out in bounded time ----------------------------------------------------------------

def test_an_action_never_reported_ends_failed_within_a_day_and_its_lead_too(app, client):
    team, campaign, ada = _ada_planned(app, client)
    [invite] = of_type(team.poll(), "invite")
    assert team.start(invite).status_code == 200  # ... and the extension is never heard of again for it
    team.clock.advance(minutes=11)
    [verify] = team.poll()
    assert verify["step"] == "verify"  # nobody checks
    for _ in range(26):
        team.tick(hours=1)
        team.poll()
    after = team.lead(ada)
    assert after["status"] == "failed", f"a day after its invite went silent, Ada is still {after['status']}"
    assert "never reported" in (after["statusReason"] or "")
    [stuck] = actions("invite")
    assert stuck.status == "failed" and "never reported" in (stuck.error or "")
    for _ in range(5):
        team.tick(hours=24)
        assert team.poll() == [], "the silent invite was offered again"
    team.call("DELETE", f"/campaigns/{campaign}", expect=204)


def test_a_campaign_can_be_deleted_while_the_extension_is_sending_and_what_it_sent_still_counts(app, client):
    team = Outreach(app, client)
    team.configure(invitesPerDay=1, gapMinutes=NO_GAP)
    campaign = team.campaign()
    team.add_leads(campaign, ["ada"])
    team.tick()
    team.tick(minutes=1)
    [invite] = of_type(team.poll(), "invite")
    assert team.start(invite).status_code == 200
    deleted = team.call("DELETE", f"/campaigns/{campaign}", expect=None)
    assert deleted.status_code == 204, f"deleting a campaign was refused: {deleted.get_json()}"
    reported = team.report(invite)
    assert reported.status_code == 200, f"the extension's report of the invite it sent was refused: {reported.json}"
    other = team.campaign(name="Next")
    team.add_leads(other, ["bea"])
    assert _invites_sent_over(team, 4) == 0, "the account's one invite of the day was sent twice"


# 9. A post the extension holds cannot be changed, and its record says what happened ---------------------------

def test_a_post_being_published_is_publishing_and_cannot_be_changed_or_cancelled(app, client):
    team = Outreach(app, client)
    post = team.call("POST", "/posts", {"content": "Launch day"}, expect=201).get_json()
    team.tick(minutes=1)
    [leased] = team.poll()
    assert team.call("GET", f"/posts/{post['id']}").get_json()["status"] == "publishing", (
        "while the extension publishes the post, it still shows as scheduled")
    edited = team.call("PUT", f"/posts/{post['id']}", {"content": "Changed"}, expect=None)
    assert edited.status_code == 409, "the post was edited while the extension was publishing the old text"
    cancelled = team.call("DELETE", f"/posts/{post['id']}", expect=None)
    assert cancelled.status_code == 409, "the post was cancelled while the extension was publishing it"
    team.perform(leased, postUrl="https://www.linkedin.com/feed/update/1/")
    record = team.call("GET", f"/posts/{post['id']}").get_json()
    assert (record["status"], record["content"]) == ("published", "Launch day")


# 10. A status set by hand is planned from ---------------------------------------------------------------------

def _offered_after(team: Outreach, kind: str, hours: float) -> list[dict]:
    team.tick(hours=hours)
    return of_type(team.poll(), kind)


def test_a_lead_marked_connected_by_hand_gets_its_first_message_a_day_later(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    ada = team.add_leads(team.campaign(), ["ada"])["ada"]
    team.set_lead_status(ada, "connected")
    assert _offered_after(team, "message", 23) == []
    messages = _offered_after(team, "message", 1.1)
    assert [m["text"] for m in messages] == ["Thanks Ada"], "a lead marked connected by hand was never messaged"


def test_a_lead_marked_invited_by_hand_is_withdrawn_after_the_expiry(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    ada = team.add_leads(team.campaign(), ["ada"])["ada"]
    team.set_lead_status(ada, "invited")
    assert of_type(team.poll(), "invite") == []
    assert _offered_after(team, "withdraw", 21 * 24 - 1) == []
    withdrawals = _offered_after(team, "withdraw", 1.1)
    assert [w["lead"]["id"] for w in withdrawals] == [ada], (
        "a lead marked invited by hand was never withdrawn after 21 days")


def test_a_lead_marked_messaged_by_hand_gets_its_follow_up_after_its_days(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    ada = team.add_leads(team.campaign(templates=FOLLOW_UP_TEMPLATES), ["ada"])["ada"]
    team.set_lead_status(ada, "messaged")
    assert _offered_after(team, "message", 2 * 24) == []
    messages = _offered_after(team, "message", 24.1)
    assert [m["text"] for m in messages] == ["Any thoughts, Ada?"], (
        "a lead marked messaged by hand never got its follow-up")


# 11. Finished campaigns release their people -----------------------------------------------------------------

@pytest.mark.parametrize("status", ["archived", "completed"])
def test_a_person_of_a_finished_campaign_can_be_contacted_by_a_new_one(app, client, status):
    team = Outreach(app, client)
    old = team.campaign(name="Old")
    team.add_leads(old, ["ada"])
    team.tick()
    team.call("PATCH", f"/campaigns/{old}", {"status": status})
    new = team.campaign(name="New")
    ada = team.add_leads(new, ["ada"])["ada"]
    team.tick(minutes=1)
    after = team.lead(ada)
    assert after["status"] == "queued", (
        f"Ada was skipped by the new campaign ({after['statusReason']}) because of a campaign that is {status}")


def test_a_person_of_a_paused_campaign_is_still_held_by_it(app, client):
    team = Outreach(app, client)
    old = team.campaign(name="Old")
    team.add_leads(old, ["ada"])
    team.tick()
    team.call("PATCH", f"/campaigns/{old}", {"status": "paused"})
    new = team.campaign(name="New")
    ada = team.add_leads(new, ["ada"])["ada"]
    team.tick(minutes=1)
    after = team.lead(ada)
    assert after["status"] == "skipped" and "already being contacted" in after["statusReason"]


# 13. The time zone: a heartbeat replans like a PATCH, and the user's choice wins ------------------------------

def test_a_heartbeat_that_changes_the_time_zone_withdraws_the_plan_made_for_the_old_one(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    team.add_leads(team.campaign(), ["ada", "bob"])
    team.tick()
    team.tick(minutes=1)
    planned = actions("invite", "pending")
    assert len(planned) == 2
    team.heartbeat(team.first, timezone="Europe/Paris")
    assert team.account()["timezone"] == "Europe/Paris"
    assert team.poll() == [], "invites planned for the old time zone were handed out after the zone changed"
    assert {a.status for a in actions("invite") if a.id in {p.id for p in planned}} == {"cancelled"}


def test_a_time_zone_chosen_through_the_api_is_not_overwritten_by_the_extension(app, client):
    team = Outreach(app, client)
    team.call("PATCH", f"/accounts/{team.accounts[team.first]}", {"timezone": "Europe/Paris"})
    team.heartbeat(team.first, timezone="America/New_York")
    assert team.account()["timezone"] == "Europe/Paris", "the next heartbeat overwrote the time zone the user chose"


# After a change has answered 200, nothing planned under the old rules is ever leased ---------------------------

def test_pausing_after_the_plan_and_before_the_poll_leases_nothing(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign()
    team.add_leads(campaign, ["ada", "bob", "cy"])
    team.tick()
    team.tick(minutes=1)
    team.call("PATCH", f"/campaigns/{campaign}", {"status": "paused"})
    assert team.poll() == [], "a paused campaign's invites were handed to the extension"
    team.tick(minutes=30)
    assert team.poll() == []


@pytest.mark.parametrize("where", ["campaign", "account"])
def test_lowering_the_daily_cap_after_the_plan_holds_for_today(app, client, where):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign()
    team.add_leads(campaign, [f"lead-{index}" for index in range(10)])
    team.tick()
    team.tick(minutes=1)
    assert len(actions("invite", "pending")) == 10
    if where == "campaign":
        team.call("PATCH", f"/campaigns/{campaign}", {"settings": {"invitesPerDay": 3}})
    else:
        team.configure(invitesPerDay=3)
    sent = _invites_sent_over(team, 30)
    assert sent == 3, f"the {where}'s cap was lowered to 3 invites a day, and {sent} went out that day"

