"""A campaign says what it needs to start, and can be created active when it has it."""

from tests.test_campaigns import DOC_BODY

MISSING = ["templates.note or templates.message"]


def test_the_public_example_is_a_draft_that_says_it_is_ready(client, auth):
    created = client.post("/api/v1/campaigns", json=DOC_BODY, headers=auth).get_json()
    assert created["status"] == "draft" and created["readyToStart"] is True and created["missingToStart"] == []


def test_a_campaign_without_a_note_or_message_says_what_is_missing(client, auth):
    created = client.post("/api/v1/campaigns", json={"name": "Bare"}, headers=auth).get_json()
    assert created["readyToStart"] is False and created["missingToStart"] == MISSING
    listed = client.get("/api/v1/campaigns", headers=auth).get_json()["campaigns"][0]
    assert listed["missingToStart"] == MISSING
    assert client.get(f"/api/v1/campaigns/{created['id']}", headers=auth).get_json()["missingToStart"] == MISSING


def test_created_active_when_complete(client, auth):
    for templates in ({"note": "Hi {{first_name|there}}"}, {"message": "Thanks for connecting"}):
        response = client.post("/api/v1/campaigns", json={"name": "Go", "status": "active", "templates": templates},
                               headers=auth)
        assert response.status_code == 201 and response.get_json()["status"] == "active"


def test_created_active_when_incomplete_is_400_naming_what_is_missing(client, auth):
    response = client.post("/api/v1/campaigns", json={"name": "Go", "status": "active", "templates": {}},
                           headers=auth)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"].startswith("status: cannot start a campaign without templates.note or templates.message")
    assert body["details"] == {"missingToStart": MISSING}
    assert client.get("/api/v1/campaigns", headers=auth).get_json()["campaigns"] == []


def test_a_draft_is_started_by_patch_only_when_complete(client, auth):
    draft = client.post("/api/v1/campaigns", json={"name": "Later"}, headers=auth).get_json()
    url = f"/api/v1/campaigns/{draft['id']}"
    refused = client.patch(url, json={"status": "active"}, headers=auth)
    assert refused.status_code == 400 and refused.get_json()["details"] == {"missingToStart": MISSING}
    assert client.get(url, headers=auth).get_json()["status"] == "draft"
    started = client.patch(url, json={"status": "active", "templates": {"message": "Hello"}}, headers=auth)
    assert started.status_code == 200 and started.get_json()["status"] == "active"
