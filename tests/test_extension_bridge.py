"""Heartbeat, scraped leads and concurrent pollers."""

import threading
import uuid

from app.extensions import db
from app.models import Lead, LinkedInAccount
from tests.test_extension_support import Team, events


def test_heartbeat_registers_one_account_per_profile_and_answers_what_to_follow(app, client):
    team = Team(app, client)
    again = client.post("/api/v1/extension/heartbeat", headers=team.headers, json={
        "extensionVersion": "1.1.0", "linkedinAccount": {"profileUrl": "linkedin.com/in/SENDER", "name": "S"},
        "timezone": "Europe/Paris"})
    body = again.get_json()
    assert again.status_code == 200 and body["accountId"] == str(team.account_id)
    assert body["pollIntervalSeconds"] == 30 and body["leaseSeconds"] == 600
    assert body["limits"]["invitesPerDay"] == 5  # a new account warms up
    assert body["paused"]["invitesPaused"] is False and body["serverTime"].endswith("Z")
    db.session.expire_all()
    account = db.session.get(LinkedInAccount, team.account_id)
    assert account.timezone == "Europe/Paris" and account.extension_version == "1.1.0"
    second = client.post("/api/v1/extension/heartbeat", headers=team.headers,
                         json={"linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/other/"}})
    assert second.get_json()["accountId"] != str(team.account_id)
    # With two accounts, a poll must say which one it acts as.
    headers = {k: v for k, v in team.headers.items() if k != "X-LinkedIn-Account"}
    ambiguous = client.get("/api/v1/extension/actions", headers=headers)
    assert ambiguous.status_code == 400 and ambiguous.get_json()["error"].startswith("X-LinkedIn-Account")


def test_heartbeat_bad_input_names_the_field(app, client):
    team = Team(app, client)
    cases = [
        ({}, "linkedinAccount"),
        ({"linkedinAccount": {"profileUrl": "https://example.com/x"}}, "linkedinAccount.profileUrl"),
        ({"linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/a/"}, "timezone": "Mars/Base"}, "timezone"),
        ({"linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/a/", "name": "x" * 300}},
         "linkedinAccount.name"),
        ({"linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/a/"}, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/extension/heartbeat", headers=team.headers, json=body)
        assert answer.status_code == 400 and answer.get_json()["error"].startswith(field), (body, answer.get_json())


def test_scraped_leads_emit_one_event_per_batch_that_added_leads(app, client):
    team = Team(app, client)
    batch = {
        "campaignId": str(team.campaign.id),
        "leads": [
            {"name": "Ada <b>Lovelace</b>", "profileUrl": "https://www.linkedin.com/in/ada/", "title": "Founder"},
            {"name": "Ada again", "profileUrl": "https://linkedin.com/in/ADA"},
            {"name": "Bob", "profileUrl": "https://www.linkedin.com/in/bob/", "company": "<script>x</script>Acme"},
        ],
        "source": {"searchUrl": "https://www.linkedin.com/search/results/people/?keywords=ceo", "page": 2},
    }
    first = client.post("/api/v1/extension/leads", headers=team.headers, json=batch)
    assert first.status_code == 200 and first.get_json()["added"] == 2 and first.get_json()["duplicates"] == 1
    replay = client.post("/api/v1/extension/leads", headers=team.headers, json=batch)
    assert replay.get_json()["added"] == 0
    [event] = events("leads.scraped")
    assert set(event.data) == {"campaignId", "count", "leads", "source", "occurredAt"}
    assert event.data["campaignId"] == str(team.campaign.id) and event.data["count"] == 2
    assert [lead["name"] for lead in event.data["leads"]] == ["Ada Lovelace", "Bob"]
    assert event.data["source"] == batch["source"]
    assert db.session.scalar(db.select(Lead.company).where(Lead.name == "Bob")) == "xAcme"
    hostile = client.post("/api/v1/extension/leads", headers=team.headers, json={
        "campaignId": str(team.campaign.id), "leads": [{"name": "a\x07b", "profileUrl": "linkedin.com/in/c"}]})
    assert hostile.status_code == 400 and hostile.get_json()["error"].startswith("leads.0.name")
    foreign = client.post("/api/v1/extension/leads", headers=team.headers,
                          json={"campaignId": str(uuid.uuid4()), "leads": []})
    assert foreign.status_code == 404
    assert len(events("leads.scraped")) == 1


def test_concurrent_pollers_never_share_an_action(pg_app):
    client = pg_app.test_client()
    team = Team(pg_app, client)
    for index in range(60):  # comments: paced actions (invites, messages) go out one at a time by design
        team.action("comment", text=f"Comment {index}")
    received: list[list[str]] = [[] for _ in range(8)]
    barrier = threading.Barrier(8)

    def poller(slot: int):
        with pg_app.app_context():
            own_client = pg_app.test_client()
            barrier.wait()
            while True:
                answer = own_client.get("/api/v1/extension/actions?limit=3", headers=team.headers)
                assert answer.status_code == 200
                ids = [a["id"] for a in answer.get_json()["actions"]]
                if not ids:
                    return
                received[slot].extend(ids)
            db.session.remove()

    threads = [threading.Thread(target=poller, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [action_id for ids in received for action_id in ids]
    assert len(everything) == 60 and len(set(everything)) == 60
    assert sum(1 for ids in received if ids) > 1  # several pollers really did take part
