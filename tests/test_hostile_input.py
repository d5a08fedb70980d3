"""Hostile input at the edge: every endpoint that takes text refuses what cannot be stored, naming the field.

A lone UTF-16 surrogate cannot be encoded as UTF-8 and PostgreSQL refuses NUL in text: both used to
reach the database and answer 500 (a CSV export of a lead carrying one answered an HTML 500). Now each
is a 400 `{"error": "<field>: ..."}` before any view runs, and nothing is written.
"""

import gc
import io
import json
import tracemalloc
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Lead, Post
from tests.test_extension_support import Team

SURROGATE = "\ud800"
NUL = "a\x00b"
BAD = object()  # placeholder for the hostile string in the bodies below
PROFILE = "https://www.linkedin.com/in/grace/"
POST_URL = "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000000/"

# (method, path, body with BAD somewhere, the field the error must name)
TEXT_ENDPOINTS = [
    ("POST", "/api/v1/campaigns", {"name": BAD}, "name"),
    ("POST", "/api/v1/campaigns", {"name": "Q1", "search_url": BAD}, "search_url"),
    ("POST", "/api/v1/campaigns", {"name": "Q1", "targeting": {"titleKeywords": ["cto", BAD]}},
     "targeting.titleKeywords.1"),
    ("POST", "/api/v1/campaigns", {"name": "Q1", "templates": {"note": BAD}}, "templates.note"),
    ("POST", "/api/v1/campaigns", {"name": "Q1", "templates": {"message": "Hi", "followUps": [
        {"afterDays": 3, "body": BAD}]}}, "templates.followUps.0.body"),
    ("PATCH", "/api/v1/campaigns/{campaign}", {"name": BAD}, "name"),
    ("PUT", "/api/v1/campaigns/{campaign}", {"templates": {"message": BAD}}, "templates.message"),
    ("POST", "/api/v1/campaigns/{campaign}/preview", {"sample": {"first_name": BAD}}, "sample.first_name"),
    ("POST", "/api/v1/leads", {"campaignId": "{campaign}", "leads": [{"name": BAD, "profileUrl": PROFILE}]},
     "leads.0.name"),
    ("POST", "/api/v1/leads", {"campaignId": "{campaign}", "leads": [
        {"name": "Grace", "profileUrl": PROFILE}, {"name": "Alan", "profileUrl": PROFILE, "notes": BAD}]},
     "leads.1.notes"),
    ("POST", "/api/v1/leads", {"campaignId": "{campaign}", "leads": [
        {"name": "Grace", "profileUrl": PROFILE, "tags": ["hot", BAD]}]}, "leads.0.tags.1"),
    ("POST", "/api/v1/leads", {"campaignId": "{campaign}", "leads": [
        {"name": "Grace", "profileUrl": PROFILE, "customFields": {"source": BAD}}]}, "leads.0.customFields.source"),
    ("POST", "/api/v1/leads", {"campaignId": "{campaign}", "leads": [
        {"name": "Grace", "profileUrl": PROFILE, "customFields": {BAD: "x"}}]}, "leads.0.customFields: a key"),
    ("PATCH", "/api/v1/leads/{lead}", {"notes": BAD}, "notes"),
    ("PATCH", "/api/v1/leads/{lead}", {"tags": [BAD]}, "tags.0"),
    ("PATCH", "/api/v1/leads/{lead}", {"customFields": {"source": BAD}}, "customFields.source"),
    ("POST", "/api/v1/posts", {"content": BAD}, "content"),
    ("POST", "/api/v1/posts", {"content": "Hello", "first_comment": BAD}, "first_comment"),
    ("POST", "/api/v1/posts", {"content": "Hello", "linkUrl": BAD}, "linkUrl"),
    ("PUT", "/api/v1/posts/{post}", {"content": BAD}, "content"),
    ("PATCH", "/api/v1/posts/{post}", {"firstComment": BAD}, "firstComment"),
    ("POST", "/api/v1/comments", {"postUrl": POST_URL, "content": BAD}, "content"),
    ("POST", "/api/v1/comments", {"postUrl": BAD, "content": "Agreed"}, "postUrl"),
    ("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"], "description": BAD},
     "description"),
    ("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": [BAD]}, "events.0"),
    ("PATCH", "/api/v1/webhooks/{webhook}", {"description": BAD}, "description"),
    ("PATCH", "/api/v1/accounts/{account}", {"timezone": BAD}, "timezone"),
    ("POST", "/api/v1/extension/heartbeat", {"linkedinAccount": {"profileUrl": PROFILE, "name": BAD}},
     "linkedinAccount.name"),
    ("POST", "/api/v1/extension/heartbeat", {"linkedinAccount": {"profileUrl": PROFILE}, "extensionVersion": BAD},
     "extensionVersion"),
    ("POST", "/api/v1/extension/leads", {"campaignId": "{campaign}", "leads": [
        {"name": "Grace", "profileUrl": PROFILE, "title": BAD}]}, "leads.0.title"),
    ("POST", "/api/v1/extension/leads", {"campaignId": "{campaign}", "leads": [], "source": {"searchUrl": BAD}},
     "source.searchUrl"),
    ("POST", "/api/v1/extension/actions/{action}/start", {"leaseToken": BAD}, "leaseToken"),
    ("POST", "/api/v1/extension/actions/{action}/result", {"leaseToken": "t", "outcome": "done",
                                                           "details": {"postUrl": BAD}}, "details.postUrl"),
    ("POST", "/api/v1/extension/events", {"type": "profile_updated", "profileUrl": PROFILE,
                                          "profile": {"company": BAD}}, "profile.company"),
]


