"""A query parameter is honoured (in either spelling) or refused with 400 naming it; never silently dropped."""

import pytest

from app.campaigns.schemas import CampaignInputSchema
from app.common.parsing import ContractParser
from tests.test_leads import add, new_campaign


def _lead_names(response):
    assert response.status_code == 200, response.get_json()
    return [lead["name"] for lead in response.get_json()["leads"]]


def _two_campaigns(client, auth):
    first, second = new_campaign(client, auth, "First"), new_campaign(client, auth, "Second")
    add(client, auth, first, [{"name": "Ada", "profileUrl": "linkedin.com/in/ada"}])
    add(client, auth, second, [{"name": "Bob", "profileUrl": "linkedin.com/in/bob"}])
    return first, second


@pytest.mark.parametrize("spelling", ["campaignId", "campaign_id"])
def test_lead_list_filters_by_campaign_in_either_spelling(client, auth, spelling):
    first, second = _two_campaigns(client, auth)
    assert _lead_names(client.get(f"/api/v1/leads?{spelling}={first}", headers=auth)) == ["Ada"]
    assert _lead_names(client.get(f"/api/v1/leads?{spelling}={second}", headers=auth)) == ["Bob"]


def test_lead_list_offset_skips_the_newest(client, auth):
    campaign_id = new_campaign(client, auth)
    for name in ("a", "b", "c"):  # one request each: distinct creation times, newest last
        add(client, auth, campaign_id, [{"name": name, "profileUrl": f"linkedin.com/in/{name}"}])
    assert _lead_names(client.get("/api/v1/leads?limit=2", headers=auth)) == ["c", "b"]
    assert _lead_names(client.get("/api/v1/leads?limit=2&offset=2", headers=auth)) == ["a"]


@pytest.mark.parametrize("query, field", [
    ("page=2", "page"),
    ("campaign=x", "campaign"),
    ("limit=5&sort=name", "sort"),
    ("status=new&status=invited", "status"),
    ("offset=1&cursor=abc", "offset"),
    ("offset=-1", "offset"),
])
def test_lead_list_refuses_what_it_would_not_honour(client, auth, query, field):
    _two_campaigns(client, auth)
    response = client.get(f"/api/v1/leads?{query}", headers=auth)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"].startswith(f"{field}: ")


@pytest.mark.parametrize("path", ["/api/v1/campaigns", "/api/v1/posts", "/api/v1/comments", "/api/v1/webhooks",
                                  "/api/v1/accounts", "/api/v1/analytics/overview", "/api/v1/me"])
def test_every_list_endpoint_refuses_an_unknown_query_parameter(client, auth, path):
    response = client.get(f"{path}?campaignId=5f0c6a9e-3c1a-4f6e-9a43-2b1f3c4d5e6f", headers=auth)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"].startswith("campaignId: ")


def test_a_body_endpoint_refuses_an_unknown_query_parameter(client, auth):
    campaign_id = new_campaign(client, auth)
    response = client.post(f"/api/v1/leads?campaignId={campaign_id}", headers=auth, json={
        "campaignId": campaign_id, "leads": [{"name": "Ada", "profileUrl": "linkedin.com/in/ada"}]})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("campaignId: unknown query parameter")


def test_a_views_schema_is_built_once_and_answers_each_request_on_its_own(client, auth):
    """The parser keeps one instance of each view's schema class (webargs built one per request: 15-140 µs of CPU
    each); requests through it, valid and refused in turn, each get their own answer."""
    parser = ContractParser()
    assert parser._get_schema(CampaignInputSchema, None) is parser._get_schema(CampaignInputSchema, None)
    for round_ in range(2):
        refused = client.post("/api/v1/campaigns", json={"name": "x" * 1000}, headers=auth)
        assert refused.status_code == 400 and "name" in refused.get_json()["error"]
        created = client.post("/api/v1/campaigns", json={"name": f"Kept {round_}"}, headers=auth)
        assert created.status_code == 201 and created.get_json()["name"] == f"Kept {round_}"
        unknown = client.post("/api/v1/campaigns", json={"name": "ok", "colour": "red"}, headers=auth)
        assert unknown.status_code == 400 and "colour" in unknown.get_json()["error"]
        assert "name" not in unknown.get_json()["error"].replace("colour", "")
