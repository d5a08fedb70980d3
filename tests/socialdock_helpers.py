"""Shared by the SocialDock tests: a workspace with a plan and a key, accounts connected the way an integrator
connects them (the connect URL), and the page's webhook verification ported from its Node.js code."""

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from app.extensions import db
from app.models import LinkedInAccount
from app.socialdock.keys import issue_key, set_plan
from tests.conftest import make_user

PREFIX = "/socialdock/api/v1"


def workspace(plan: str = "build", mode: str = "live", user=None):
    """(user, key): a user (a new team unless given) on `plan` with a new key of `mode`."""
    if user is None:
        user, _token = make_user()
    set_plan(user.team_id, plan)
    _row, key = issue_key(user, mode)
    db.session.commit()
    return user, key


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def extension_account(team_id, slug: str = "ada") -> LinkedInAccount:
    """A LinkedIn account as the extension's heartbeat registers it (the team's first is its default)."""
    row = LinkedInAccount(team_id=team_id, profile_url=f"https://www.linkedin.com/in/{slug}/", name=slug.title(),
                          timezone="UTC", settings={}, is_default=False)
    db.session.add(row)
    db.session.commit()
    return row


def account_from_redirect(location: str) -> str:
    return parse_qs(urlsplit(location).query)["account_id"][0]


def connect_sandbox(client, key: str, platform: str) -> str:
    answer = client.post(f"{PREFIX}/accounts/connect", headers=auth(key),
                         json={"platform": platform, "redirect_url": "https://app.example.com/cb"})
    assert answer.status_code == 200, answer.get_json()
    page = client.get(urlsplit(answer.get_json()["data"]["connect_url"]).path + "?"
                      + urlsplit(answer.get_json()["data"]["connect_url"]).query)
    assert page.status_code == 303, page.data
    return account_from_redirect(page.headers["Location"])


def connect_linkedin(client, key: str, linkedin_account: LinkedInAccount) -> str:
    """Through the connect page a person sees: pick the extension's account."""
    answer = client.post(f"{PREFIX}/accounts/connect", headers=auth(key),
                         json={"platform": "linkedin", "redirect_url": "https://app.example.com/cb?x=1"})
    assert answer.status_code == 200, answer.get_json()
    url = urlsplit(answer.get_json()["data"]["connect_url"])
    page = client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and str(linkedin_account.id).encode() in page.data
    token = parse_qs(url.query)["token"][0]
    chosen = client.post(url.path, data={"token": token, "linkedin_account_id": str(linkedin_account.id)})
    assert chosen.status_code == 303, chosen.data
    assert "x=1" in chosen.headers["Location"]
    return account_from_redirect(chosen.headers["Location"])


def verify_webhook(raw_body: bytes, signature: str, secret: str) -> bool:
    """The page's Node.js `verifyWebhook`, line for line: hex HMAC-SHA256 of the raw body, compared in constant
    time as bytes decoded from hex (`Buffer.from(x, "hex")`; timingSafeEqual throws on a length mismatch, which
    the page's handler would answer 401 like a mismatch)."""
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    try:
        given = bytes.fromhex(signature)
    except ValueError:
        given = b""  # Buffer.from(..., "hex") stops at the first non-hex character
    expected_bytes = bytes.fromhex(expected)
    if len(given) != len(expected_bytes):
        return False
    return hmac.compare_digest(expected_bytes, given)


class MediaServer:
    """A loopback file server: `files[path] = (bytes, headers)`; answers 404 elsewhere. Redirects via headers."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.files: dict[str, tuple[bytes, dict, int]] = {}
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                body, headers, status = server_self.files.get(self.path, (b"missing", {}, 404))
                try:
                    self.send_response(status)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    for name, value in headers.items():
                        if value is not None:  # None: leave the header out (e.g. no Content-Length)
                            self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the fetcher stopped reading (a cap): expected

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def add(self, path: str, body: bytes, status: int = 200, **headers) -> str:
        self.files[path] = (body, {name.replace("_", "-"): value for name, value in headers.items()}, status)
        return self.origin + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# The smallest files whose first bytes are what they claim (what the media sniffer reads).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 400 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 400
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 400
