"""Live platform connections in tests: point a platform's app credentials at a started fake, connect an account
through our real endpoints (the connect URL, the platform's consent redirect, our OAuth callback; Telegram's bot
token and connect code), run the live publisher and the metrics job.

    with FakeX() as fake:
        configure_platform(app, "x", fake)                 # SOCIALDOCK_X_CLIENT_ID/_SECRET/_API_BASE/_AUTH_BASE
        account_id = connect_oauth(client, key, "x")       # through /accounts/connect -> fake's authorize -> callback
        ... POST /posts ...; run_live(app)                 # the periodic job's work, in this process

For the 8-platform end-to-end test: configure each platform with its fake, connect each with `connect_oauth`
(`connect_telegram` for Telegram), create one post with eight targets, `run_live(app)` (advancing the clock a
second or two between runs: Telegram's one message a second) until it takes nothing.
tests/test_socialdock_live_platforms.py does this for the five text-capable platforms.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import requests

from app.socialdock.live import publish_live
from app.socialdock.live_metrics import fetch_metrics
from tests.socialdock_helpers import PREFIX, account_from_redirect, auth

DEMO_CLIENT = ("demo-client", "demo-secret")


def configure_platform(app, platform: str, fake, client_id: str = "test-client", client_secret: str = "test-secret",
                       **settings) -> None:
    """Our app at `platform` is the fake: its client id/secret, and its API and consent pages at the fake's URL;
    other settings by name (`extra={...}`: SOCIALDOCK_<PLATFORM>_EXTRA, the adapter's AppCredentials.extra)."""
    name = f"SOCIALDOCK_{platform.upper()}_"
    app.config.update({name + "CLIENT_ID": client_id, name + "CLIENT_SECRET": client_secret,
                       name + "API_BASE": fake.url, name + "AUTH_BASE": fake.url,
                       **{name + key.upper(): value for key, value in settings.items()}})


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def start_connect(client, key: str, platform: str, redirect_url: str = "https://app.example.com/cb") -> str:
    answer = client.post(f"{PREFIX}/accounts/connect", headers=auth(key),
                         json={"platform": platform, "redirect_url": redirect_url})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["data"]["connect_url"]


def oauth_callback_url(client, connect_url: str) -> str:
    """Open the connect URL, follow our redirect to the platform's consent page (the fake approves at once) and
    return where the platform sends the person back (our callback, with code and state)."""
    opened = client.get(_path(connect_url))
    if opened.status_code == 200 and "/socialdock/oauth/start?" in opened.get_data(as_text=True):
        # LinkedIn's connect page: the extension's accounts, or "sign in with LinkedIn" (its REST API)
        start = opened.get_data(as_text=True).split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        opened = client.get(start)
    assert opened.status_code == 302, opened.get_data(as_text=True)
    consent = requests.get(opened.headers["Location"], allow_redirects=False, timeout=10)
    assert consent.status_code in (302, 303), consent.text
    return consent.headers["Location"]


def connect_oauth(client, key: str, platform: str, choose: str | None = None) -> str:
    """An account connected through the real endpoints (LinkedIn: by its "sign in with LinkedIn" link); `choose`
    picks an identity (its platform account id) when the login has several, else the first offered."""
    back = client.get(_path(oauth_callback_url(client, start_connect(client, key, platform))))
    if back.status_code == 200 and 'name="pick"' in back.get_data(as_text=True):
        page = back.get_data(as_text=True)
        pick = page.split('name="pick" value="', 1)[1].split('"', 1)[0]
        if choose is None:  # the first the platform listed (LinkedIn: the member; Facebook: the first page)
            choose = html.unescape(page.split('name="platform_account_id" value="', 1)[1].split('"', 1)[0])
        back = client.post(f"/socialdock/oauth/{platform}/choose", data={"pick": pick, "platform_account_id": choose})
    assert back.status_code == 303, back.get_data(as_text=True)
    return account_from_redirect(back.headers["Location"])


def connect_telegram(client, key: str, fake, chat_id: str, bot_token: str) -> str:
    """Paste the bot token, post the code the page shows in the chat, press "I posted it"."""
    token = parse_qs(urlsplit(start_connect(client, key, "telegram")).query)["token"][0]
    asked = client.post("/socialdock/connect", data={"token": token, "step": "bot", "bot_token": bot_token})
    assert asked.status_code == 200, asked.get_data(as_text=True)
    code = asked.get_data(as_text=True).split("<code>/connect ", 1)[1].split("<", 1)[0]
    fake.person_posts(chat_id, f"/connect {code}")
    done = client.post("/socialdock/connect", data={"token": token, "step": "chat"})
    assert done.status_code == 303, done.get_data(as_text=True)
    return account_from_redirect(done.headers["Location"])


def run_live(app, now=None) -> int:
    """One run of the live publisher's periodic job in this process (how many targets it took)."""
    with app.app_context():
        return publish_live(now)


def run_metrics(app, now=None) -> int:
    with app.app_context():
        return fetch_metrics(now)


def store_media(client, key: str, media_server, body: bytes, name: str) -> str:
    """A file in our media store (POST /media from a loopback MediaServer, whose origin the app must trust:
    SOCIALDOCK_MEDIA_TRUSTED_ORIGINS); its URL for `media_urls`. Platforms that pull media fetch it from
    SOCIALDOCK_PUBLIC_BASE_URL (point it at the `live_url` server for them)."""
    answer = client.post(f"{PREFIX}/media", headers=auth(key),
                         json={"url": media_server.add(f"/{name}", body), "file_name": name})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["data"]["url"]
