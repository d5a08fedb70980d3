"""Small things at the API edge a client notices: headers, paths, methods and error names."""

import pytest

from tests.test_leads import new_campaign


def test_retry_after_only_on_a_429(app, client, auth):
    # Only our own 429s add Retry-After (app/ratelimit.py): no hook has to strip it from other answers.
    ok = client.get("/api/v1/me", headers=auth)
    assert ok.status_code == 200 and "Retry-After" not in ok.headers
    assert "X-RateLimit-Remaining" in ok.headers  # the budget is still announced
    refused = client.post("/api/v1/campaigns", json={"name": ""}, headers=auth)
    assert refused.status_code == 400 and "Retry-After" not in refused.headers
    app.config["RATELIMIT_PER_MINUTE"] = 1
    client.get("/api/v1/me", headers=auth)
    limited = client.get("/api/v1/me", headers=auth)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_a_trailing_slash_reaches_the_same_endpoint(client, auth):
    campaign_id = new_campaign(client, auth, name="Slash")
    assert client.get("/api/v1/campaigns/", headers=auth).get_json() == client.get(
        "/api/v1/campaigns", headers=auth).get_json()
    created = client.post("/api/v1/campaigns/", json={"name": "Posted with a slash"}, headers=auth)
    assert created.status_code == 201  # not a redirect a client would have to follow with its body
    renamed = client.patch(f"/api/v1/campaigns/{campaign_id}/", json={"name": "Renamed"}, headers=auth)
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Renamed"
    assert client.get("/api/v1/me/", headers=auth).status_code == 200


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_campaigns_and_posts_take_patch_and_put_with_partial_changes(client, auth, method):
    campaign_id = new_campaign(client, auth, name="Before")
    changed = client.open(f"/api/v1/campaigns/{campaign_id}", method=method, json={"name": "After"}, headers=auth)
    assert changed.status_code == 200 and changed.get_json()["name"] == "After"
    post = client.post("/api/v1/posts", json={"content": "Draft", "firstComment": "More"}, headers=auth).get_json()
    edited = client.open(f"/api/v1/posts/{post['id']}", method=method, json={"content": "Final"}, headers=auth)
    assert edited.status_code == 200
    assert edited.get_json()["content"] == "Final" and edited.get_json()["firstComment"] == "More"


def test_both_methods_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"patch", "put"} <= set(paths["/api/v1/campaigns/{campaign_id}"])
    assert {"patch", "put"} <= set(paths["/api/v1/posts/{post_id}"])


def test_a_field_given_in_both_spellings_names_both(client, auth):
    response = client.post("/api/v1/campaigns", headers=auth, json={
        "name": "Twice", "search_url": "https://www.linkedin.com/search/a", "searchUrl": "https://www.linkedin.com/b"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "searchUrl: given twice (search_url and searchUrl); give one spelling"
