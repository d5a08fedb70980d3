"""A reference client: a simulated browser extension that speaks the protocol against a running server.

heartbeat -> scrape (fake leads into a campaign) -> poll -> start -> report -> observe
(invite_accepted / reply_received at the given rates), honouring the poll interval the
server answers and the lease of each action. `speed` divides every wait (tests and demos).
It never touches LinkedIn: every action "succeeds" after a short pause.

It says what it does (each action leased, done, observed), why a poll leased nothing (see
simulator_report), and a summary at the end; a problem the user can fix is one line, not a traceback.
"""

import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import requests

from extension_bridge.simulator_report import explain_idle, summary

HTTP_TIMEOUT = 10
HEARTBEAT_EVERY_SECONDS = 300
IDLE_POLLS_BETWEEN_EXPLANATIONS = 10
FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Lee")
TITLES = ("Founder", "CEO", "CTO", "Head of Growth", "VP Sales", "Engineer")


class SimulatorError(Exception):
    """A problem the user can fix (server unreachable, token refused, ...): shown as one line."""


@dataclass
class Stats:
    polls: int = 0
    scraped: int = 0
    done: dict = field(default_factory=dict)
    verified: int = 0
    accepted: int = 0
    replied: int = 0
    conflicts: int = 0

    def as_dict(self) -> dict:
        return {"polls": self.polls, "scraped": self.scraped, "done": dict(self.done), "verified": self.verified,
                "accepted": self.accepted, "replied": self.replied, "conflicts": self.conflicts}


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error_text(response: requests.Response) -> str:
    try:
        return str(response.json().get("error") or response.reason)
    except ValueError:
        return response.text[:200] or str(response.reason)


def _who(action: dict) -> str:
    lead = action.get("lead") or {}
    if lead:
        return lead.get("name") or lead.get("profileUrl") or "a lead"
    if action.get("type") == "post":
        return "the account's feed"
    return "a post"


