"""SSRF rules: refused at registration, and again on the address resolved when sending."""

import pytest

from app.webhooks.addresses import blocked_reason
from tests.test_webhook_helpers import deliveries, emit_committed, register, run_worker, serve_receiver


@pytest.fixture(name="receiver")
def _receiver():
    yield from serve_receiver()


REFUSED = [
    "http://93.184.216.34/hook",  # public, but https is required
    "https://127.0.0.1/hook",
    "https://localhost:8443/hook",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.10/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://[::1]/hook",
    "https://[fd00::1]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://user:pw@93.184.216.34/hook",
    "ftp://93.184.216.34/hook",
    "file:///etc/passwd",
]


def test_private_and_non_https_urls_are_refused_at_registration(app, client, auth):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    for url in REFUSED:
        response = client.post("/api/v1/webhooks", json={"url": url, "events": ["*"]}, headers=auth)
        assert response.status_code == 400, url
        assert response.get_json()["error"].startswith("url:"), url
    assert client.get("/api/v1/webhooks", headers=auth).get_json()["webhooks"] == []
    public = client.post("/api/v1/webhooks", json={"url": "https://93.184.216.34/hook", "events": ["*"]},
                         headers=auth)
    assert public.status_code == 201, public.get_json()


def test_address_classification():
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "100.100.0.1", "::1", "fc00::1", "::ffff:8.8.8.8",
                    "64:ff9b::a00:1", "2002:c0a8:101::1", "ff02::1", "::", "0.0.0.0", "255.255.255.255"):
        assert blocked_reason(address), address
    for address in ("8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"):
        assert blocked_reason(address) is None, address


def test_the_address_is_checked_again_when_sending(app, client, auth, user_and_token, receiver):
    # Registered while private targets were allowed (or a name that later resolves to a private address).
    by_ip = register(client, auth, receiver.url("/ip"))
    by_name = register(client, auth, receiver.url("/name").replace("127.0.0.1", "localhost"))
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    emit_committed(user_and_token[0].team_id)
    run_worker(app)

    assert receiver.received() == []
    for hook in (by_ip, by_name):
        [logged] = deliveries(client, auth, hook["id"])
        assert logged["status"] == "pending" and logged["lastStatusCode"] is None
        assert logged["lastError"].startswith("refused:")
    answer = client.post(f"/api/v1/webhooks/{by_name['id']}/test", headers=auth).get_json()
    assert answer["delivered"] is False and answer["error"].startswith("refused:")
    assert receiver.received() == []
