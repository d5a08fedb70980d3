"""Connecting live accounts through our own endpoints: OAuth (a minimal OAuth fake platform under tests/fakes, no
real platform's adapter having landed when this was written) and Telegram (its real adapter and fake). Tokens are
encrypted in the database, never in an answer or a log line, and the keys can be rotated."""

import logging
import os
import subprocess
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app.extensions import db
from app.models import DockAccount
from app.platforms import registry
from app.socialdock import vault
from app.socialdock.ids import parse_id
from tests.fakes.oauth_demo import DemoAdapter, FakeOAuthPlatform
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.socialdock_helpers import PREFIX, auth, workspace
from tests.socialdock_live_helpers import (
    DEMO_CLIENT,
    configure_platform,
    connect_oauth,
    connect_telegram,
    oauth_callback_url,
    start_connect,
)
from tests.test_socialdock_cli_docs import SCRIPT
from worker.periodic import registered_jobs
from worker.socialdock_jobs import forget_abandoned_connections

PLATFORM = "threads"  # the demo adapter stands in for an OAuth platform in these tests


@pytest.fixture(name="demo")
def _demo(pg_app, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, PLATFORM, DemoAdapter(PLATFORM))
    with FakeOAuthPlatform(identities=(("page-1", "First Page"), ("page-2", "Second Page"))) as fake:
        configure_platform(pg_app, PLATFORM, fake, *DEMO_CLIENT)
        yield fake


def _raw_tokens(account_id: str) -> str:
    return db.session.execute(text("SELECT token_ciphertext FROM dock_accounts WHERE id = :id"),
                              {"id": parse_id("account", account_id)}).scalar_one()


def _stored(account_id: str):
    return vault.unseal_tokens(_raw_tokens(account_id))


def test_a_platform_without_its_app_configured_answers_400_naming_the_settings(pg_app, monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, PLATFORM, DemoAdapter(PLATFORM))
    client = pg_app.test_client()
    _, key = workspace()
    answer = client.post(f"{PREFIX}/accounts/connect", headers=auth(key), json={"platform": PLATFORM})
    assert answer.status_code == 400
    assert "SOCIALDOCK_THREADS_CLIENT_ID and SOCIALDOCK_THREADS_CLIENT_SECRET" in answer.get_json()["error"]["details"]
    pg_app.config["SOCIALDOCK_THREADS_CLIENT_ID"] = "demo-client"
    answer = client.post(f"{PREFIX}/accounts/connect", headers=auth(key), json={"platform": PLATFORM})
    assert answer.status_code == 400 and "SOCIALDOCK_THREADS_CLIENT_SECRET" in answer.get_json()["error"]["details"]


def test_oauth_round_trip_picks_an_identity_and_keeps_tokens_encrypted_and_unseen(pg_app, demo, caplog):
    caplog.set_level(logging.DEBUG)
    client = pg_app.test_client()
    _, key = workspace()
    account_id = connect_oauth(client, key, PLATFORM, choose="page-2")
    listed = client.get(f"{PREFIX}/accounts", headers=auth(key))
    (account,) = listed.get_json()["data"]["accounts"]
    assert account["id"] == account_id and account["platform"] == PLATFORM
    assert account["display_name"] == "Second Page"
    stored = _stored(account_id)
    assert stored.access_token in demo.access and stored.refresh_token in demo.refresh_tokens
    raw = _raw_tokens(account_id)
    assert stored.access_token not in raw and stored.refresh_token not in raw
    status = client.get(f"{PREFIX}/accounts/status", headers=auth(key))
    for body in (listed.get_data(as_text=True), status.get_data(as_text=True)):
        assert stored.access_token not in body and stored.refresh_token not in body
    for record in caplog.records:
        assert stored.access_token not in record.getMessage() and stored.refresh_token not in record.getMessage()


def test_a_wrong_or_reused_state_is_refused_with_a_page_that_says_what_to_do(pg_app, demo):
    client = pg_app.test_client()
    _, key = workspace()
    back = urlsplit(oauth_callback_url(client, start_connect(client, key, PLATFORM)))
    forged = client.get(f"{back.path}?code=whatever&state=forged-state")
    assert forged.status_code == 400 and "Start connecting again" in forged.get_data(as_text=True)
    assert client.get(f"{back.path}?{back.query}").status_code == 200  # the real one: the choice page
    reused = client.get(f"{back.path}?{back.query}")
    assert reused.status_code == 400 and "Start connecting again" in reused.get_data(as_text=True)
    other = client.get(f"/socialdock/oauth/telegram/callback?{back.query}")
    assert other.status_code == 400
    denied = client.get(f"{back.path}?error=access_denied&state=x")
    assert denied.status_code == 400 and "did not grant access" in denied.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(DockAccount.id))) == 0