def _fill(value, hostile: str, ids: dict):
    if value is BAD:
        return hostile
    if isinstance(value, str):
        return value.format(**ids) if value.startswith("{") else value
    if isinstance(value, list):
        return [_fill(item, hostile, ids) for item in value]
    if isinstance(value, dict):
        return {_fill(key, hostile, ids): _fill(item, hostile, ids) for key, item in value.items()}
    return value


def _snapshot() -> dict:
    """Every row of every table (API tokens aside: reading with one stamps its last use)."""
    db.session.rollback()  # a fresh read, and (on SQLite) no write lock kept from the test's own reads
    rows = {table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
            for table in db.metadata.sorted_tables if table.name != "api_tokens"}
    db.session.rollback()
    return rows


@pytest.fixture
def world(app, client):
    """A team with an account, a campaign, a lead, a post, a webhook and an action: something to edit."""
    team = Team(app, client)
    lead = team.lead("ada")
    action = team.action(lead=lead)
    post = client.post("/api/v1/posts", json={"content": "Scheduled"}, headers=team.headers).get_json()
    webhook = client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["*"]},
                          headers=team.headers).get_json()
    ids = {"campaign": team.campaign.id, "lead": lead.id, "post": post["id"], "webhook": webhook["id"],
           "account": team.account_id, "action": action.id}
    return team, ids


@pytest.mark.parametrize("hostile", [SURROGATE, NUL], ids=["lone-surrogate", "nul"])
def test_every_text_field_refuses_what_cannot_be_stored_naming_it(client, world, hostile):
    team, ids = world
    before = _snapshot()
    wrong = []
    for method, path, body, field in TEXT_ENDPOINTS:
        url = path.format(**ids)
        response = client.open(url, method=method, json=_fill(body, hostile, ids), headers=team.headers)
        error = (response.get_json(silent=True) or {}).get("error", "")
        expected_problem = "surrogate" if hostile == SURROGATE else "NUL"
        if response.status_code != 400 or not error.startswith(field) or expected_problem not in error:
            wrong.append((method, url, field, response.status_code, response.get_data(as_text=True)[:200]))
    assert wrong == []
    assert _snapshot() == before


def test_query_strings_are_checked_too(client, world):
    team, ids = world
    for url, field in [(f"/api/v1/leads?cursor=a%00b&campaignId={ids['campaign']}", "cursor"),
                       ("/api/v1/comments?status=draft%00", "status"),
                       ("/api/v1/campaigns?x%00=1", "parameter name")]:
        response = client.get(url, headers=team.headers)
        assert response.status_code == 400 and response.get_json()["error"].startswith(field), url


