"""Issue 10 as properties: random interleavings over simulated weeks, the engine's promises checked after every step.

The machine is the team and its extension: it adds leads, pauses, resumes, edits caps and settings, moves and
deletes campaigns, changes statuses by hand, sees acceptances and replies, and polls with done / failed / skipped /
never-reported results or holds a lease, while the clock jumps forward. It keeps its own record of what the
extension actually did on LinkedIn (rows may be deleted), and checks:
no account or campaign exceeds a daily or weekly cap; paced actions are started at least the minimum gap apart,
in working hours, one at a time; nothing is offered or started for a lead that ended or a campaign that stopped;
nobody is invited twice; a lead's sequence stays on the account that invited it; every lead of an active campaign
is final or has a next step; nothing stays started or unknown past a day.

The random run takes about a minute on PostgreSQL (10 examples of up to 30 steps, the same ones every run).
ENGINE_PROPERTIES_EXAMPLES=200 searches longer; ENGINE_PROPERTIES_SHRINK=1 shrinks a failure to its shortest
sequence (minutes: every try replays against the database). Cases it found are kept in FOUND_CASES.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app.extensions import db
from app.models import Action, Campaign, Lead
from tests.engine_helpers import FOLLOW_UP_TEMPLATES, PACED_TYPES, Outreach

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
# In these zones every moment of working hours (07:00-19:00 local at most) falls on the same date, so the
# days the caps count are the same whichever zone was in force.
ZONES = ("UTC", "Europe/Paris", "America/Sao_Paulo")
SLUGS = tuple(f"person-{index}" for index in range(8))
ACCOUNTS = ("alice", "bob")
DEFAULTS = {"invitesPerDay": 20, "invitesPerWeek": 100, "messagesPerDay": 50, "gapMinutes": {"min": 2, "max": 8},
            "workingHours": {"start": "09:00", "end": "18:00", "days": [0, 1, 2, 3, 4]}}
FINAL = ("replied", "skipped", "failed")
OUTCOMES = ("done", "done", "done", "failed", "skipped", "never", "hold")
LEASE = timedelta(minutes=10)
UNKNOWN_LIMIT = timedelta(hours=24) + 3 * LEASE  # a started action's outcome is settled within a day
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
# About a minute on PostgreSQL; ENGINE_PROPERTIES_EXAMPLES raises it for a longer search.
EXAMPLES = int(os.environ.get("ENGINE_PROPERTIES_EXAMPLES") or 10)
STEPS = 30

caps = st.fixed_dictionaries({}, optional={
    "invitesPerDay": st.integers(1, 4), "invitesPerWeek": st.integers(2, 8), "messagesPerDay": st.integers(1, 3)})
account_settings = caps | st.fixed_dictionaries({
    "gapMinutes": st.sampled_from([{"min": 0, "max": 0}, {"min": 1, "max": 3}, {"min": 2, "max": 8}])}) | \
    st.fixed_dictionaries({"workingHours": st.builds(
        lambda start, end, days: {"start": start, "end": end, "days": days},
        st.sampled_from(["07:00", "09:00", "10:00"]), st.sampled_from(["16:00", "18:00", "19:00"]),
        st.sampled_from([[0, 1, 2, 3, 4], [0, 2, 4], [0, 1, 2, 3, 4, 5, 6]]))})
campaign_settings = st.fixed_dictionaries({}, optional={
    "invitesPerDay": st.integers(1, 3), "invitesPerWeek": st.integers(1, 6), "messagesPerDay": st.integers(1, 2),
    "inviteExpiryDays": st.integers(1, 3), "firstMessageDelayHours": st.sampled_from([0, 2, 24])})


class History:
    """A setting's values over time, to know every value that was in force during a day."""

    def __init__(self, when: datetime, value):
        self.entries = [(when, value)]

    def set(self, when: datetime, value) -> None:
        self.entries.append((when, value))

    @property
    def current(self):
        return self.entries[-1][1]

    def during(self, start: datetime, end: datetime) -> list:
        ends = [when for when, _ in self.entries[1:]] + [FAR_FUTURE]
        return [value for (when, value), until in zip(self.entries, ends, strict=True)
                if when < end and until > start and until > when]  # a value replaced at once was never in force