class ExtensionSimulator:
    def __init__(self, url: str, token: str, *, accept_rate: float = 0.3, reply_rate: float = 0.1,
                 duration: float = 60.0, speed: float = 1.0, leads: int = 10, campaign_id: str | None = None,
                 profile_url: str = "https://www.linkedin.com/in/simulated-sender/", seed: int | None = None,
                 timezone: str = "UTC", log=print):
        self.log = log
        self.root = url.rstrip("/")
        if self.root.endswith("/api/v1"):
            self.root = self.root.removesuffix("/api/v1")
            self.log(f"note: --url is the server's base URL; using {self.root}")
        self.base = self.root + "/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.accept_rate, self.reply_rate = accept_rate, reply_rate
        self.duration, self.speed, self.lead_count = duration, max(speed, 0.001), leads
        self.campaign_id, self.profile_url, self.timezone = campaign_id, profile_url, timezone
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.last_heartbeat: dict = {}
        self.names: dict[str, str] = {}  # profile URL -> name, for the progress lines
        self.poll_interval, self.lease_seconds = 30.0, 600.0
        self.clock_offset = timedelta(0)
        # What this "browser" really did: a verify step is answered from it.
        self.performed: set[str] = set()
        self.observations: list[tuple[datetime, dict]] = []

    # HTTP -------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        for _ in range(5):
            try:
                response = self.session.request(method, self.base + path, timeout=HTTP_TIMEOUT, **kwargs)
            except (requests.exceptions.MissingSchema, requests.exceptions.InvalidURL,
                    requests.exceptions.InvalidSchema):
                raise SimulatorError(f"--url {self.root!r} is not a URL: give the server's base URL, "
                                     "e.g. http://127.0.0.1:5000") from None
            except requests.ConnectionError:
                raise SimulatorError(f"cannot reach {self.root}: is the server running? "
                                     "(`make dev` serves http://127.0.0.1:5000)") from None
            except requests.Timeout:
                raise SimulatorError(f"{self.root} did not answer {method} {path} within {HTTP_TIMEOUT} s") from None
            if response.status_code == 401:
                raise SimulatorError(f"the server refused the token ({_error_text(response)}): pass the token "
                                     "`make dev` printed, or make one with `socialscalr tokens rotate --email ...`")
            if response.status_code != 429:
                return response
            self._sleep(float(response.headers.get("Retry-After") or 5), scaled=False)
        return response

    def _json(self, method: str, path: str, expected=(200, 201), **kwargs) -> dict:
        response = self._call(method, path, **kwargs)
        if response.status_code not in expected:
            hint = " (is --url the server's base URL?)" if response.status_code == 404 else ""
            raise SimulatorError(f"{method} /api/v1{path} answered {response.status_code}: "
                                 f"{_error_text(response)}{hint}")
        try:
            return response.json()
        except ValueError:
            raise SimulatorError(f"{method} /api/v1{path} did not answer JSON: is {self.root} a SocialScalr "
                                 "server?") from None

    def _sleep(self, seconds: float, scaled: bool = True) -> None:
        time.sleep(max(0.0, seconds / self.speed if scaled else seconds))

    # The protocol -----------------------------------------------------------------------
    def heartbeat(self) -> dict:
        answer = self._json("POST", "/extension/heartbeat", json={
            "extensionVersion": "simulator-1.0", "timezone": self.timezone,
            "linkedinAccount": {"profileUrl": self.profile_url, "name": "Simulated Sender"}})
        self.session.headers["X-LinkedIn-Account"] = answer["accountId"]
        self.poll_interval, self.lease_seconds = answer["pollIntervalSeconds"], answer["leaseSeconds"]
        # Leases are in the server's time: measure this machine's clock against it once per heartbeat.
        self.clock_offset = _parse(answer["serverTime"]) - datetime.now(UTC)
        self.last_heartbeat = answer
        return answer

    def server_now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def ensure_campaign(self) -> str:
        if self.campaign_id:
            return self.campaign_id
        campaigns = self._json("GET", "/campaigns").get("campaigns", [])
        active = [c for c in campaigns if c.get("status") == "active"]
        if active:
            self.campaign_id = active[0]["id"]
        else:
            self.campaign_id = self._json("POST", "/campaigns", json={
                "name": "Simulated campaign", "status": "active",
                "templates": {"note": "Hi {{first_name}}, glad to connect.",
                              "message": "Thanks for connecting, {{first_name}}!"}})["id"]
        return self.campaign_id

    def scrape(self) -> int:
        leads = []
        for _ in range(self.lead_count):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            slug = f"{first}-{last}-{self.rng.randrange(16**8):08x}".lower()
            leads.append({"name": f"{first} {last}", "profileUrl": f"https://www.linkedin.com/in/{slug}/",
                          "title": self.rng.choice(TITLES), "company": "Simulated Co", "location": "London"})
        answer = self._json("POST", "/extension/leads", json={
            "campaignId": self.ensure_campaign(), "leads": leads,
            "source": {"searchUrl": "https://www.linkedin.com/search/results/people/?keywords=founder", "page": 1}})
        self.stats.scraped += answer["added"]
        return answer["added"]

    def poll_once(self) -> int:
        actions = self._json("GET", "/extension/actions", params={"limit": 5})["actions"]
        self.stats.polls += 1
        for action in actions:
            lead = action.get("lead") or {}
            if lead.get("profileUrl"):
                self.names[lead["profileUrl"]] = _who(action)
            self.log(f"leased {action['type']} for {_who(action)}"
                     + (" (to verify: was it sent before the lease ran out?)" if action["step"] == "verify" else ""))
            if action["step"] == "verify":
                self._verify(action)
            else:
                self._perform(action)
        return len(actions)

    def _perform(self, action: dict) -> None:
        if _parse(action["leaseExpiresAt"]) <= self.server_now():
            self.log(f"skipped {action['type']} for {_who(action)}: its lease ended before it could start")
            return  # the lease already ended: someone else may hold it now
        started = self._call("POST", f"/extension/actions/{action['id']}/start",
                             json={"leaseToken": action["leaseToken"]})
        if started.status_code == 409:
            self.stats.conflicts += 1
            self.log(f"not started {action['type']} for {_who(action)}: {_error_text(started)}")
            return
        self._sleep(self.rng.uniform(0.5, 2.0))  # typing, clicking
        self.performed.add(action["id"])
        self._report(action, "done", self._details(action))
        self._maybe_observe(action)

    def _verify(self, action: dict) -> None:
        self.stats.verified += 1
        outcome = "done" if action["id"] in self.performed else "not_sent"
        self._report(action, outcome, self._details(action) if outcome == "done" else {})

    def _details(self, action: dict) -> dict:
        if action["type"] == "post":
            return {"postUrl": f"https://www.linkedin.com/feed/update/urn:li:activity:{self.rng.randrange(10**12)}/"}
        return {}

    def _report(self, action: dict, outcome: str, details: dict) -> None:
        response = self._call("POST", f"/extension/actions/{action['id']}/result", json={
            "leaseToken": action["leaseToken"], "outcome": outcome, "occurredAt": _iso(self.server_now()),
            "details": details})
        if response.status_code == 409:
            self.stats.conflicts += 1
            self.log(f"result of {action['type']} for {_who(action)} refused: {_error_text(response)}")
        elif response.status_code == 200 and outcome == "done":
            self.stats.done[action["type"]] = self.stats.done.get(action["type"], 0) + 1
            self.log(f"done {action['type']} for {_who(action)}")
        elif response.status_code == 200:
            self.log(f"reported {action['type']} for {_who(action)}: {outcome}")

    def _maybe_observe(self, action: dict) -> None:
        lead = action.get("lead")
        if not lead:
            return
        if action["type"] == "invite" and self.rng.random() < self.accept_rate:
            kind = "invite_accepted"
        elif action["type"] == "message" and self.rng.random() < self.reply_rate:
            kind = "reply_received"
        else:
            return
        self.observations.append((self.server_now() + self.observation_delay(kind),
                                  {"type": kind, "profileUrl": lead["profileUrl"]}))

    def observation_delay(self, kind: str) -> timedelta:
        """How long after an action the person answers (server time): a few polls, here."""
        return timedelta(seconds=self.rng.uniform(1, 3) * self.poll_interval / self.speed)

    def observe_due(self) -> None:
        now = self.server_now()
        due = [item for item in self.observations if item[0] <= now]
        self.observations = [item for item in self.observations if item[0] > now]
        for _, body in due:
            self._json("POST", "/extension/events", json={**body, "occurredAt": _iso(self.server_now())})
            if body["type"] == "invite_accepted":
                self.stats.accepted += 1
            else:
                self.stats.replied += 1
            self.log(f"observed {body['type']} from {self.names.get(body['profileUrl'], body['profileUrl'])}")

    def explain_idle(self) -> str:
        """Why the last poll leased nothing, from the heartbeat, the account and the campaigns."""
        account_id = self.session.headers.get("X-LinkedIn-Account")
        account = self._json("GET", f"/accounts/{account_id}") if account_id else None
        campaigns = self._json("GET", "/campaigns").get("campaigns", [])
        return explain_idle(self.server_now(), self.last_heartbeat, account, campaigns, self.campaign_id)

    def run(self) -> Stats:
        started = time.monotonic()
        deadline = started + self.duration
        answer = self.heartbeat()
        self.log(f"account {answer['accountId']} ({answer['profileUrl']}, time zone {self.timezone}); "
                 f"server time {answer['serverTime']}; polling every {self.poll_interval / self.speed:g} s")
        self.log(f"scraped {self.scrape()} leads into campaign {self.campaign_id}")
        last_beat, last_reason, idle_polls = time.monotonic(), None, 0
        try:
            while time.monotonic() < deadline:
                if (time.monotonic() - last_beat) * self.speed >= HEARTBEAT_EVERY_SECONDS:
                    self.heartbeat()
                    last_beat = time.monotonic()
                if self.poll_once():
                    last_reason, idle_polls = None, 0
                else:
                    # Asked on the first empty poll, then every tenth: two more requests against the budget.
                    if idle_polls % IDLE_POLLS_BETWEEN_EXPLANATIONS == 0:
                        reason = self.explain_idle()
                        if reason != last_reason:  # said once, again when it changes
                            self.log(f"nothing to do: {reason}")
                            last_reason = reason
                    idle_polls += 1
                self.observe_due()
                self._sleep(min(self.poll_interval, max(0.0, (deadline - time.monotonic()) * self.speed)))
        except KeyboardInterrupt:
            self.log("interrupted")
        self.log(summary(self.stats, time.monotonic() - started, len(self.observations)))
        return self.stats


