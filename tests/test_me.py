import sqlalchemy as sa

from app.extensions import db
from tests.conftest import bearer, make_user


def test_me_returns_the_documented_identity(client):
    user, token = make_user(email="ada@example.com", plan="pro")
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": str(user.id),
        "email": "ada@example.com",
        "fullName": "Test ada",
        "plan": "pro",
        "teamRole": "owner",
    }
    assert response.headers["Content-Type"].startswith("application/json")


def test_missing_malformed_unknown_tokens_get_401_json(client):
    cases = [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer ss_" + "x" * 32},
    ]
    for headers in cases:
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert isinstance(response.get_json()["error"], str) and response.get_json()["error"]


def test_rotated_token_stops_working_at_once(client):
    _, old = make_user()
    response = client.post("/api/v1/me/token/rotate", headers=bearer(old))
    assert response.status_code == 200
    new = response.get_json()["token"]
    assert new.startswith("ss_") and len(new) >= 27 and new != old
    assert client.get("/api/v1/me", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(new)).status_code == 200


def test_tokens_are_stored_only_as_digests(client):
    _, token = make_user()
    client.get("/api/v1/me", headers=bearer(token))
    rows = db.session.execute(sa.text("SELECT * FROM api_tokens")).mappings().all()
    assert rows
    for row in rows:
        for value in row.values():
            assert token not in str(value)
            assert token[3:] not in str(value)
    assert all(row["last_used_at"] is not None for row in rows)


def test_request_id_header_on_every_response(client, auth):
    ok = client.get("/api/v1/me", headers=auth)
    missing = client.get("/api/v1/nothing-here", headers=auth)
    assert len(ok.headers["X-Request-ID"]) >= 8
    assert missing.headers["X-Request-ID"] != ok.headers["X-Request-ID"]
    echoed = client.get("/api/v1/me", headers={**auth, "X-Request-ID": "trace-12345678"})
    assert echoed.headers["X-Request-ID"] == "trace-12345678"
