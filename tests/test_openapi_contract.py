"""The OpenAPI document describes what the server answers: error body, statuses, nullable fields, aliases."""

import pytest
from openapi_schema_validator import OAS30Validator

from tests.test_leads import add, new_campaign

OPERATIONS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in OPERATIONS:
                yield method, path, operation


def _validate(document, component: str, instance):
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    OAS30Validator(schema).validate(instance)


def _response_schema(document, response):
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def test_every_error_response_documents_our_error_body(client, auth, document):
    """What the server sends on an error ({"error": ...}) is what the document promises, for every status."""
    body = client.get("/api/v1/campaigns/not-a-campaign", headers=auth).get_json()
    for _method, _path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status == "default" or status.startswith("4"):
                schema = _response_schema(document, response)
                resolved = {**schema, "components": document["components"]}
                OAS30Validator(resolved).validate(body)
                assert "error" in document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["properties"]


def test_validation_failures_are_documented_as_400_not_422(document):
    for method, path, operation in _operations(document):
        assert "422" not in operation["responses"], (method, path)
        if operation.get("security") != []:  # the probes take no input
            assert "400" in operation["responses"], (method, path)


def test_auth_rate_limit_and_not_found_statuses_are_declared(document):
    for method, path, operation in _operations(document):
        declared = set(operation["responses"])
        if operation.get("security") == []:  # the probes: no token, no rate limit (tests/test_operations_health.py)
            assert path in ("/healthz", "/readyz") and not {"401", "429"} & declared, (method, path)
            continue
        assert {"401", "429"} <= declared, (method, path)
        if "{" in path:
            assert "404" in declared, (method, path)
        if method in ("post", "put", "patch"):
            assert {"413", "415"} <= declared, (method, path)
        if method == "post":
            assert "409" in declared, (method, path)  # a reused Idempotency-Key


def test_lead_with_empty_fields_matches_the_documented_lead(client, auth, document):
    campaign_id = new_campaign(client, auth)
    lead = add(client, auth, campaign_id, [{"name": "Ada", "profileUrl": "linkedin.com/in/ada"}]).get_json()["leads"][0]
    assert lead["title"] is None and lead["invitedAt"] is None
    _validate(document, "Lead", lead)
    _validate(document, "Lead", client.get(f"/api/v1/leads/{lead['id']}", headers=auth).get_json())


def test_post_and_comment_with_empty_fields_match_the_document(client, auth, document):
    post = client.post("/api/v1/posts", json={"content": "Thoughts on Q4..."}, headers=auth).get_json()
    _validate(document, "Post", post)
    comment = client.post("/api/v1/comments", json={
        "postUrl": "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000000/",
        "content": "Well said"}, headers=auth)
    assert comment.status_code == 201, comment.get_json()
    _validate(document, "Comment", comment.get_json())


@pytest.mark.parametrize("component, body", [
    # The public page's own examples, in its own spelling.
    ("PostInput", {"content": "Thoughts on Q4...", "scheduled_for": "2026-06-01T13:00:00Z",
                   "link_url": "https://socialscalr.com", "first_comment": "More on this..."}),
    ("CampaignInput", {"name": "Q4 founders", "search_url": "https://www.linkedin.com/search/results/people/",
                       "targeting": {"titleKeywords": ["founder", "ceo"]}, "templates": {"note": "Hi {{first_name}}"}}),
    ("BulkLeads", {"campaign_id": "5f0c6a9e-3c1a-4f6e-9a43-2b1f3c4d5e6f",
                   "leads": [{"name": "Ada Lovelace", "profileUrl": "https://www.linkedin.com/in/ada/"}]}),
])
def test_snake_case_bodies_the_server_accepts_match_the_documented_request(document, component, body):
    _validate(document, component, body)


def test_one_field_in_both_spellings_is_outside_the_documented_request(document):
    from jsonschema.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _validate(document, "PostInput", {"content": "x", "link_url": "https://a.example", "linkUrl": "https://b.example"})


@pytest.mark.parametrize("path", ["/api/v1/leads/{id}", "/api/v1/campaigns/{id}", "/api/v1/posts/{id}"])
def test_patch_or_put_without_a_body_is_400_naming_the_body(client, auth, path):
    campaign_id = new_campaign(client, auth)
    ids = {
        "leads": add(client, auth, campaign_id, [{"name": "Ada", "profileUrl": "linkedin.com/in/ada"}]
                     ).get_json()["leads"][0]["id"],
        "campaigns": campaign_id,
        "posts": client.post("/api/v1/posts", json={"content": "x"}, headers=auth).get_json()["id"],
    }
    url = path.replace("{id}", ids[path.split("/")[3]])
    method = client.put if "/posts/" in path else client.patch
    response = method(url, headers=auth)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"].startswith("body: ")
    assert method(url, headers=auth, content_type="application/json").status_code == 400


def test_one_field_in_both_spellings_is_refused_even_with_the_same_value(client, auth):
    response = client.post("/api/v1/posts", json={"content": "x", "link_url": "https://a.example",
                                                  "linkUrl": "https://a.example"}, headers=auth)
    assert response.status_code == 400 and response.get_json()["error"].startswith("linkUrl: given twice")


def test_invalid_json_is_400_naming_the_body(client, auth):
    response = client.post("/api/v1/posts", data=b"{not json", content_type="application/json", headers=auth)
    assert response.status_code == 400 and response.get_json()["error"].startswith("body: invalid JSON")


def test_a_method_the_route_does_not_take_is_405_even_with_a_body(client, auth):
    response = client.put("/api/v1/leads/import", data=b"x", content_type="multipart/form-data", headers=auth)
    assert response.status_code == 405
