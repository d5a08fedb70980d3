"""The web app in a real browser: Debian's Chromium driven by Playwright, against a live server on loopback.

Screenshots of the main pages land in tests/screenshots/ (not committed), so anyone can see what a person sees.
"""

import json
import pathlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from app.extensions import db
from app.models import User, WebhookEndpoint
from app.users.passwords import set_password
from app.webhooks.delivery import deliver_due
from app.webhooks.relay import relay_pending_events
from tests.conftest import bearer, make_user
from tests.engine_helpers import NO_GAP, Outreach, actions, of_type

CHROMIUM = "/usr/bin/chromium"
SHOTS = pathlib.Path(__file__).parent / "screenshots"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser():
    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (make test installs it)")
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class Live:
    def __init__(self, app, url):
        self.app, self.url = app, url


@pytest.fixture
def live(pg_app):
    server = make_server("127.0.0.1", 0, pg_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(pg_app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.on("dialog", lambda dialog: dialog.accept())  # the confirm() before irreversible actions
    yield context.new_page()
    context.close()


def _with_password(user: User) -> User:
    set_password(user, PASSWORD)
    db.session.commit()
    return user


def _sign_in(page, live, email, password=PASSWORD):
    page.goto(live.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sign_in_and_a_wrong_password_refused(live, page):
    user = _with_password(make_user()[0])
    page.goto(live.url + "/")
    assert "/login" in page.url
    _shot(page, "login")
    _sign_in(page, live, user.email, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    assert "/login" in page.url
    _sign_in(page, live, user.email)
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    expect(page.get_by_text(f"{user.full_name} (owner)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.goto(live.url + "/settings")
    assert "/login" in page.url


def test_rotating_the_token_shows_the_new_one_which_works_while_the_old_one_is_refused(live, page):
    user, old_token = make_user()
    _with_password(user)
    assert requests.get(live.url + "/api/v1/me", headers=bearer(old_token), timeout=10).status_code == 200
    _sign_in(page, live, user.email)
    page.goto(live.url + "/settings")
    expect(page.locator("#token-last-used")).not_to_have_text("never")
    page.get_by_role("button", name="Rotate my token").click()
    new_token = page.get_by_role("textbox", name="API token").input_value()
    assert new_token.startswith("ss_") and new_token != old_token
    _shot(page, "settings-token-rotated")
    me = requests.get(live.url + "/api/v1/me", headers=bearer(new_token), timeout=10)
    assert me.status_code == 200 and me.json()["email"] == user.email
    assert requests.get(live.url + "/api/v1/me", headers=bearer(old_token), timeout=10).status_code == 401
    page.reload()  # shown once: a reload does not show it again
    assert new_token not in page.content()


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"thanks")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks"
    server.shutdown()
    thread.join()


def test_a_socialdock_key_generated_in_settings_works_until_it_is_revoked(live, page):
    user = _with_password(make_user()[0])
    _sign_in(page, live, user.email)
    page.goto(live.url + "/settings#socialdock")
    expect(page.locator("#dock-base-url")).to_have_text(live.url + "/socialdock")
    page.locator("#dock-plan-select").select_option("build")
    page.locator("#dock-plan-change").click()
    expect(page.locator("#dock-limit")).to_have_text("100")
    page.locator("#dock-key-mode").select_option("test")
    page.locator("#dock-key-create").click()
    key = page.locator("#new-dock-key").input_value()
    assert key.startswith("sd_test_")
    _shot(page, "settings-socialdock")
    accounts = live.url + "/socialdock/api/v1/accounts"
    assert requests.get(accounts, headers=bearer(key), timeout=10).status_code == 200
    page.locator("#dock-keys").get_by_role("button", name="Revoke").click()
    expect(page.locator("#dock-keys [data-status]")).to_contain_text("revoked")
    assert page.locator("#new-dock-key").count() == 0, "the key is never shown again"
    assert requests.get(accounts, headers=bearer(key), timeout=10).status_code == 401


def test_register_a_webhook_send_a_test_event_and_read_the_delivery_log(live, page, receiver):
    user, token = make_user()
    _with_password(user)
    _sign_in(page, live, user.email)
    page.goto(live.url + "/webhooks")
    page.get_by_label("URL (https)").fill(receiver)
    page.get_by_label("every event").check()
    page.get_by_role("button", name="Register").click()
    secret = page.get_by_label("Secret").input_value()
    assert secret.startswith("whsec_")
    page.get_by_role("button", name="Send a test event").click()
    expect(page.locator("#test-result")).to_contain_text("delivered")
    expect(page.locator("#test-result [data-status-code]")).to_have_text("200")
    assert Receiver.received[-1]["event"] == "webhook.test"
    # A real event: the relay and the delivery worker's job, run here, send it to the receiver.
    campaign = requests.post(live.url + "/api/v1/campaigns", headers=bearer(token), json={"name": "Hooks"},
                             timeout=10).json()
    scraped = requests.post(live.url + "/api/v1/extension/leads", headers=bearer(token), timeout=10, json={
        "campaignId": campaign["id"], "leads": [{"name": "Ada L", "profileUrl": "https://www.linkedin.com/in/ada/"}]})
    assert scraped.status_code in (200, 201), scraped.text
    relay_pending_events()
    endpoint_id = db.session.scalar(db.select(WebhookEndpoint.id).where(WebhookEndpoint.team_id == user.team_id))
    deliver_due(endpoint_id)
    page.goto(f"{live.url}/webhooks/{endpoint_id}")
    row = page.locator("#deliveries tbody tr").first
    expect(row).to_contain_text("leads.scraped")
    expect(row).to_contain_text("delivered")
    expect(row.locator("[data-response-code]")).to_have_text("200")
    _shot(page, "webhook-delivery-log")
    row.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_role("status").first).to_contain_text("Queued again")
    deliver_due(endpoint_id)
    assert [event["event"] for event in Receiver.received].count("leads.scraped") == 2
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator("#webhook-state")).to_have_text("deactivated")
    page.get_by_role("button", name="Reactivate").click()
    expect(page.locator("#webhook-state")).to_have_text("active")


def test_pausing_an_account_stops_the_planner_leasing_its_invites(live, page):
    team = Outreach(live.app, live.app.test_client())
    team.configure(gapMinutes=NO_GAP)
    campaign_id = team.campaign()
    team.add_leads(campaign_id, ["ada", "bob"])
    team.tick()
    team.tick(minutes=1)
    assert of_type(team.drain(), "invite"), "before the pause, the extension is offered invites"
    user = _with_password(db.session.scalar(db.select(User).where(User.team_id == team.team_id)))
    _sign_in(page, live, user.email)
    page.goto(live.url + "/accounts")
    _shot(page, "accounts")
    page.get_by_label("Reason").fill("holiday")
    page.get_by_role("button", name="Pause invites").click()
    expect(page.locator(".pause-state")).to_contain_text("holiday")
    expect(page.locator("[data-left=invites]")).to_contain_text("0 left today")
    team.add_leads(campaign_id, ["cyd", "dan"])
    team.tick(minutes=1)
    team.tick(minutes=1)
    assert not of_type(team.drain(), "invite")
    assert not actions("invite", "pending")
    page.get_by_role("button", name="Resume invites").click()
    expect(page.locator(".pause-state")).to_have_text("no")
    team.tick(minutes=1)
    team.tick(minutes=1)
    assert of_type(team.drain(), "invite"), "after resuming, invites are offered again"


def test_the_campaign_page_draws_the_funnel_and_the_chart_with_the_right_numbers(live, page):
    team = Outreach(live.app, live.app.test_client())
    team.configure(gapMinutes=NO_GAP)
    campaign_id = team.campaign(name="Founders")
    team.add_leads(campaign_id, ["ada", "bob", "cyd", "dan", "eve"])
    team.tick()
    team.tick(minutes=1)
    invited = of_type(team.drain(), "invite")
    assert len(invited) == 5
    team.observe("invite_accepted", "ada")
    team.observe("invite_accepted", "bob")
    team.observe("reply_received", "ada")
    team.add_leads(campaign_id, ["fay"])  # new: not yet queued
    user = _with_password(db.session.scalar(db.select(User).where(User.team_id == team.team_id)))
    _sign_in(page, live, user.email)
    row = page.locator(f"tr[data-campaign='{campaign_id}']")
    expect(row.locator("[data-stage=invited]")).to_have_text("5")
    expect(row.locator("[data-stage=connected]")).to_have_text("2")
    expect(row.locator("[data-stage=replied]")).to_have_text("1")
    _shot(page, "campaigns")
    row.get_by_role("link", name="Founders").click()
    funnel = page.locator("#funnel-chart")
    counts = {stage: funnel.locator(f"g[data-stage={stage}]").get_attribute("data-count")
              for stage in ("queued", "invited", "connected", "messaged", "replied")}
    assert counts == {"queued": "5", "invited": "5", "connected": "2", "messaged": "1", "replied": "1"}
    expect(funnel.locator("g[data-stage=connected] text.value")).to_have_text("2")
    expect(page.locator("#acceptance-rate")).to_have_text("40%")
    expect(page.locator("#reply-rate")).to_have_text("50%")
    today = team.clock().date().isoformat()
    chart = page.locator("#activity-chart")
    expect(chart.locator(f"rect[data-kind=invites][data-date='{today}']")).to_have_attribute("data-count", "5")
    expect(chart.locator("line[data-cap=invites]")).to_have_attribute("data-value", "20")
    expect(chart.locator("line[data-cap=messages]")).to_have_attribute("data-value", "50")
    # The live preview renders the text being typed for the campaign's real leads.
    page.get_by_label("Connection note").fill("Hello {{first_name}}, shall we talk?")
    # Which real leads it shows is the page's choice (five of six added together): any of their first names.
    expect(page.locator("#preview")).to_contain_text(
        re.compile(r"Hello (Ada|Bob|Cyd|Dan|Eve|Fay), shall we talk\?"))
    _shot(page, "campaign")
    page.get_by_role("button", name="Pause campaign").click()
    expect(page.locator("#campaign-status")).to_have_text("paused")
    page.get_by_label("Status").select_option("connected")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#leads-table tbody tr")).to_have_count(1)


def test_a_member_cannot_reach_owner_only_actions(live, page):
    owner, _ = make_user()
    member = _with_password(make_user(team=owner.team.name, role="member")[0])
    _sign_in(page, live, member.email)
    page.goto(live.url + "/settings")
    _shot(page, "settings-member")
    expect(page.get_by_role("button", name="Change plan")).to_have_count(0)
    expect(page.get_by_role("button", name="Invite and get a one-time link")).to_have_count(0)
    expect(page.locator(f"tr[data-member='{owner.email}'] button")).to_have_count(0)
    # The server refuses even a hand-made form post.
    status = page.evaluate("""async ([ownerId]) => {
        const csrf = document.querySelector("input[name=csrf_token]").value;
        const post = (path, fields) =>
            fetch(path, {method: "POST", body: new URLSearchParams({csrf_token: csrf, ...fields})});
        return [(await post("/settings/plan", {plan: "team"})).status,
                (await post(`/settings/members/${ownerId}/token`, {})).status,
                (await post("/settings/members", {email: "x@example.com", name: "X", role: "owner"})).status];
    }""", [str(owner.id)])
    assert status == [403, 403, 403]
    db.session.expire_all()
    assert db.session.get(User, owner.id).team.plan == "pro"
