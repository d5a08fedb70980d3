"""The web app's sign-in on the Flask test client: CSRF, session fixation, sign-out, rate limits, roles, tenancy."""

import re

import pytest

from app.extensions import db
from app.models import User
from app.users.passwords import issue_link, set_password
from tests.conftest import bearer, make_user

PASSWORD = "correct horse battery"


def _csrf(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _person(email=None, team=None, role=None):
    user, token = make_user(email, team=team, role=role)
    set_password(user, PASSWORD)
    db.session.commit()
    return user, token


def _sign_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": _csrf(client)})


def _session_cookie(client):
    cookie = client.get_cookie("socialscalr_session")
    return cookie.value if cookie else None


def test_a_signed_out_visitor_is_sent_to_sign_in_and_shown_no_data(client, app):
    user, _ = _person()
    for path in ("/", "/campaigns", "/settings", "/webhooks", "/accounts", "/posts", f"/settings/members/{user.id}/x"):
        response = client.get(path)
        if response.status_code == 404:
            continue
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
        assert user.email not in response.get_data(as_text=True)
    form = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in form and 'name="password"' in form


def test_sign_in_with_the_right_password_and_refused_with_a_wrong_one(client, app):
    user, _ = _person()
    refused = _sign_in(client, user.email, "wrong password!")
    assert refused.status_code == 401
    unknown = _sign_in(client, "nobody@example.com", "wrong password!")
    # The same message whichever of the two was wrong.
    assert "do not match" in refused.get_data(as_text=True)
    assert refused.get_data(as_text=True).count("do not match") == unknown.get_data(as_text=True).count("do not match")
    assert _sign_in(client, user.email).status_code == 302
    page = client.get("/settings")
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)


def test_a_form_posted_without_its_csrf_token_is_refused(client, app):
    user, _ = _person()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
    _sign_in(client, user.email)
    before = db.session.scalar(db.select(User.team_id).where(User.id == user.id))
    response = client.post(f"/settings/members/{user.id}/token")
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    response = client.post(f"/settings/members/{user.id}/token", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert before  # nothing rotated: the page never showed a new token
    assert "ss_" not in response.get_data(as_text=True)


def test_the_session_id_changes_at_sign_in_and_sign_out_revokes_it(app):
    user, _ = _person()
    client = app.test_client()
    _csrf(client)
    before = _session_cookie(client)
    assert before
    _sign_in(client, user.email)
    after = _session_cookie(client)
    assert after and after != before
    # A visitor who planted the pre-sign-in cookie gets nothing.
    planted = app.test_client()
    planted.set_cookie("socialscalr_session", before)
    assert planted.get("/settings").status_code == 302
    # A copy of the signed-in cookie works until sign-out, then never again.
    copy = app.test_client()
    copy.set_cookie("socialscalr_session", after)
    assert copy.get("/settings").status_code == 200
    signed_out = client.post("/logout", data={"csrf_token": _csrf(client, "/settings")})
    assert signed_out.status_code == 302, signed_out.get_data(as_text=True)
    assert copy.get("/settings").status_code == 302
    assert client.get("/settings").status_code == 302


def test_the_api_is_never_authenticated_by_the_cookie_and_needs_no_csrf(client, app):
    user, token = _person()
    _sign_in(client, user.email)
    assert client.get("/api/v1/me").status_code == 401
    rotated = client.post("/api/v1/me/token/rotate", headers=bearer(token))
    assert rotated.status_code == 200


def test_sign_in_attempts_are_limited_per_account(client, app):
    app.config["SIGNIN_ATTEMPTS_PER_ACCOUNT"] = 3
    user, _ = _person()
    for _ in range(3):
        assert _sign_in(client, user.email, "wrong password!").status_code == 401
    throttled = _sign_in(client, user.email)  # even the right password waits
    assert throttled.status_code == 429 and "Too many" in throttled.get_data(as_text=True)
    other, _ = _person()
    assert _sign_in(client, other.email).status_code == 302


def test_sign_in_attempts_are_limited_per_address(client, app):
    app.config["SIGNIN_ATTEMPTS_PER_ADDRESS"] = 2
    _sign_in(client, "a@example.com", "x")
    _sign_in(client, "b@example.com", "x")
    assert _sign_in(client, "c@example.com", "x").status_code == 429


def test_a_one_time_link_sets_the_password_once(client, app):
    user, _ = make_user()
    token = issue_link(user)
    db.session.commit()
    page = client.get(f"/set-password/{token}")
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    short = client.post(f"/set-password/{token}", data={"password": "short", "confirm": "short", "csrf_token": csrf})
    assert short.status_code == 400 and "at least 10" in short.get_data(as_text=True)
    done = client.post(f"/set-password/{token}", data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf})
    assert done.status_code == 302
    assert client.get("/settings").status_code == 200
    assert app.test_client().get(f"/set-password/{token}").status_code == 404
    assert _sign_in(app.test_client(), user.email).status_code == 302


def test_another_teams_ids_are_404_pages(client, app):
    theirs, their_token = _person()
    hook = app.test_client().post("/api/v1/webhooks", headers=bearer(their_token),
                                  json={"url": "http://127.0.0.1:9/x", "events": ["*"]}).get_json()
    campaign = app.test_client().post("/api/v1/campaigns", headers=bearer(their_token),
                                      json={"name": "Theirs"}).get_json()
    mine, _ = _person()
    _sign_in(client, mine.email)
    for path in (f"/webhooks/{hook['id']}", f"/campaigns/{campaign['id']}", "/campaigns/not-a-uuid",
                 f"/campaigns/{campaign['id']}/export.csv"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Theirs" not in response.get_data(as_text=True)
    csrf = _csrf(client, "/settings")
    assert client.post(f"/webhooks/{hook['id']}/rotate-secret", data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"/settings/members/{theirs.id}/token", data={"csrf_token": csrf}).status_code == 404


@pytest.mark.parametrize("path", ["/settings/plan", "/settings/members"])
def test_a_member_cannot_do_what_only_owners_and_admins_may(client, app, path):
    owner, _ = _person()
    member, _ = _person(team=owner.team.name, role="member")
    _sign_in(client, member.email)
    csrf = _csrf(client, "/settings")
    data = {"plan": "team", "email": "new@example.com", "name": "New", "role": "member", "csrf_token": csrf}
    response = client.post(path, data=data)
    assert response.status_code == 403
    assert "ask one of them" in response.get_data(as_text=True)
    assert client.post(f"/settings/members/{owner.id}/token", data={"csrf_token": csrf}).status_code == 403


def test_only_an_owner_removes_an_owner(client, app):
    owner, _ = _person()
    admin, _ = _person(team=owner.team.name, role="admin")
    member, _ = _person(team=owner.team.name, role="member")
    _sign_in(client, admin.email)
    csrf = _csrf(client, "/settings")
    assert client.post(f"/settings/members/{owner.id}/remove", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/settings/members/{member.id}/remove", data={"csrf_token": csrf}).status_code == 302
    assert db.session.get(User, member.id) is None
    assert db.session.get(User, owner.id) is not None


def test_a_page_showing_a_new_token_is_never_cached_or_framed(client, app):
    user, _ = _person()
    _sign_in(client, user.email)
    response = client.post(f"/settings/members/{user.id}/token", data={"csrf_token": _csrf(client, "/settings")})
    assert response.status_code == 200 and 'id="new-token"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    fresh = app.test_client()
    cookie = _sign_in(fresh, user.email).headers["Set-Cookie"]
    assert cookie.startswith("socialscalr_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_outside_tests():
    from app import create_app

    production = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
