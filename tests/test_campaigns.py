"""Campaigns: the documented create/list, by-id edits, status transitions, templates, preview, isolation."""

import pytest

from tests.conftest import bearer, make_user

DOC_BODY = {
    "name": "Q4 founders",
    "search_url": "https://www.linkedin.com/search/results/people/?keywords=founder",
    "targeting": {"titleKeywords": ["founder", "ceo"]},
    "templates": {"note": "Hi {{first_name}}, ..."},
}


def create(client, auth, **overrides):
    body = {**DOC_BODY, **overrides}
    if "searchUrl" in overrides:
        body.pop("search_url")
    response = client.post("/api/v1/campaigns", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


def test_documented_create_and_list(client, auth):
    campaign = create(client, auth)
    assert campaign["name"] == "Q4 founders" and campaign["status"] == "draft"
    assert campaign["searchUrl"] == DOC_BODY["search_url"]
    assert campaign["targeting"] == {"titleKeywords": ["founder", "ceo"]}
    assert campaign["templates"] == {"note": "Hi {{first_name}}, ..."}
    assert campaign["stats"]["total"] == 0 and campaign["stats"]["new"] == 0
    assert campaign["createdAt"].endswith("Z")
    second = create(client, auth, name="Second", searchUrl=None)
    listed = client.get("/api/v1/campaigns", headers=auth).get_json()["campaigns"]
    assert [c["id"] for c in listed] == [second["id"], campaign["id"]]


def test_camel_and_snake_spellings_both_accepted(client, auth):
    campaign = create(client, auth, searchUrl="https://www.linkedin.com/search/x",
                      templates={"note": "Hi", "follow_ups": [{"after_days": 3, "body": "Ping {{first_name|there}}"}]},
                      settings={"invites_per_day": 30})
    assert campaign["searchUrl"] == "https://www.linkedin.com/search/x"
    assert campaign["templates"]["followUps"] == [{"afterDays": 3, "body": "Ping {{first_name|there}}"}]
    assert campaign["settings"] == {"invitesPerDay": 30}


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"search_url": "https://evil.example.com/search"}, "searchUrl"),
    ({"templates": {"note": "Hi {{firstname}}"}}, "templates.note"),
    ({"templates": {"note": "Hi {{first_name"}}, "templates.note"),
    ({"templates": {"note": "{{title}} {{title}} {{title}} {{title}}"}}, "templates.note"),
    ({"templates": {"note": "x" * 301}}, "templates.note"),
    ({"templates": {"message": "Hello {{nickname|friend}}"}}, "templates.message"),
    ({"templates": {"followUps": [{"afterDays": 0, "body": "x"}]}}, "templates.followUps"),
    ({"templates": {"followUps": [{"afterDays": 2, "body": "{{ceo}}"}]}}, "templates.followUps.0.body"),
    ({"settings": {"invitesPerDay": 101}}, "settings.invitesPerDay"),
    ({"settings": {"invitesPerWeek": 0}}, "settings.invitesPerWeek"),
    ({"settings": {"messagesPerDay": 151}}, "settings.messagesPerDay"),
    ({"settings": {"messagesPerDay": "50"}}, "settings.messagesPerDay"),
    ({"settings": {"dailyMax": 5}}, "settings.dailyMax"),
    ({"targeting": {"titleKeywords": "founder"}}, "targeting.titleKeywords"),
    ({"status": "completed"}, "status"),
    ({"colour": "red"}, "colour"),
    ({"searchUrl": "https://www.linkedin.com/search/other"}, "searchUrl"),
])
def test_every_validation_error_names_its_field(client, auth, body, field):
    message = error_of(client.post("/api/v1/campaigns", json={**DOC_BODY, **body}, headers=auth), 400)
    assert message.startswith(field), message


def test_unknown_variable_is_named_and_long_note_refused(client, auth):
    message = error_of(client.post("/api/v1/campaigns", json={**DOC_BODY, "templates": {"note": "Hi {{nick}}"}},
                                   headers=auth), 400)
    assert "{{nick}}" in message
    # 30 + 60 + 80 + literal: fits; one more title does not.
    fits = "Hi {{first_name}} at {{company}}, as a {{title}} you " + "x" * 100
    assert client.post("/api/v1/campaigns", json={**DOC_BODY, "templates": {"note": fits}},
                       headers=auth).status_code == 201
    message = error_of(client.post("/api/v1/campaigns", json={**DOC_BODY, "templates": {"note": fits + "{{title}}"}},
                                   headers=auth), 400)
    assert "300" in message


