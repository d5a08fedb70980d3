"""The web app's other pages and its CLI, on the Flask test client: CLI sign-in links and passwords, invites,
posts and comments, CSV import and export, account settings, and hostile input answered with a message."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.extensions import db
from app.users.passwords import set_password
from tests.conftest import bearer, make_user

SCRIPT = str(Path(sys.executable).parent / "socialscalr")
PASSWORD = "correct horse battery"


def _csrf(client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def signed_in(app):
    """An owner signed in on the test client: (client, user, token)."""
    user, token = make_user()
    set_password(user, PASSWORD)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(client)})
    return client, user, token


def _post(client, path, data=None, **kwargs):
    return client.post(path, data={"csrf_token": _csrf(client, "/settings"), **(data or {})}, **kwargs)


def _run_cli(app, *args):
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PUBLIC_URL": "https://app.example"}
    env.pop("REDIS_URL", None)
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=60)


def test_the_cli_prints_a_one_time_link_or_sets_the_password(pg_app):
    created = _run_cli(pg_app, "users", "create", "--email", "ada@example.com", "--name", "Ada")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().splitlines()[-1].startswith("ss_")  # the token stays on the last line
    link = re.search(r"https://app\.example(/set-password/\S+)", created.stdout).group(1)
    client = pg_app.test_client()
    assert client.get(link).status_code == 200
    changed = _run_cli(pg_app, "users", "set-password", "--email", "ada@example.com", "--password", PASSWORD)
    assert changed.returncode == 0, changed.stderr
    assert client.get(link).status_code == 404  # setting a password ends the links given before
    signed = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": _csrf(client)})
    assert signed.status_code == 302
    short = _run_cli(pg_app, "users", "set-password", "--email", "ada@example.com", "--password", "short")
    assert short.returncode == 1 and "at least 10" in short.stderr
    with_password = _run_cli(pg_app, "users", "create", "--email", "bo@example.com", "--name", "Bo",
                             "--password", PASSWORD)
    assert with_password.returncode == 0 and "/set-password/" not in with_password.stdout


def test_an_invited_teammate_signs_in_through_the_one_time_link(signed_in, app):
    client, owner, _ = signed_in
    page = _post(client, "/settings/members", {"email": "Teammate@Example.com", "name": "Tea Mate", "role": "admin"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "no mail server" in text
    link = re.search(r'id="invite-link"[^>]*value="http://localhost(/set-password/[^"]+)"', text).group(1)
    guest = app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', guest.get(link).get_data(as_text=True)).group(1)
    assert guest.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf}).status_code == 302
    settings = guest.get("/settings").get_data(as_text=True)
    assert "Tea Mate (admin)" in settings and owner.email in settings


def test_posts_are_listed_by_day_created_and_cancelled_and_comments_approved(signed_in, app):
    client, _, token = signed_in
    api = app.test_client()
    api.post("/api/v1/comments", headers=bearer(token), json={
        "postUrl": "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000000/", "content": "Nice one"})
    created = _post(client, "/posts", {"content": "Our Q4 plans", "scheduled_for": "2099-06-01T13:00"},
                    follow_redirects=True)
    text = created.get_data(as_text=True)
    assert "Post scheduled." in text and "Monday 01 June 2099" in text and "Our Q4 plans" in text
    past = _post(client, "/posts", {"content": "Too late", "scheduled_for": "2001-01-01T10:00"}, follow_redirects=True)
    assert "must be in the future" in past.get_data(as_text=True)
    post_id = api.get("/api/v1/posts", headers=bearer(token)).get_json()["posts"][0]["id"]
    _post(client, f"/posts/{post_id}/cancel")
    assert api.get(f"/api/v1/posts/{post_id}", headers=bearer(token)).get_json()["status"] == "cancelled"
    comment_id = api.get("/api/v1/comments", headers=bearer(token)).get_json()["comments"][0]["id"]
    _post(client, f"/posts/comments/{comment_id}/approve")
    assert api.get(f"/api/v1/comments/{comment_id}", headers=bearer(token)).get_json()["status"] == "approved"


def test_csv_import_and_export_on_the_campaign_page(signed_in, app):
    client, _, token = signed_in
    campaign = app.test_client().post("/api/v1/campaigns", headers=bearer(token), json={"name": "CSV"}).get_json()
    csv = b"name,profileUrl,company\nAda L,https://www.linkedin.com/in/ada/,=HYPERLINK(1)\nNo URL,,\n"
    imported = _post(client, f"/campaigns/{campaign['id']}/import",
                     {"file": (io.BytesIO(csv), "leads.csv")}, content_type="multipart/form-data",
                     follow_redirects=True)
    text = imported.get_data(as_text=True)
    assert "Imported 1 leads" in text and "1 refused" in text and "Ada L" in text
    exported = client.get(f"/campaigns/{campaign['id']}/export.csv").get_data(as_text=True)
    assert "Ada L" in exported and "'=HYPERLINK(1)" in exported


def test_account_settings_are_edited_with_the_apis_rules(signed_in, app):
    client, _, token = signed_in
    account = app.test_client().post("/api/v1/extension/heartbeat", headers=bearer(token), json={
        "extensionVersion": "2.3.4", "linkedinAccount": {"profileUrl": "https://www.linkedin.com/in/me/"}}
    ).get_json()["accountId"]
    page = client.get("/accounts").get_data(as_text=True)
    assert "2.3.4" in page and "Warm-up" in page
    saved = _post(client, f"/accounts/{account}", {"timezone": "Europe/Paris", "invitesPerDay": "30",
                                                   "start": "08:30", "end": "17:00", "days": ["0", "1", "2"]},
                  follow_redirects=True)
    assert "Saved" in saved.get_data(as_text=True)
    shown = app.test_client().get(f"/api/v1/accounts/{account}", headers=bearer(token)).get_json()
    assert shown["timezone"] == "Europe/Paris" and shown["settings"]["invitesPerDay"] == 30
    assert shown["limits"]["workingHours"] == {"start": "08:30", "end": "17:00", "days": [0, 1, 2]}
    refused = _post(client, f"/accounts/{account}", {"invitesPerDay": "500", "timezone": "Mars/Olympus"},
                    follow_redirects=True)
    assert refused.status_code == 200 and "between 1 and 100" in refused.get_data(as_text=True)
    backwards = _post(client, f"/accounts/{account}", {"start": "18:00", "end": "09:00"}, follow_redirects=True)
    assert "must be after start" in backwards.get_data(as_text=True)


@pytest.mark.parametrize("value", ["bad\x00byte", "x" * 5000, "javascript:alert(1)"])
def test_hostile_form_values_get_a_message_never_a_500(signed_in, value):
    client, _, _ = signed_in
    response = _post(client, "/webhooks", {"url": value, "events": ["*"]}, follow_redirects=True)
    assert response.status_code in (200, 400)
    assert "internal" not in response.get_data(as_text=True).lower()


def test_settings_show_this_months_api_requests_and_the_plan_an_owner_changes(signed_in, app):
    client, _, token = signed_in
    api = app.test_client()
    for _ in range(3):
        assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'data-usage="api_requests">3<', page), "three API requests this month"
    for _ in range(5):  # web page views are not API requests
        client.get("/settings")
    changed = _post(client, "/settings/plan", {"plan": "team"}, follow_redirects=True).get_data(as_text=True)
    assert "The plan is now Team." in changed and re.search(r'data-usage="api_requests">3<', changed)
    assert api.get("/api/v1/me", headers=bearer(token)).get_json()["plan"] == "team"


def test_roles_change_and_a_team_keeps_an_owner(signed_in, app):
    client, owner, _ = signed_in
    member, _ = make_user(team=owner.team.name, role="member")
    promoted = _post(client, f"/settings/members/{member.id}/role", {"role": "admin"}, follow_redirects=True)
    assert f"{member.full_name} is now admin." in promoted.get_data(as_text=True)
    alone = _post(client, f"/settings/members/{owner.id}/role", {"role": "member"}, follow_redirects=True)
    assert "keeps at least one owner" in alone.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(owner), owner.id).team_role == "owner"


def test_a_webhook_is_edited_from_its_page(signed_in, app):
    client, _, token = signed_in
    hook = app.test_client().post("/api/v1/webhooks", headers=bearer(token),
                                  json={"url": "http://127.0.0.1:9/a", "events": ["*"]}).get_json()
    saved = _post(client, f"/webhooks/{hook['id']}", {"url": "http://127.0.0.1:9/b", "description": "CRM",
                                                      "events": ["lead.invited", "lead.messaged"]},
                  follow_redirects=True)
    assert "Saved." in saved.get_data(as_text=True)
    shown = app.test_client().get(f"/api/v1/webhooks/{hook['id']}", headers=bearer(token)).get_json()
    assert shown["url"] == "http://127.0.0.1:9/b" and shown["events"] == ["lead.invited", "lead.messaged"]
    none = _post(client, f"/webhooks/{hook['id']}", {"url": "http://127.0.0.1:9/b"}, follow_redirects=True)
    assert "subscribe to at least one event" in none.get_data(as_text=True)
