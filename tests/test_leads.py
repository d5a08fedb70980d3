"""Leads: the documented bulk add and list, validation, URL normalisation and dedupe, by-id, isolation."""

import time

import pytest
import sqlalchemy as sa

from app.errors import ApiError
from app.extensions import db
from app.leads.service import normalize_profile_url
from tests.conftest import bearer, make_user


def new_campaign(client, auth, name="Leads test"):
    response = client.post("/api/v1/campaigns", json={"name": name}, headers=auth)
    assert response.status_code == 201
    return response.get_json()["id"]


def get_within_budget(client, url, auth):
    """GET as a client should: a 429 is waited out (Retry-After) and asked again; any other answer is returned.
    Sync loops that wait for a busy PostgreSQL cluster can spend the token's 60 requests a minute."""
    while True:
        answer = client.get(url, headers=auth)
        if answer.status_code != 429:
            return answer
        time.sleep(int(answer.headers["Retry-After"]))


def add(client, auth, campaign_id, leads):
    return client.post("/api/v1/leads", json={"campaignId": campaign_id, "leads": leads}, headers=auth)


def test_documented_bulk_add_and_list(client, auth):
    campaign_id = new_campaign(client, auth)
    response = add(client, auth, campaign_id, [{"name": "Ada Lovelace", "profileUrl": "https://www.linkedin.com/in/ada/",
                                                "title": "Founder", "location": "London"}])
    assert response.status_code == 201
    body = response.get_json()
    assert body["created"] == 1 and body["duplicates"] == 0
    lead = body["leads"][0]
    assert {k: lead[k] for k in ("campaignId", "name", "firstName", "lastName", "profileUrl", "title", "location",
                                 "status")} == {
        "campaignId": campaign_id, "name": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace",
        "profileUrl": "https://www.linkedin.com/in/ada/", "title": "Founder", "location": "London", "status": "new"}
    for key in ("invitedAt", "connectedAt", "lastMessagedAt", "repliedAt"):
        assert lead[key] is None
    assert lead["createdAt"].endswith("Z") and lead["updatedAt"].endswith("Z")
    listed = client.get(f"/api/v1/leads?campaignId={campaign_id}&status=new&limit=10", headers=auth).get_json()
    assert [item["id"] for item in listed["leads"]] == [lead["id"]]
    assert client.get("/api/v1/leads?status=invited", headers=auth).get_json()["leads"] == []
    assert len(client.get("/api/v1/leads", headers=auth).get_json()["leads"]) == 1


def test_every_value_sent_is_stored_as_sent(client, auth):
    """On PostgreSQL a batch reaches the database as one JSON document: text that looks like JSON escapes, quotes,
    backslashes, non-ASCII and emoji, newlines, the longest values allowed, and nested-looking custom fields come
    back exactly as sent, in the answer and in the list."""
    sent = {"name": ('Zoë "Z" \\u0041 \\" 😀 ' + "n" * 200)[:200], "firstName": "F" * 100, "lastName": "\\",
            "title": "t" * 300, "company": "{\"not\": \"json\"}", "location": "São Paulo, BR",
            "email": "zoe@example.com", "phone": "+44 20 7946 0958", "headline": "ünïcødé",
            "notes": "line\nbreak\ttab " + "x" * 4980,
            "tags": ["a\"b", "\\", "ü", "😀"], "customFields": {"key \"q\"": "v\\n", "[1, 2]": "{}", "emoji": "😀"}}
    campaign_id = new_campaign(client, auth)
    answer = add(client, auth, campaign_id, [{**sent, "profileUrl": "https://www.linkedin.com/in/zoe/"}])
    assert answer.status_code == 201, answer.get_json()
    listed = client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=auth).get_json()["leads"]
    for lead in (answer.get_json()["leads"][0], listed[0]):
        assert {key: lead[key] for key in sent} == sent


