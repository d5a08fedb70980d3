"""SocialDock keys and plan in the web app's Settings, on the Flask test client: a new key is shown once and then
works against the SocialDock API, renew gives it 30 more days, revoke makes it 401, the role rules hold on the
server, another team's key is a 404 page, and a form without its CSRF token is refused."""

import html
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import DockKey
from app.models.types import utcnow
from app.socialdock.keys import issue_key
from app.users.passwords import set_password
from tests.conftest import make_user

PASSWORD = "correct horse battery"
ACCOUNTS = "/socialdock/api/v1/accounts"


def _csrf(client, path="/settings") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _sign_in(app, user):
    set_password(user, PASSWORD)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(client, "/login")})
    return client


def _post(client, path, data=None, **kwargs):
    return client.post(path, data={"csrf_token": _csrf(client), **(data or {})}, **kwargs)


def _page(client) -> str:
    return html.unescape(client.get("/settings").get_data(as_text=True))


def _key_on(page: str) -> str:
    return re.search(r'id="new-dock-key" class="mono" readonly value="([^"]+)"', page).group(1)


def _api(app, key):
    return app.test_client().get(ACCOUNTS, headers={"Authorization": f"Bearer {key}"})


def _row(key: str) -> DockKey:
    db.session.expire_all()
    return db.session.query(DockKey).filter(DockKey.display_prefix == key[:12]).one()


@pytest.fixture
def owner(app):
    """(client, user): an owner signed in."""
    user, _ = make_user()
    return _sign_in(app, user), user


def test_a_key_is_shown_once_works_on_a_paid_plan_and_stops_when_revoked(owner, app):
    client, _ = owner
    page = _page(client)
    assert 'id="dock-plan">FREE<' in page and "no API access" in page and 'id="dock-no-keys"' in page
    assert "http://localhost/socialdock" in page, "the base URL a client calls"
    changed = html.unescape(_post(client, "/settings/socialdock/plan", {"plan": "build"},
                                  follow_redirects=True).get_data(as_text=True))
    assert "The SocialDock plan is now BUILD." in changed and 'id="dock-limit">100<' in changed

    created = html.unescape(_post(client, "/settings/socialdock/keys", {"mode": "live"}).get_data(as_text=True))
    key = _key_on(created)
    assert key.startswith("sd_live_") and "shown only now" in created
    again = _page(client)
    assert key not in again and f"{key[:12]}…" in again, "the prefix stays, the key is never shown again"

    assert _api(app, key).status_code == 200
    row = re.search(r'<tr data-dock-key="[^"]+">(.*?)</tr>', _page(client), re.S).group(1)
    assert "active" in row and row.count("<time") >= 3, "created, expires and last used are shown"

    revoked = _post(client, f"/settings/socialdock/keys/{_row(key).id}/revoke", follow_redirects=True)
    assert "revoked: it stopped working" in html.unescape(revoked.get_data(as_text=True))
    refused = _api(app, key)
    assert refused.status_code == 401 and refused.get_json()["error"]["message"]


def test_renew_gives_an_expired_key_thirty_more_days_but_not_a_revoked_one(owner, app):
    client, user = owner
    _post(client, "/settings/socialdock/plan", {"plan": "accelerate"})
    key = _key_on(html.unescape(_post(client, "/settings/socialdock/keys", {"mode": "test"}).get_data(as_text=True)))
    assert key.startswith("sd_test_")
    row = _row(key)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = _api(app, key)
    assert expired.status_code == 401 and "expired" in expired.get_json()["error"]["details"]
    assert re.search(r"<td data-status>expired", _page(client))

    renewed = _post(client, f"/settings/socialdock/keys/{row.id}/renew", follow_redirects=True)
    assert "renewed: valid until" in html.unescape(renewed.get_data(as_text=True))
    assert _row(key).expires_at > utcnow() + timedelta(days=29)
    assert _api(app, key).status_code == 200

    _post(client, f"/settings/socialdock/keys/{row.id}/revoke")
    refused = _post(client, f"/settings/socialdock/keys/{row.id}/renew", follow_redirects=True)
    assert "was revoked and cannot be renewed" in refused.get_data(as_text=True)
    assert _api(app, key).status_code == 401


def test_a_member_sees_keys_but_cannot_create_revoke_or_change_the_plan_and_an_admin_cannot_change_the_plan(
        owner, app):
    _, owner_user = owner
    row, key = issue_key(owner_user, "live")
    db.session.commit()
    member, _ = make_user(team=owner_user.team.name, role="member")
    member_client = _sign_in(app, member)
    page = _page(member_client)
    assert f"{key[:12]}…" in page and 'id="dock-key-create"' not in page and "Revoke" not in page
    for path, data in (("/settings/socialdock/keys", {"mode": "live"}),
                       (f"/settings/socialdock/keys/{row.id}/revoke", {}),
                       (f"/settings/socialdock/keys/{row.id}/renew", {}),
                       ("/settings/socialdock/plan", {"plan": "unlimited"})):
        answer = _post(member_client, path, data)
        assert answer.status_code == 403 and "ask one of them" in answer.get_data(as_text=True), path
    assert _row(key).revoked_at is None and db.session.query(DockKey).count() == 1
    assert 'id="dock-plan">FREE<' in _page(member_client)

    admin, _ = make_user(team=owner_user.team.name, role="admin")
    admin_client = _sign_in(app, admin)
    assert _post(admin_client, "/settings/socialdock/plan", {"plan": "unlimited"}).status_code == 403
    assert _key_on(html.unescape(_post(admin_client, "/settings/socialdock/keys").get_data(as_text=True)))
    assert _post(admin_client, f"/settings/socialdock/keys/{row.id}/revoke").status_code == 302
    assert _row(key).revoked_at is not None


def test_another_teams_key_is_a_404_and_stays_untouched(owner, app):
    client, _ = owner
    stranger, _ = make_user()
    row, key = issue_key(stranger, "live")
    db.session.commit()
    assert f"{key[:12]}" not in _page(client)
    for action in ("revoke", "renew"):
        for key_id in (row.id, "not-a-uuid"):
            answer = _post(client, f"/settings/socialdock/keys/{key_id}/{action}")
            assert answer.status_code == 404 and "SocialDock key not found" in answer.get_data(as_text=True)
    assert _row(key).revoked_at is None


def test_forms_without_their_csrf_token_or_with_a_bad_mode_are_refused(owner, app):
    client, _ = owner
    for path, data in (("/settings/socialdock/keys", {"mode": "live"}), ("/settings/socialdock/plan",
                                                                         {"plan": "build"})):
        answer = client.post(path, data=data)
        assert answer.status_code == 400 and "security token" in answer.get_data(as_text=True)
    bad = _post(client, "/settings/socialdock/keys", {"mode": "prod"}, follow_redirects=True)
    assert bad.status_code == 400 and "mode" in bad.get_data(as_text=True)
    assert db.session.query(DockKey).count() == 0 and 'id="dock-plan">FREE<' in _page(client)