def test_reconnecting_the_same_account_updates_it_and_keeps_the_refresh_token(pg_app, demo):
    client = pg_app.test_client()
    _, key = workspace()
    first = connect_oauth(client, key, PLATFORM, choose="page-1")
    before = _stored(first)
    demo.code_grants_refresh = False  # the platform's second consent brings no refresh token
    again = connect_oauth(client, key, PLATFORM, choose="page-1")
    assert again == first
    after = _stored(first)
    assert after.access_token != before.access_token and after.refresh_token == before.refresh_token
    assert len(client.get(f"{PREFIX}/accounts", headers=auth(key)).get_json()["data"]["accounts"]) == 1


def test_token_keys_rotate_and_the_old_key_can_then_be_dropped(pg_app, demo):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    pg_app.config["SOCIALDOCK_TOKEN_KEYS"] = old
    client = pg_app.test_client()
    _, key = workspace()
    account_id = connect_oauth(client, key, PLATFORM, choose="page-1")
    tokens = _stored(account_id)
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": pg_app.config["SQLALCHEMY_DATABASE_URI"],
           "SOCIALDOCK_TOKEN_KEYS": f"{new},{old}"}
    env.pop("REDIS_URL", None)
    result = subprocess.run([SCRIPT, "dock", "rotate-token-keys"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 0 and "re-encrypted 1" in result.stdout, result.stderr
    db.session.expire_all()
    pg_app.config["SOCIALDOCK_TOKEN_KEYS"] = new
    assert _stored(account_id).access_token == tokens.access_token
    pg_app.config["SOCIALDOCK_TOKEN_KEYS"] = old
    with pytest.raises(vault.VaultError):
        _stored(account_id)


def test_telegram_connects_with_a_bot_token_and_a_code_posted_in_the_chat(pg_app):
    client = pg_app.test_client()
    _, key = workspace()
    with FakeTelegram() as fake:
        fake.add_chat("-1009876", title="Launch Channel", username="launchnews")
        configure_platform(pg_app, "telegram", fake, client_id="", client_secret="")
        token = parse_qs(urlsplit(start_connect(client, key, "telegram")).query)["token"][0]
        wrong = client.post("/socialdock/connect", data={"token": token, "step": "bot", "bot_token": "1:nope"})
        assert wrong.status_code == 400 and "BotFather" in wrong.get_data(as_text=True)
        asked = client.post("/socialdock/connect", data={"token": token, "step": "bot", "bot_token": BOT_TOKEN})
        assert "@dock_bot" in asked.get_data(as_text=True) and BOT_TOKEN not in asked.get_data(as_text=True)
        early = client.post("/socialdock/connect", data={"token": token, "step": "chat"})
        assert early.status_code == 200 and "has not seen the code yet" in early.get_data(as_text=True)
        account_id = connect_telegram(client, key, fake, "-1009876", BOT_TOKEN)
    (account,) = client.get(f"{PREFIX}/accounts", headers=auth(key)).get_json()["data"]["accounts"]
    assert account["id"] == account_id and account["display_name"] == "Launch Channel"
    row = db.session.get(DockAccount, parse_id("account", account_id))
    assert row.platform_account_id == "-1009876" and BOT_TOKEN not in _raw_tokens(account_id)
    assert _stored(account_id).access_token == BOT_TOKEN


def test_a_refused_code_still_uses_up_its_state(pg_app, demo):
    client = pg_app.test_client()
    _, key = workspace()
    back = urlsplit(oauth_callback_url(client, start_connect(client, key, PLATFORM)))
    state = parse_qs(back.query)["state"][0]
    refused = client.get(f"{back.path}?code=not-the-code&state={state}")
    assert refused.status_code == 400 and "grant was refused" in refused.get_data(as_text=True)
    assert client.get(f"{back.path}?{back.query}").status_code == 400  # the real code, but the state is spent


def test_unfinished_connections_forget_their_secrets_once_expired(pg_app):
    client = pg_app.test_client()
    _, key = workspace()
    with FakeTelegram() as fake:
        configure_platform(pg_app, "telegram", fake, client_id="", client_secret="")
        token = parse_qs(urlsplit(start_connect(client, key, "telegram")).query)["token"][0]
        client.post("/socialdock/connect", data={"token": token, "step": "bot", "bot_token": BOT_TOKEN})
    assert "worker.socialdock_jobs.forget_abandoned_connections" in [job.name for job in registered_jobs()]
    assert forget_abandoned_connections() == 0  # still valid: kept
    later = datetime.now(UTC) + timedelta(hours=1)
    pg_app.config["CLOCK"] = lambda: later
    assert forget_abandoned_connections() == 1
    assert db.session.execute(text("SELECT count(*) FROM dock_connect_tokens WHERE pending_ciphertext IS NOT NULL")
                              ).scalar_one() == 0


def test_a_state_that_comes_back_after_the_connect_link_expired_is_refused(pg_app, demo):
    client = pg_app.test_client()
    _, key = workspace()
    back = urlsplit(oauth_callback_url(client, start_connect(client, key, PLATFORM)))
    later = datetime.now(UTC) + timedelta(minutes=31)
    pg_app.config["CLOCK"] = lambda: later
    expired = client.get(f"{back.path}?{back.query}")
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(DockAccount.id))) == 0
