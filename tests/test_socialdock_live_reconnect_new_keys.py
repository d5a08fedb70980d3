"""An account whose stored credentials the server can no longer read (SOCIALDOCK_TOKEN_KEYS or SECRET_KEY changed)
is told to "connect the account again"; connecting again must then work, and a connection started before the keys
changed ends on a "start again" page, never a 500."""

import pytest
from cryptography.fernet import Fernet

from app.platforms import registry
from tests.fakes.oauth_demo import DemoAdapter, FakeOAuthPlatform
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.socialdock_helpers import workspace
from tests.socialdock_live_helpers import (
    DEMO_CLIENT,
    _path,
    configure_platform,
    connect_oauth,
    connect_telegram,
    oauth_callback_url,
    start_connect,
)

PLATFORM = "threads"
CHAT = "-1005550002"


@pytest.fixture(name="demo")
def _demo(pg_app, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, PLATFORM, DemoAdapter(PLATFORM))
    with FakeOAuthPlatform(identities=(("page-1", "First Page"),)) as fake:
        configure_platform(pg_app, PLATFORM, fake, *DEMO_CLIENT)
        yield fake


def _new_keys(app) -> None:
    app.config["SOCIALDOCK_TOKEN_KEYS"] = Fernet.generate_key().decode()  # the old key is gone


def test_reconnecting_after_the_token_keys_changed_connects_the_account_again(pg_app, demo):
    _new_keys(pg_app)
    client = pg_app.test_client()
    _, key = workspace()
    first = connect_oauth(client, key, PLATFORM)
    _new_keys(pg_app)
    assert connect_oauth(client, key, PLATFORM) == first


def test_a_sign_in_started_before_the_keys_changed_asks_to_start_again(pg_app, demo):
    """The PKCE verifier stored when the consent page opened cannot be read when the person comes back."""
    _new_keys(pg_app)
    client = pg_app.test_client()
    _, key = workspace()
    callback = oauth_callback_url(client, start_connect(client, key, PLATFORM))
    _new_keys(pg_app)
    back = client.get(_path(callback))
    assert back.status_code == 400
    assert "Start connecting again" in back.get_data(as_text=True)


def test_reconnecting_a_telegram_chat_after_the_keys_changed_connects_it_again(pg_app):
    _new_keys(pg_app)
    client = pg_app.test_client()
    _, key = workspace()
    with FakeTelegram() as fake:
        fake.add_chat(CHAT)
        configure_platform(pg_app, "telegram", fake, client_id="", client_secret="")
        first = connect_telegram(client, key, fake, CHAT, BOT_TOKEN)
        _new_keys(pg_app)
        assert connect_telegram(client, key, fake, CHAT, BOT_TOKEN) == first
