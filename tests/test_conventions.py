"""Every error is `{"error": ...}` with the right status, whatever went wrong."""

import pytest


def _assert_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body["error"], str) and body["error"], body
    return body


def test_unknown_route_is_404_json(client, auth):
    _assert_error(client.get("/api/v1/no-such-thing", headers=auth), 404)
    _assert_error(client.get("/no-such-page"), 404)


def test_wrong_method_is_405_json_with_allow(client, auth):
    response = client.delete("/api/v1/me", headers=auth)
    _assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_non_json_body_is_415(client, auth):
    response = client.post("/api/v1/me/token/rotate", data="token=1", headers=auth,
                           content_type="application/x-www-form-urlencoded")
    assert "application/json" in _assert_error(response, 415)["error"]


def test_body_over_the_limit_is_413(client, auth):
    response = client.post("/api/v1/me/token/rotate", data=b"x" * (6 * 1024 * 1024), headers=auth,
                           content_type="application/json")
    _assert_error(response, 413)


def test_a_get_announcing_a_body_over_the_limit_is_413(client, auth):
    # Sized from its Content-Length even where no body is read: a GET does not skip the check.
    response = client.get("/api/v1/me", data=b"x" * (6 * 1024 * 1024), headers=auth)
    _assert_error(response, 413)


def test_unexpected_failure_is_500_without_internals(app, client, auth):
    def explode():
        raise RuntimeError("secret database password in a stack trace")

    app.add_url_rule("/api/v1/explode", "explode", explode)
    response = client.get("/api/v1/explode", headers=auth)
    body = _assert_error(response, 500)
    assert "secret" not in body["error"] and "Traceback" not in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] in body["error"]


@pytest.mark.parametrize("path", ["/api/v1/me"])
def test_timestamps_are_utc_with_z(client, auth, path):
    from datetime import UTC, datetime, timedelta, timezone

    from app.common.fields import utc_iso

    moment = datetime(2026, 5, 23, 22, 0, tzinfo=timezone(timedelta(hours=2)))
    assert utc_iso(moment) == "2026-05-23T20:00:00.000Z"
    assert utc_iso(datetime(2026, 1, 1, tzinfo=UTC)).endswith("Z")