def test_a_name_made_of_the_longest_first_and_last_names_fits(client, auth):
    """Without `name`, the lead's name is its first and last names: at their longest (100 each) that is one
    character more than a name holds; the lead is added with the name cut to 200 (it was a 500 on PostgreSQL)."""
    campaign_id = new_campaign(client, auth)
    answer = add(client, auth, campaign_id, [{"firstName": "F" * 100, "lastName": "L" * 100,
                                              "profileUrl": "https://www.linkedin.com/in/long-names/"}])
    assert answer.status_code == 201, answer.get_json()
    lead = answer.get_json()["leads"][0]
    assert (lead["name"], lead["firstName"], lead["lastName"]) == ("F" * 100 + " " + "L" * 99, "F" * 100, "L" * 100)


def test_differently_written_urls_of_one_profile_are_one_lead(client, auth):
    campaign_id = new_campaign(client, auth)
    spellings = ["https://www.linkedin.com/in/Ada-L/", "http://linkedin.com/in/ada-l",
                 "www.linkedin.com/in/ADA-L?trk=x",
                 "https://uk.linkedin.com/in/ada-l/#about", "linkedin.com/in/ada-l/"]
    body = add(client, auth, campaign_id, [{"name": "Ada", "profileUrl": url} for url in spellings]).get_json()
    assert body["created"] == 1 and body["duplicates"] == 4
    assert body["leads"][0]["profileUrl"] == "https://www.linkedin.com/in/ada-l/"
    again = add(client, auth, campaign_id, [{"name": "Ada", "profile_url": "HTTPS://WWW.LINKEDIN.COM/in/ada-l"},
                                            {"name": "Bob", "profileUrl": "https://www.linkedin.com/in/bob"}]).get_json()
    assert again["created"] == 1 and again["duplicates"] == 1 and again["leads"][0]["name"] == "Bob"
    other_campaign = new_campaign(client, auth, "other")
    assert add(client, auth, other_campaign, [{"name": "Ada", "profileUrl": spellings[0]}]).get_json()["created"] == 1


@pytest.mark.parametrize("url", ["https://www.linkedin.com/company/acme/", "https://evil.com/in/ada", "ada",
                                 "https://www.linkedin.com/in/", "ftp://linkedin.com/in/ada",
                                 "https://linkedin.com.evil.com/in/ada", "https://user:pw@linkedin.com/in/ada",
                                 "https://www.linkedin.com:8443/in/ada", "javascript:alert(1)"])
def test_not_a_profile_url_is_refused(url):
    with pytest.raises(ApiError) as raised:
        normalize_profile_url(url)
    assert raised.value.status == 400 and "profileUrl" in raised.value.message


@pytest.mark.parametrize("lead, field", [
    ({"profileUrl": "https://www.linkedin.com/in/x/"}, "name"),
    ({"name": "", "profileUrl": "https://www.linkedin.com/in/x/"}, "name"),
    ({"name": "X"}, "profileUrl"),
    ({"name": "X", "profileUrl": "https://www.linkedin.com/company/x/"}, "profileUrl"),
    ({"name": "X" * 201, "profileUrl": "https://www.linkedin.com/in/x/"}, "name"),
    ({"name": "X\x00", "profileUrl": "https://www.linkedin.com/in/x/"}, "name"),
    ({"name": "X", "profileUrl": "https://www.linkedin.com/in/x/", "title": "t" * 301}, "title"),
    ({"name": "X", "profileUrl": "https://www.linkedin.com/in/x/", "tags": "hot"}, "tags"),
    ({"name": "X", "profileUrl": "https://www.linkedin.com/in/x/", "shoeSize": {"eu": 44}}, "shoeSize"),
])
def test_invalid_lead_names_index_and_field_and_writes_nothing(client, auth, lead, field):
    campaign_id = new_campaign(client, auth)
    good = {"name": "Good", "profileUrl": "https://www.linkedin.com/in/good/"}
    response = add(client, auth, campaign_id, [good, good, lead])
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(f"leads.2.{field}"), response.get_json()
    assert client.get("/api/v1/leads", headers=auth).get_json()["leads"] == []