@dataclass
class CampaignModel:
    id: str
    settings: History
    status: str = "active"
    stopped_at: datetime | None = None  # not active since
    lead_ids: set = field(default_factory=set)


@dataclass
class Send:
    """Something the extension did on LinkedIn."""
    account: str
    kind: str
    campaign_id: str | None
    lead_id: str | None
    at: datetime
    local_day: date


class EngineMachine(RuleBasedStateMachine):
    app = None  # set by the test: the PostgreSQL app
    found = None  # a set to collect broken promises instead of failing at the first

    def __init__(self):
        super().__init__()
        self.team = Outreach(self.app, self.app.test_client(), accounts=ACCOUNTS, now=START)
        now = self.now
        self.settings = {slug: History(now, dict(DEFAULTS)) for slug in ACCOUNTS}
        self.zones = {slug: History(now, "UTC") for slug in ACCOUNTS}
        self.campaigns: list[CampaignModel] = []
        self.leads: dict[str, tuple[str, str]] = {}  # lead id -> (profile slug, campaign id)
        self.ended: dict[str, datetime] = {}  # lead id -> when it ended (reply, by hand, deleted)
        self.sends: list[Send] = []
        self.starts: dict[str, list[datetime]] = {slug: [] for slug in ACCOUNTS}  # paced actions started
        self.held: list[tuple[str, dict, datetime]] = []  # (account, leased action, leased at), not started
        self.silent: dict[str, tuple[str, datetime]] = {}  # done on LinkedIn, never reported: id -> (account, at)
        self.invited: dict[str, int] = {}  # profile slug -> invitations sent
        self.pending_invitations: set[str] = set()
        self.connections: set[str] = set()
        self.inviter: dict[str, str] = {}  # lead id -> the account that sent its invite

    @property
    def now(self) -> datetime:
        return self.team.clock()

    # -- setup ----------------------------------------------------------------------------------------------
    @initialize(alice=account_settings, bob=account_settings, first=campaign_settings,
                slugs=st.lists(st.sampled_from(SLUGS), min_size=1, max_size=4, unique=True))
    def setup(self, alice, bob, first, slugs):
        for slug, chosen in (("alice", alice), ("bob", bob)):
            self.edit_account(slug, chosen)
        self.add_campaign(None, first)
        self.add_leads(0, slugs)

    # -- what the team does ---------------------------------------------------------------------------------
    @precondition(lambda self: len(self.campaigns) < 3)
    @rule(account=st.sampled_from((None,) + ACCOUNTS), chosen=campaign_settings)
    def add_campaign(self, account, chosen):
        campaign_id = self.team.campaign(name=f"C{len(self.campaigns)}", templates=FOLLOW_UP_TEMPLATES,
                                         settings=chosen, account=account)
        self.campaigns.append(CampaignModel(campaign_id, History(self.now, dict(chosen))))

    def _campaign(self, index: int) -> CampaignModel | None:
        alive = [c for c in self.campaigns if c.status != "deleted"]
        return alive[index % len(alive)] if alive else None

    def _lead(self, index: int) -> str | None:
        alive = [lead_id for lead_id, known in self.leads.items() if known]  # in the order they were added
        return alive[index % len(alive)] if alive else None

    @rule(index=st.integers(0, 5), slugs=st.lists(st.sampled_from(SLUGS), min_size=1, max_size=3, unique=True))
    def add_leads(self, index, slugs):
        campaign = self._campaign(index)
        if campaign is None or campaign.status == "archived":
            return
        for slug, lead_id in self.team.add_leads(campaign.id, slugs).items():
            self.leads[lead_id] = (slug, campaign.id)
            campaign.lead_ids.add(lead_id)

    @rule(index=st.integers(0, 5), status=st.sampled_from(("paused", "active", "completed", "archived")))
    def set_campaign_status(self, index, status):
        campaign = self._campaign(index)
        if campaign is None:
            return
        answer = self.team.call("PATCH", f"/campaigns/{campaign.id}", {"status": status}, expect=None)
        assert answer.status_code in (200, 409), answer.get_json()
        if answer.status_code == 200 and status != campaign.status:
            campaign.status = status
            campaign.stopped_at = None if status == "active" else self.now

    @rule(index=st.integers(0, 5), chosen=campaign_settings)
    def edit_campaign(self, index, chosen):
        campaign = self._campaign(index)
        if campaign is None or campaign.status == "archived":
            return
        self.team.call("PATCH", f"/campaigns/{campaign.id}", {"settings": chosen})
        campaign.settings.set(self.now, {**campaign.settings.current, **chosen})

    @rule(index=st.integers(0, 5), account=st.sampled_from(ACCOUNTS))
    def move_campaign(self, index, account):
        campaign = self._campaign(index)
        if campaign is None or campaign.status == "archived":
            return
        self.team.call("PATCH", f"/campaigns/{campaign.id}", {"linkedinAccountId": self.team.accounts[account]})

    @rule(account=st.sampled_from(ACCOUNTS), chosen=account_settings)
    def edit_account(self, account, chosen):
        self.team.configure(account, **chosen)
        self.settings[account].set(self.now, {**self.settings[account].current, **chosen})

    @rule(account=st.sampled_from(ACCOUNTS), zone=st.sampled_from(ZONES))
    def set_zone(self, account, zone):
        self.team.call("PATCH", f"/accounts/{self.team.accounts[account]}", {"timezone": zone})
        self.zones[account].set(self.now, zone)

    @rule(index=st.integers(0, 30))
    def delete_lead(self, index):
        lead_id = self._lead(index)
        if lead_id is None:
            return
        answer = self.team.call("DELETE", f"/leads/{lead_id}", expect=None)
        self.expect(answer.status_code == 204, f"deleting a lead was refused: {answer.get_data(as_text=True)}")
        if answer.status_code != 204:
            return
        self._end(lead_id)
        self.leads[lead_id] = None

    @rule(index=st.integers(0, 5))
    def delete_campaign(self, index):
        campaign = self._campaign(index)
        if campaign is None:
            return
        answer = self.team.call("DELETE", f"/campaigns/{campaign.id}", expect=None)
        self.expect(answer.status_code == 204, f"deleting a campaign was refused: {answer.get_data(as_text=True)}")
        if answer.status_code != 204:
            return
        campaign.status, campaign.stopped_at = "deleted", self.now
        for lead_id in campaign.lead_ids:
            if self.leads.get(lead_id):
                self._end(lead_id)
                self.leads[lead_id] = None

    @rule(index=st.integers(0, 30), status=st.sampled_from(("invited", "connected", "messaged", "replied", "skipped")))
    def set_lead_status(self, index, status):
        lead_id = self._lead(index)
        if lead_id is None:
            return
        self.team.set_lead_status(lead_id, status)
        if status in FINAL:
            self._end(lead_id)
        else:
            self.ended.pop(lead_id, None)

    def _end(self, lead_id: str) -> None:
        self.ended.setdefault(lead_id, self.now)

    def heartbeat(self, account):
        """Not a rule (the `work` rules send heartbeats): fixed cases use it to say who was seen last."""
        self.team.heartbeat(account)

    # -- what LinkedIn does ----------------------------------------------------------------------------------
    @rule(index=st.integers(0, 10))
    def accept(self, index):
        if not self.pending_invitations:
            return
        slug = sorted(self.pending_invitations)[index % len(self.pending_invitations)]
        self.team.observe("invite_accepted", slug)
        self.pending_invitations.discard(slug)
        self.connections.add(slug)

    @rule(index=st.integers(0, 10))
    def reply(self, index):
        if not self.connections:
            return
        slug = sorted(self.connections)[index % len(self.connections)]
        self.team.observe("reply_received", slug)
        for lead_id, known in self.leads.items():
            if known and known[0] == slug:
                self._end(lead_id)

    # -- time -------------------------------------------------------------------------------------------------
    @rule(minutes=st.sampled_from([1, 2, 5, 11, 30, 60]))
    def tick(self, minutes):
        self.team.tick(minutes=minutes)

    @rule(hours=st.sampled_from([None, None, 3, 24, 72]))
    def jump(self, hours):
        """Hours pass (None: to the next working morning) and the planner ticks."""
        if hours is None:
            self.team.next_working_day(hour=9, minute=10)
            self.team.tick()
        else:
            self.team.tick(hours=hours)

    # -- the extension ----------------------------------------------------------------------------------------
    def work(self, minutes, order, outcomes):
        """A few minutes pass (the planner ticks), then each browser sends its heartbeat and polls."""
        self.team.tick(minutes=minutes)
        for account in order:
            self.team.heartbeat(account)
            self.poll(account, outcomes)

    # The extensions poll far more often than the team changes anything: three rules do it.
    work_rule = dict(minutes=st.sampled_from([1, 2, 5, 11, 30]), order=st.permutations(ACCOUNTS),
                     outcomes=st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=4))
    extensions_work = rule(**work_rule)(work)
    extensions_work_again = rule(**work_rule)(work)
    extensions_keep_working = rule(**work_rule)(work)

    def poll(self, account, outcomes):
        offered = self.team.poll(account)
        paced = [a for a in offered if a["type"] in PACED_TYPES and a["step"] == "perform"]
        self.expect(len(paced) <= 1, f"one poll handed {account} {len(paced)} invites/messages/withdrawals at once")
        for position, leased in enumerate(offered):
            self._check_offer(account, leased)
            outcome = outcomes[position % len(outcomes)]
            if leased["step"] == "verify":
                if outcome not in ("never", "hold"):
                    truth = "done" if leased["id"] in self.silent else "not_sent"
                    assert self.team.report(leased, truth, account).status_code == 200
            elif outcome == "hold":
                self.held.append((account, leased, self.now))
            else:
                self._carry_out(account, leased, outcome)

    # No precondition on what the server offered: hypothesis needs the same draws whatever the engine does.
    @rule(index=st.integers(0, 5), outcome=st.sampled_from(OUTCOMES[:-1]))
    def act_on_held(self, index, outcome):
        if not self.held:
            return
        account, leased, leased_at = self.held.pop(index % len(self.held))
        if self.now < leased_at + LEASE:  # an extension acts on a lease it still holds
            self._carry_out(account, leased, outcome)

    def _check_offer(self, account: str, leased: dict) -> None:
        if leased["step"] != "perform" or leased["type"] not in PACED_TYPES:
            return
        lead_id, campaign = leased["lead"]["id"] if leased["lead"] else None, self._campaign_by_id(leased["campaignId"])
        what = f"{leased['type']} to {leased['lead']['profileUrl'] if leased['lead'] else 'a deleted lead'}"
        self.expect(lead_id not in self.ended, f"{what} was offered after the lead ended at {self.ended.get(lead_id)}")
        self.expect(campaign is None or campaign.stopped_at is None, f"{what} was offered, its campaign stopped")
        self.expect(self._in_working_hours(account), f"{what} was offered outside {account}'s working hours")
        previous = self.starts[account][-1] if self.starts[account] else None
        gap = timedelta(minutes=self.settings[account].current["gapMinutes"]["min"])
        if previous is not None:
            self.expect(self.now - previous >= gap, f"{what} was offered {self.now - previous} after {account}'s "
                                                   f"previous paced action; the gap is {gap}")
        live = [h for h in self.held if h[0] == account and h[1]["type"] in PACED_TYPES and self.now < h[2] + LEASE
                and h[1]["id"] != leased["id"] and not self._withdrawn(h[1])]
        live += [i for i, (holder, at) in self.silent.items() if holder == account and self.now < at + LEASE]
        self.expect(not live, f"{what} was offered while {account} still holds a paced action on lease")
        if leased["type"] in ("message", "withdraw") and lead_id in self.inviter:
            self.expect(self.inviter[lead_id] == account,
                        f"{what} was offered to {account}, but {self.inviter[lead_id]} sent the invitation")
        if leased["type"] == "withdraw":
            slug = leased["lead"]["profileUrl"].rstrip("/").rsplit("/", 1)[1]
            self.expect(slug not in self.connections, f"{what}: the invitation was accepted before the withdrawal")

    def _withdrawn(self, leased: dict) -> bool:
        """The team ended its lead or stopped its campaign since it was leased: the server may take it back."""
        campaign = self._campaign_by_id(leased["campaignId"])
        return (leased["lead"] is not None and leased["lead"]["id"] in self.ended) or (
            campaign is not None and campaign.stopped_at is not None)

    def _carry_out(self, account: str, leased: dict, outcome: str) -> None:
        started = self.team.start(leased, account)
        if started.status_code == 409:
            return  # cancelled, re-leased or finished: the extension drops it
        assert started.status_code == 200, started.get_json()
        lead = leased["lead"]
        if leased["type"] in PACED_TYPES:
            self.starts[account].append(self.now)
            if lead is not None:
                self.expect(lead["id"] not in self.ended, f"the extension was allowed to start a {leased['type']} "
                                                          f"to a lead that ended at {self.ended.get(lead['id'])}")
        if outcome in ("done", "never"):
            self._record_send(account, leased)
        if outcome == "never":
            self.silent[leased["id"]] = (account, self.now)
            return
        extra = {"error": "profile_unavailable"} if outcome == "failed" else {}
        if outcome == "done" and leased["type"] == "post":
            extra = {"details": {"postUrl": "https://www.linkedin.com/feed/update/1/"}}
        reported = self.team.report(leased, outcome, account, **extra)
        self.expect(reported.status_code == 200,
                    f"the report of a started {leased['type']} was refused: {reported.get_data(as_text=True)}")

    def _record_send(self, account: str, leased: dict) -> None:
        lead = leased["lead"]
        slug = lead["profileUrl"].rstrip("/").rsplit("/", 1)[1] if lead else None
        zone = ZoneInfo(self.zones[account].current)
        self.sends.append(Send(account, leased["type"], leased.get("campaignId"), lead["id"] if lead else None,
                               self.now, self.now.astimezone(zone).date()))
        if leased["type"] == "invite" and slug:
            self.invited[slug] = self.invited.get(slug, 0) + 1
            self.expect(self.invited[slug] == 1, f"{slug} was invited {self.invited[slug]} times by the team")
            self.pending_invitations.add(slug)
            self.inviter[lead["id"]] = account
        elif leased["type"] == "withdraw" and slug:
            self.pending_invitations.discard(slug)
        self._check_caps(account, self.sends[-1])

    def _campaign_by_id(self, campaign_id) -> CampaignModel | None:
        return next((c for c in self.campaigns if c.id == campaign_id), None)

    def _in_working_hours(self, account: str) -> bool:
        hours = self.settings[account].current["workingHours"]
        local = self.now.astimezone(ZoneInfo(self.zones[account].current))
        start, end = (time.fromisoformat(hours[key]) for key in ("start", "end"))
        return local.weekday() in hours["days"] and start <= local.time() < end

    # -- the caps, from what the extension actually did --------------------------------------------------------
    def _day_bounds(self, account: str, first: date, last: date) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.zones[account].current)
        start = datetime.combine(first, time(0), zone).astimezone(UTC)
        return start, datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)

    def _check_caps(self, account: str, send: Send) -> None:
        if send.kind not in ("invite", "message"):
            return
        windows = {"invitesPerDay": 1, "invitesPerWeek": 7} if send.kind == "invite" else {"messagesPerDay": 1}
        campaign = self._campaign_by_id(send.campaign_id)
        for key, days in windows.items():
            first = send.local_day - timedelta(days=days - 1)
            start, end = self._day_bounds(account, first, send.local_day)
            mine = [s for s in self.sends if s.kind == send.kind and first <= s.local_day <= send.local_day]
            allowed = max(values[key] for values in self.settings[account].during(start, end))
            done = sum(1 for s in mine if s.account == account)
            self.expect(done <= allowed, f"{account} did {done} {send.kind}s in {days} day(s) to "
                                         f"{send.local_day}; the cap ({key}) was {allowed}")
            if campaign is not None:
                own = [values.get(key) for values in campaign.settings.during(start, end)]
                if None not in own:
                    done = sum(1 for s in mine if s.campaign_id == campaign.id)
                    self.expect(done <= max(own), f"a campaign did {done} {send.kind}s in {days} day(s) to "
                                                  f"{send.local_day}; its cap ({key}) was {max(own)}")

    # -- what the database says -------------------------------------------------------------------------------
    @invariant()
    def every_lead_is_final_or_has_a_next_step(self):
        db.session.expire_all()
        team_id = self.team.team_id
        busy = set(db.session.scalars(select(Action.lead_id).where(
            Action.team_id == team_id, Action.status.in_(("pending", "leased", "started", "unknown")))))
        stranded = []
        for lead, status, templates in db.session.execute(
                select(Lead, Campaign.status, Campaign.templates).join(Campaign, Campaign.id == Lead.campaign_id)
                .where(Lead.team_id == team_id)):
            if (status != "active" or lead.status in FINAL + ("new",) or lead.id in busy
                    or lead.next_step_at is not None):
                continue
            steps = (1 if (templates or {}).get("message") else 0) + len((templates or {}).get("followUps") or [])
            if lead.status in ("connected", "messaged") and (lead.messages_sent or 0) >= steps:
                continue  # the sequence is complete: it waits for a reply
            stranded.append(f"{lead.profile_url} ({lead.status}, {lead.status_reason})")
        stuck = db.session.scalars(select(Action).where(
            Action.team_id == team_id, Action.status.in_(("started", "unknown")),
            Action.started_at < self.now - UNKNOWN_LIMIT)).all()
        db.session.rollback()
        self.expect(not stranded, f"leads of an active campaign with no next step: {stranded}")
        self.expect(not stuck, f"{len(stuck)} action(s) still started or unknown more than a day after they started")

    def expect(self, condition: bool, promise_broken: str) -> None:
        """A promise of the engine; `found` collects the broken ones instead of stopping (to survey a broken engine)."""
        if condition:
            return
        if self.found is None:
            raise AssertionError(promise_broken)
        self.found.add(re.sub(r"[0-9a-f-]{36}|person-\d+|\d", "#", promise_broken)[:160])

    def teardown(self):
        db.session.remove()
        with db.engine.begin() as connection:  # DELETE: much faster than TRUNCATE on tables this small
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