def test_csv_import_form_field_is_checked(client, world):
    team, ids = world
    before = _snapshot()
    csv = io.BytesIO(b"name,profile url\nGrace,https://www.linkedin.com/in/grace/\n")
    form = {"campaignId": f"{ids['campaign']}\x00", "file": (csv, "a.csv")}
    response = client.post("/api/v1/leads/import", data=form, headers=team.headers, content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"].startswith("campaignId: must not contain NUL")
    assert _snapshot() == before


def test_nul_inside_an_imported_csv_file_is_a_row_error(client, world):
    team, ids = world
    before = _snapshot()
    csv = io.BytesIO(b"name,profile url,source\x00x\nGr\x00ace,https://www.linkedin.com/in/grace/,web\n"
                     b"Alan,https://www.linkedin.com/in/alan/,m\x00ail\n")
    response = client.post(f"/api/v1/leads/import?campaignId={ids['campaign']}", data={"file": (csv, "a.csv")},
                           headers=team.headers, content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["created"] == 0
    assert [error["row"] for error in response.get_json()["errors"]] == [2, 3]
    assert _snapshot() == before


def test_a_lead_cannot_carry_a_surrogate_into_the_csv_export(client, world):
    """The reported path: customFields with a lone surrogate, then an export answered an HTML 500."""
    team, ids = world
    body = {"campaignId": str(ids["campaign"]),
            "leads": [{"name": "Grace", "profileUrl": PROFILE, "customFields": {"source": SURROGATE}}]}
    assert client.post("/api/v1/leads", json=body, headers=team.headers).status_code == 400
    export = client.get(f"/api/v1/leads/export?campaignId={ids['campaign']}", headers=team.headers)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1  # the fixture's lead only


def _raw_post(client, headers, path, raw: bytes):
    return client.post(path, data=raw, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize(("raw", "message"), [
    (b"[" * 1000 + b"]" * 1000, "body: nested deeper than 32 levels"),  # 2 KB that used to raise RecursionError
    (b'{"name": ' + b"[" * 40 + b"]" * 40 + b"}", "name." + ".".join(["0"] * 31) + ": nested deeper than 32"),
    (b'{"name": "Q1", "settings": {"invitesPerDay": ' + b"9" * 5000 + b"}}", "body: a number has too many digits"),
    (b'{"name": NaN}', "body: NaN is not a JSON number"),
    (b'{"name": "\xed\xa0\x80"}', "body: not valid UTF-8"),
    (b'{"name": ', "body: invalid JSON"),
], ids=["1000-deep", "40-deep-field", "5000-digit-integer", "nan", "utf8-encoded-surrogate", "truncated"])
def test_bodies_that_cannot_be_parsed_safely_are_400(client, auth, raw, message):
    response = _raw_post(client, auth, "/api/v1/campaigns", raw)
    assert response.status_code == 400 and message in response.get_json()["error"], response.get_json()
    assert client.get("/api/v1/campaigns", headers=auth).get_json()["campaigns"] == []


def test_a_chunked_body_over_the_limit_is_413(client, auth):
    body = json.dumps({"content": "x" * (6 * 1024 * 1024)}).encode()
    # A server that de-chunks sets wsgi.input_terminated; Werkzeug then enforces the limit while reading.
    response = client.post("/api/v1/posts", input_stream=io.BytesIO(body), headers={
        **auth, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413 and "5 MB" in response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 0


def test_a_cursor_beyond_64_bits_is_400(client, auth):
    import base64

    raw = f"v1:{2 ** 64}:{uuid.uuid4()}".encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = client.get(f"/api/v1/leads?cursor={cursor}", headers=auth)
    assert response.status_code == 400 and response.get_json()["error"].startswith("cursor: ")


def test_the_extension_sends_more_than_1000_leads_413_like_the_rest_api(client, world):
    team, ids = world
    leads = [{"name": f"Lead {n}", "profileUrl": f"https://www.linkedin.com/in/lead-{n}/"} for n in range(1001)]
    for path in ("/api/v1/extension/leads", "/api/v1/leads"):
        response = client.post(path, json={"campaignId": str(ids["campaign"]), "leads": leads}, headers=team.headers)
        assert response.status_code == 413, path
        assert response.get_json()["error"] == "leads: at most 1000 leads per request, got 1001; split the batch"


def test_huge_field_names_do_not_stay_in_memory(client, world):
    """Field names are turned into camelCase before a body is validated, and short ones are remembered: a client
    sending 2 MB field names, refused each time, must not leave them behind in the server (they used to stay: 4 MB a
    request, for up to thousands of requests)."""
    team, ids = world
    def body() -> str:
        name = f"x_{uuid.uuid4().hex}_" + "a" * 2_000_000  # a new name each time
        return json.dumps({"campaignId": str(ids["campaign"]),
                           "leads": [{"name": "Big", "profileUrl": "https://www.linkedin.com/in/big/", name: "v"}]})

    def send(times: int) -> int:
        """Memory allocated by `times` requests and still held after them (the test client keeps its last request
        and answer: the same for any number of requests)."""
        gc.collect()
        tracemalloc.start()
        try:
            for _ in range(times):
                answer = client.post("/api/v1/leads", data=body(), content_type="application/json",
                                     headers=team.headers)
                assert answer.status_code in (201, 400), answer.status_code
            gc.collect()
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    assert send(6) - send(1) < 1_000_000