def test_bulk_request_errors(client, auth):
    campaign_id = new_campaign(client, auth)
    lead = {"name": "X", "profileUrl": "https://www.linkedin.com/in/x/"}
    too_many = add(client, auth, campaign_id, [lead] * 1001)
    assert too_many.status_code == 413 and "1000" in too_many.get_json()["error"]
    assert add(client, auth, campaign_id, []).get_json()["error"].startswith("leads")
    missing = client.post("/api/v1/leads", json={"leads": [lead]}, headers=auth)
    assert missing.status_code == 400 and missing.get_json()["error"].startswith("campaignId")
    bad_item = add(client, auth, campaign_id, ["not an object"])
    assert bad_item.status_code == 400 and bad_item.get_json()["error"].startswith("leads.0")
    unknown = add(client, auth, "00000000-0000-4000-8000-000000000000", [lead])
    assert unknown.status_code == 404


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=x", "status=sleeping", "campaignId=nope",
                                   "cursor=garbage", "updatedSince=2026-01-01"])
def test_list_query_errors(client, auth, query):
    response = client.get(f"/api/v1/leads?{query}", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(query.split("=")[0])


def test_list_limit_default_and_max(client, auth):
    campaign_id = new_campaign(client, auth)
    leads = [{"name": f"L{i}", "profileUrl": f"https://www.linkedin.com/in/l{i}/"} for i in range(120)]
    assert add(client, auth, campaign_id, leads).get_json()["created"] == 120
    assert len(client.get("/api/v1/leads", headers=auth).get_json()["leads"]) == 100
    assert len(client.get("/api/v1/leads?limit=500", headers=auth).get_json()["leads"]) == 120


def test_get_patch_delete_by_id(client, auth):
    campaign_id = new_campaign(client, auth)
    lead = add(client, auth, campaign_id, [{"name": "Ada", "profileUrl": "linkedin.com/in/ada"}]).get_json()["leads"][0]
    url = f"/api/v1/leads/{lead['id']}"
    assert client.get(url, headers=auth).get_json()["name"] == "Ada"
    patched = client.patch(url, json={"status": "replied", "notes": "Call Monday", "tags": ["hot", "hot", "q4"]},
                           headers=auth)
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["status"] == "replied" and body["notes"] == "Call Monday" and body["tags"] == ["hot", "q4"]
    assert body["updatedAt"] >= lead["updatedAt"]
    for change, field in (({"status": "asleep"}, "status"), ({"tags": ["x" * 51]}, "tags"), ({"name": "y"}, "name")):
        response = client.patch(url, json=change, headers=auth)
        assert response.status_code == 400 and response.get_json()["error"].startswith(field)
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404


def test_other_teams_leads_are_404_everywhere(client, auth):
    campaign_id = new_campaign(client, auth)
    lead = add(client, auth, campaign_id, [{"name": "Ada", "profileUrl": "linkedin.com/in/ada"}]).get_json()["leads"][0]
    _, token = make_user()
    other = bearer(token)
    url = f"/api/v1/leads/{lead['id']}"
    assert client.get(url, headers=other).status_code == 404
    assert client.patch(url, json={"notes": "x"}, headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert add(client, other, campaign_id, [{"name": "B", "profileUrl": "linkedin.com/in/b"}]).status_code == 404
    assert client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=other).get_json()["leads"] == []
    assert client.get("/api/v1/leads?updatedSince=2000-01-01T00:00:00Z", headers=other).get_json()["leads"] == []
    assert client.get(f"/api/v1/leads/export?campaignId={campaign_id}", headers=other).status_code == 404
    imported = client.post("/api/v1/leads/import", headers=other, content_type="multipart/form-data",
                           data={"campaignId": campaign_id, "file": (__import__("io").BytesIO(b"name,profileUrl\n"),
                                                                     "x.csv")})
    assert imported.status_code == 404
    assert client.get(url, headers=auth).get_json()["notes"] is None


def test_fast_list_dump_matches_the_lead_schema(client, auth):
    from app.leads.schemas import LeadListSchema, LeadSchema
    from app.models import Lead

    campaign_id = new_campaign(client, auth)
    add(client, auth, campaign_id, [{"name": "Ada King", "profileUrl": "linkedin.com/in/ada", "tags": ["x"],
                                     "customFields": {"k": "v"}, "title": "CTO"}])
    lead = db.session.scalars(sa.select(Lead)).one()
    lead.invited_at = lead.created_at
    assert LeadListSchema().dump({"leads": [lead]})["leads"] == [LeadSchema().dump(lead)]