def test_get_patch_and_status_transitions(client, auth):
    campaign = create(client, auth)
    url = f"/api/v1/campaigns/{campaign['id']}"
    assert client.get(url, headers=auth).get_json()["id"] == campaign["id"]
    renamed = client.patch(url, json={"name": "Renamed", "targeting": {"titleKeywords": ["cto"],
                                                                       "excludeKeywords": ["intern"]}}, headers=auth)
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Renamed"
    assert renamed.get_json()["targeting"]["excludeKeywords"] == ["intern"]
    for status in ("active", "paused", "active", "completed"):
        response = client.patch(url, json={"status": status}, headers=auth)
        assert response.status_code == 200 and response.get_json()["status"] == status
    message = error_of(client.patch(url, json={"status": "active"}, headers=auth), 409)
    assert "completed" in message and "archived" in message
    assert client.patch(url, json={"status": "archived"}, headers=auth).status_code == 200
    assert "archived" in error_of(client.patch(url, json={"status": "draft"}, headers=auth), 409)
    assert error_of(client.patch(url, json={"name": "x"}, headers=auth), 409)
    assert error_of(client.patch(url, json={"status": "frozen"}, headers=auth), 400).startswith("status")


def test_settings_patch_is_partial_and_validated(client, auth):
    campaign = create(client, auth, settings={"invitesPerDay": 20, "messagesPerDay": 40})
    url = f"/api/v1/campaigns/{campaign['id']}"
    patched = client.patch(url, json={"settings": {"invitesPerDay": 50}}, headers=auth).get_json()
    assert patched["settings"] == {"invitesPerDay": 50, "messagesPerDay": 40}
    assert error_of(client.patch(url, json={"settings": {"invitesPerDay": 500}}, headers=auth), 400).startswith(
        "settings.invitesPerDay")
    assert error_of(client.patch(url, json={"templates": {"note": "{{x}}"}}, headers=auth), 400).startswith(
        "templates.note")


def test_delete_removes_campaign_and_its_leads(client, auth):
    campaign = create(client, auth)
    client.post("/api/v1/leads", json={"campaignId": campaign["id"], "leads": [
        {"name": "Ada", "profileUrl": "https://www.linkedin.com/in/ada/"}]}, headers=auth)
    lead_id = client.get(f"/api/v1/leads?campaignId={campaign['id']}", headers=auth).get_json()["leads"][0]["id"]
    assert client.delete(f"/api/v1/campaigns/{campaign['id']}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/campaigns/{campaign['id']}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/leads/{lead_id}", headers=auth).status_code == 404


def test_preview_renders_and_flags_fallbacks(client, auth):
    campaign = create(client, auth, templates={"note": "Hi {{first_name|there}}, {{company}} fan here",
                                               "message": "Thanks {{first_name}}"})
    client.post("/api/v1/leads", json={"campaignId": campaign["id"], "leads": [
        {"name": "Ada Lovelace", "profileUrl": "https://www.linkedin.com/in/ada/", "company": "Engines"},
        {"name": "X", "firstName": "", "profileUrl": "https://www.linkedin.com/in/x/"},
    ]}, headers=auth)
    url = f"/api/v1/campaigns/{campaign['id']}/preview"
    body = client.post(url, json={}, headers=auth).get_json()
    by_name = {item["name"]: item for item in body["previews"]}
    assert by_name["Ada Lovelace"]["note"]["text"] == "Hi Ada, Engines fan here"
    assert by_name["Ada Lovelace"]["fallsBack"] is False
    assert by_name["X"]["note"]["empty"] == ["company"] and by_name["X"]["fallsBack"] is True
    assert body["leadsFallingBack"] == 1
    sample = client.post(url, json={"sample": {"company": "Acme"}}, headers=auth).get_json()["previews"][0]
    assert sample["note"]["text"] == "Hi there, Acme fan here" and sample["note"]["fellBack"] == ["first_name"]
    assert sample["note"]["length"] == len("Hi there, Acme fan here")
    assert error_of(client.post(url, json={"sample": {"nickname": "x"}}, headers=auth), 400).startswith("sample")


def test_other_teams_campaign_is_404_everywhere(client, auth):
    campaign = create(client, auth)
    _, other_token = make_user()
    other = bearer(other_token)
    url = f"/api/v1/campaigns/{campaign['id']}"
    assert client.get(url, headers=other).status_code == 404
    assert client.patch(url, json={"name": "mine"}, headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert client.post(url + "/preview", json={}, headers=other).status_code == 404
    assert client.get("/api/v1/campaigns", headers=other).get_json() == {"campaigns": []}
    assert client.get("/api/v1/campaigns/not-a-uuid", headers=auth).status_code == 404
    assert client.get(url, headers=auth).get_json()["name"] == "Q4 founders"