@click.command("simulate-extension")
@click.option("--url", required=True, help="Base URL of a running server, e.g. http://127.0.0.1:5000")
@click.option("--token", required=True, help="An API token of the team the simulated extension belongs to")
@click.option("--accept-rate", default=0.3, type=click.FloatRange(0, 1), show_default=True)
@click.option("--reply-rate", default=0.1, type=click.FloatRange(0, 1), show_default=True)
@click.option("--duration", default=60.0, type=float, show_default=True, help="Seconds to run")
@click.option("--speed", default=1.0, type=float, show_default=True, help="Divide every wait by this (tests, demos)")
@click.option("--leads", default=10, type=int, show_default=True, help="Fake leads to scrape")
@click.option("--campaign-id", default=None, help="Campaign to scrape into (default: the first active, or a new one)")
@click.option("--seed", default=None, type=int)
@click.option("--timezone", default="UTC", show_default=True,
              help="The browser's IANA time zone (sent in the heartbeat; working hours are kept in it)")
def simulate_extension_command(url, token, accept_rate, reply_rate, duration, speed, leads, campaign_id, seed,
                               timezone):
    """Play a browser extension against a running server: heartbeat, scrape, poll, act, report, observe."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{timezone!r} is not an IANA time zone (e.g. Europe/Paris)",
                                 param_hint="--timezone") from None
    simulator = ExtensionSimulator(url, token, accept_rate=accept_rate, reply_rate=reply_rate, duration=duration,
                                   speed=speed, leads=leads, campaign_id=campaign_id, seed=seed, timezone=timezone,
                                   log=click.echo)
    try:
        simulator.run()
    except SimulatorError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