NO_GAP = {"gapMinutes": {"min": 0, "max": 0}}
BOTH = ("alice", "bob")


def _work(minutes=1, order=("alice",), outcomes=("done",)):
    return ("work", {"minutes": minutes, "order": order, "outcomes": list(outcomes)})


def _setup(alice=None, bob=None, first=None, slugs=("person-0",)):
    """Alice, seen last, works alone: a case about something else is not mixed up with the default account."""
    return ("setup", {"alice": alice or {}, "bob": bob or {}, "first": first or {}, "slugs": list(slugs)})


ALICE_SEEN_LAST = ("heartbeat", {"account": "alice"})


# Cases the property run found (or that guard a fix it calls for), kept as fixed sequences of steps.
FOUND_CASES = {
    "after half an hour offline, one poll hands out every due invite": [
        _setup(slugs=("person-0", "person-1", "person-2", "person-3")), ALICE_SEEN_LAST,
        ("tick", {"minutes": 1}), ("tick", {"minutes": 30}), _work()],
    "the first message goes to the account that did not send the invitation": [
        _setup(alice=NO_GAP, bob=NO_GAP, first={"firstMessageDelayHours": 0}), _work(order=BOTH),
        _work(order=("bob", "alice")), ("accept", {"index": 0}), _work(order=BOTH)],
    "a lead marked connected by hand is never messaged": [
        _setup(), ALICE_SEEN_LAST, ("set_lead_status", {"index": 0, "status": "connected"})],
    "an invite started and never reported stays unknown for ever": [
        _setup(alice=NO_GAP, bob=NO_GAP), ALICE_SEEN_LAST, _work(outcomes=["never"]),
        _work(minutes=11, outcomes=["hold"]), ("jump", {"hours": 24}), ("jump", {"hours": 24})],
    "deleting a campaign gives its invites of the day back": [
        _setup(alice={"invitesPerDay": 1, **NO_GAP}, bob={"invitesPerDay": 1, **NO_GAP}), ALICE_SEEN_LAST, _work(),
        ("delete_campaign", {"index": 0}), ("add_campaign", {"account": None, "chosen": {}}),
        ("add_leads", {"index": 0, "slugs": ["person-1"]}), _work(), _work()],
    "a lead cannot be deleted while its invite is leased": [
        _setup(alice=NO_GAP, bob=NO_GAP), ALICE_SEEN_LAST, _work(outcomes=["hold"]), ("delete_lead", {"index": 0})],
    "an accepted invitation is still withdrawn": [
        _setup(alice=NO_GAP, bob=NO_GAP, first={"inviteExpiryDays": 1}), ALICE_SEEN_LAST, _work(),
        ("jump", {"hours": None}), ("accept", {"index": 0}), _work(), _work()],
    "a message leased before the lead was marked replied is still sent": [
        _setup(alice=NO_GAP, bob=NO_GAP, first={"firstMessageDelayHours": 0}), ALICE_SEEN_LAST, _work(),
        ("accept", {"index": 0}), _work(outcomes=["hold"]), ("set_lead_status", {"index": 0, "status": "replied"}),
        ("act_on_held", {"index": 0, "outcome": "done"})],
    "a person invited by an archived campaign is not invited again by a new one": [
        _setup(alice=NO_GAP, bob=NO_GAP), ALICE_SEEN_LAST, _work(),
        ("set_campaign_status", {"index": 0, "status": "archived"}), ("add_campaign", {"account": None, "chosen": {}}),
        ("add_leads", {"index": 1, "slugs": ["person-0"]}), _work(), _work(minutes=5)],
}


@pytest.mark.parametrize("case", list(FOUND_CASES))
def test_a_case_the_property_run_found(app, case):
    run_machine(app, FOUND_CASES[case])


def run_machine(app, steps):
    """Replay one fixed sequence of steps (a case the property run found), with every check after each step."""
    EngineMachine.app = app
    machine = EngineMachine()
    try:
        for name, arguments in steps:
            getattr(machine, name)(**arguments)
            machine.every_lead_is_final_or_has_a_next_step()
    finally:
        machine.teardown()


def test_the_engine_keeps_its_promises_over_random_weeks(pg_app):
    EngineMachine.app = pg_app
    # Shrinking a failure replays dozens of database-backed runs (minutes): ENGINE_PROPERTIES_SHRINK=1 asks for it.
    phases = list(Phase) if os.environ.get("ENGINE_PROPERTIES_SHRINK") else [Phase.explicit, Phase.generate]
    run_state_machine_as_test(EngineMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
        phases=phases, suppress_health_check=list(HealthCheck)))
