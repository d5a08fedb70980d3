"""The do-not-contact list: a listed person is never invited, messaged or re-invited by any campaign of the team."""

import io
import uuid

from app.extensions import db
from app.models import Lead
from app.suppression import add_to_list
from tests.conftest import bearer, make_user
from tests.engine_helpers import NO_GAP, Outreach, actions, of_type, profile

LISTED = "on the team's do-not-contact list"


def _list(team: Outreach, *slugs, expect=201, **extra) -> dict:
    return team.call("POST", "/do-not-contact", {"profileUrls": [profile(slug) for slug in slugs], **extra},
                     expect=expect).get_json()


def _offered_to(team: Outreach, days: int = 2) -> set[str]:
    """The people the extension was asked to act for over `days` working days of ticks and polls."""
    people = set()
    for day in range(days):
        if day:
            team.next_working_day()
        for _ in range(12):
            team.tick(minutes=30)
            for leased in team.drain():
                if leased.get("lead"):
                    people.add(leased["lead"]["profileUrl"])
    return people


def test_a_listed_person_added_to_a_new_campaign_is_refused_and_never_leased(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    first = team.campaign("Q4")
    team.add_leads(first, ["ada", "bob"])
    listed = _list(team, "ada", reason="asked us by email")
    assert listed["added"] == 1 and listed["leadsEnded"] == 1
    later = team.campaign("Q1")
    added = team.call("POST", "/leads", {"campaignId": later, "leads": [
        {"name": "Ada Test", "profileUrl": "linkedin.com/in/ADA"}, {"name": "Cy Test", "profileUrl": profile("cy")}]},
        expect=201).get_json()
    assert added["created"] == 1 and added["refused"] == 1
    assert added["refusedLeads"] == [{"profileUrl": profile("ada"), "reason": LISTED}]
    people = _offered_to(team)
    assert profile("ada") not in people
    assert {profile("bob"), profile("cy")} <= people  # the others went on as usual


def test_the_planner_and_the_lease_consult_the_list_even_for_leads_it_did_not_end(app, client):
    """A listing that raced a plan (the lead still queued, its invite planned) is still honoured by both."""
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign()
    team.add_leads(campaign, ["ada", "bob", "cy"])
    team.tick()
    assert len(actions("invite", "pending")) == 3
    add_to_list(team.team_id, [profile("ada")], "api", None, team.clock())  # the rule alone: nothing cancelled
    db.session.commit()
    offered = team.drain()
    assert {leased["lead"]["profileUrl"] for leased in offered} == {profile("bob"), profile("cy")}
    [ada_invite] = [a for a in actions("invite") if a.lead.profile_url == profile("ada")]
    assert ada_invite.status == "pending" and ada_invite.lease_count == 0  # never offered
    # A lead of a new campaign that reached the planner without passing lead creation: the planner skips it.
    second = team.campaign("Q1")
    queued = Lead(team_id=team.team_id, campaign_id=uuid.UUID(second), name="Ada Test", profile_url=profile("ada"),
                  status="queued", next_step_at=team.clock(), tags=[], custom_fields={}, messages_sent=0)
    db.session.add(queued)
    db.session.commit()
    assert profile("ada") not in _offered_to(team, days=1)
    assert [a for a in actions() if a.lead_id == queued.id] == []


def test_listing_cancels_pending_and_leased_actions_and_ends_the_leads(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign()
    ids = team.add_leads(campaign, ["ada", "bob"])
    team.tick()
    [leased] = of_type(team.poll(), "invite")  # one paced action at a time: the other stays pending
    answer = _list(team, "ada", "bob", "ada")
    assert answer["added"] == 2 and answer["alreadyListed"] == 0 and answer["actionsCancelled"] == 2
    assert answer["leadsEnded"] == 2
    refused = team.start(leased)
    assert refused.status_code == 409 and LISTED in refused.get_json()["error"]
    for lead_id in ids.values():
        lead = team.lead(lead_id)
        assert lead["status"] == "skipped" and lead["statusReason"] == LISTED
    assert _list(team, "ada")["alreadyListed"] == 1


def test_the_extension_reports_a_person_asked_to_stop(app, client):
    team = Outreach(app, client)
    campaign = team.campaign()
    ada = team.add_leads(campaign, ["ada"])["ada"]
    answer = team.observe("opted_out", "ada")
    assert answer == {"profileUrl": profile("ada"), "matched": 1, "changed": 1}
    assert team.lead(ada)["status"] == "skipped"
    [entry] = team.call("GET", "/do-not-contact").get_json()["entries"]
    assert entry["profileUrl"] == profile("ada") and entry["source"] == "extension"
    scraped = client.post("/api/v1/extension/leads", headers=team.headers(), json={
        "campaignId": team.campaign("Q2"), "leads": [{"name": "Ada Test", "profileUrl": profile("ada")}]})
    assert scraped.get_json()["added"] == 0 and scraped.get_json()["refused"] == 1
    assert scraped.get_json()["refusedLeads"][0]["reason"] == LISTED


def test_csv_import_of_the_list_and_of_leads(app, client):
    team = Outreach(app, client)
    data = f"LinkedIn URL,Reason\n{profile('ada')},met at a fair\nnot a url,x\n\nlinkedin.com/in/bob,\n".encode()
    answer = client.post("/api/v1/do-not-contact/import", headers=team.auth,
                         data={"file": (io.BytesIO(data), "dnc.csv")}, content_type="multipart/form-data")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["added"] == 2 and body["failed"] == 1 and body["errors"][0]["row"] == 3
    assert "profileUrl" in body["errors"][0]["error"]
    bare = client.post("/api/v1/do-not-contact/import", headers=team.auth,
                       data={"file": (io.BytesIO(b"https://www.linkedin.com/in/cy/\n"), "dnc.csv")},
                       content_type="multipart/form-data").get_json()
    assert bare["added"] == 1 and bare["profileUrls"] == [profile("cy")]
    entries = team.call("GET", "/do-not-contact?limit=2").get_json()
    assert entries["total"] == 3 and len(entries["entries"]) == 2
    leads_csv = f"name,profileUrl\nAda Test,{profile('ada')}\nDee Test,{profile('dee')}\n".encode()
    imported = client.post(f"/api/v1/leads/import?campaignId={team.campaign()}", headers=team.auth,
                           data={"file": (io.BytesIO(leads_csv), "leads.csv")},
                           content_type="multipart/form-data").get_json()
    assert imported["created"] == 1 and imported["refused"] == 1 and imported["duplicates"] == 0


def test_removing_from_the_list_lets_campaigns_contact_the_person_again(app, client):
    team = Outreach(app, client)
    _list(team, "ada")
    team.call("DELETE", "/do-not-contact?profileUrl=https://linkedin.com/in/Ada", expect=204)
    team.call("DELETE", f"/do-not-contact?profileUrl={profile('ada')}", expect=404)
    assert team.add_leads(team.campaign(), ["ada"])


def test_another_teams_list_changes_nothing_here(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign()
    ada = team.add_leads(campaign, ["ada"])["ada"]
    _, other_token = make_user()
    other = client.post("/api/v1/do-not-contact", headers=bearer(other_token),
                        json={"profileUrls": [profile("ada")]})
    assert other.status_code == 201 and other.get_json()["leadsEnded"] == 0
    assert team.call("GET", "/do-not-contact").get_json() == {"entries": [], "total": 0}
    assert team.lead(ada)["status"] == "new"
    assert profile("ada") in _offered_to(team, days=1)


def test_bad_input_is_refused_naming_the_field(app, client):
    team = Outreach(app, client)
    cases = [
        ("POST", "/do-not-contact", {"profileUrls": [profile("ada"), "https://example.com/x"]}, "profileUrls.1"),
        ("POST", "/do-not-contact", {}, "profileUrls"),
        ("POST", "/do-not-contact", {"profileUrls": []}, "profileUrls"),
        ("POST", "/do-not-contact", {"profileUrls": [profile("ada")], "reason": "x" * 301}, "reason"),
        ("DELETE", "/do-not-contact", None, "profileUrl"),
        ("DELETE", "/do-not-contact?profileUrl=javascript:alert(1)", None, "profileUrl"),
        ("GET", "/do-not-contact?limit=0", None, "limit"),
        ("DELETE", "/people", None, "profileUrl"),
        ("DELETE", "/people?profileUrl=https://www.linkedin.com/company/acme/", None, "profileUrl"),
    ]
    for method, path, body, field in cases:
        answer = team.call(method, path, body, expect=400).get_json()
        assert field in answer["error"], (method, path, answer)
    empty = client.post("/api/v1/do-not-contact/import", headers=team.auth,
                        data={"file": (io.BytesIO(b""), "dnc.csv")}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "file" in empty.get_json()["error"]
