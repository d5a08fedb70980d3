"""LinkedIn safety limits and working hours: the one place these rules live.

Limits are settings of the account (`LinkedInAccount.settings`) and of the campaign
(`Campaign.settings`); defaults apply where neither says otherwise, and nothing can
be set above LinkedIn's hard ceilings. A new account warms up: its limits start at a
fraction and reach full over two weeks.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_LIMITS = {"invitesPerDay": 20, "invitesPerWeek": 100, "messagesPerDay": 50}
HARD_LIMITS = {"invitesPerDay": 100, "invitesPerWeek": 200, "messagesPerDay": 150}
DEFAULT_WORKING_HOURS = {"start": "09:00", "end": "18:00", "days": [0, 1, 2, 3, 4]}  # Monday = 0
DEFAULT_GAP_MINUTES = (2, 8)
# Actions spaced by the random gaps and bound to their planned day.
PACED_ACTION_TYPES = ("invite", "message", "withdraw")
DEFAULT_INVITE_EXPIRY_DAYS = 21
DEFAULT_FIRST_MESSAGE_DELAY_HOURS = 24
WARMUP_DAYS = 14
WARMUP_START_FRACTION = 0.25
# A campaign whose last 50 invites were accepted less than this is throttled to half its invites.
LOW_ACCEPTANCE_RATE = 0.20
ACCEPTANCE_SAMPLE = 50
ACCEPTANCE_WINDOW = timedelta(days=3)  # an invite is judged accepted or not once it is this old


@dataclass(frozen=True)
class AccountPolicy:
    zone: ZoneInfo
    invites_per_day: int
    invites_per_week: int
    messages_per_day: int
    work_start: time
    work_end: time
    work_days: frozenset
    gap_minutes: tuple[int, int]
    warmup_fraction: float

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def day_window(self, moment: datetime) -> tuple[datetime, datetime]:
        """The local calendar day containing `moment`, as aware datetimes."""
        local = self.local(moment)
        start = datetime.combine(local.date(), time(0), self.zone)
        return start, datetime.combine(local.date() + timedelta(days=1), time(0), self.zone)

    def is_working_time(self, moment: datetime) -> bool:
        local = self.local(moment)
        return local.weekday() in self.work_days and self.work_start <= local.time() < self.work_end

    def next_working_time(self, moment: datetime) -> datetime:
        """`moment` itself when inside working hours, else the start of the next working period."""
        if self.is_working_time(moment):
            return moment
        local = self.local(moment)
        for offset in range(0, 8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.work_days:
                continue
            start = datetime.combine(day, self.work_start, self.zone)
            if start >= local:
                return start
        raise ValueError("no working day configured")

    def random_gap(self, rng: random.Random) -> timedelta:
        low, high = self.gap_minutes
        return timedelta(seconds=rng.uniform(low * 60, high * 60))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name such as 'America'
        return ZoneInfo("UTC")


def _clock_time(text: str, fallback: str) -> time:
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        return time.fromisoformat(fallback)


def warmup_fraction(account_created_at: datetime, now: datetime) -> float:
    days = max(0.0, (now - account_created_at).total_seconds() / 86400)
    return min(1.0, WARMUP_START_FRACTION + (1 - WARMUP_START_FRACTION) * days / WARMUP_DAYS)


def _limit(settings: dict, key: str, fraction: float) -> int:
    configured = settings.get(key, DEFAULT_LIMITS[key])
    if not isinstance(configured, int) or configured < 0:
        configured = DEFAULT_LIMITS[key]
    ceiling = min(configured, HARD_LIMITS[key])
    return int(ceiling * fraction) if fraction < 1 else ceiling


def account_policy(account, now: datetime) -> AccountPolicy:
    settings = account.settings or {}
    hours = {**DEFAULT_WORKING_HOURS, **(settings.get("workingHours") or {})}
    gap = settings.get("gapMinutes") or {}
    low = gap.get("min", DEFAULT_GAP_MINUTES[0]) if isinstance(gap, dict) else DEFAULT_GAP_MINUTES[0]
    high = gap.get("max", DEFAULT_GAP_MINUTES[1]) if isinstance(gap, dict) else DEFAULT_GAP_MINUTES[1]
    fraction = warmup_fraction(account.created_at, now)
    return AccountPolicy(
        zone=_zone(account.timezone),
        invites_per_day=_limit(settings, "invitesPerDay", fraction),
        invites_per_week=_limit(settings, "invitesPerWeek", fraction),
        messages_per_day=_limit(settings, "messagesPerDay", fraction),
        work_start=_clock_time(hours.get("start"), DEFAULT_WORKING_HOURS["start"]),
        work_end=_clock_time(hours.get("end"), DEFAULT_WORKING_HOURS["end"]),
        work_days=frozenset(d for d in hours.get("days", []) if isinstance(d, int) and 0 <= d <= 6),
        gap_minutes=(max(0, min(low, high)), max(low, high)),
        warmup_fraction=fraction,
    )


def campaign_cap(campaign_settings: dict | None, key: str, account_cap: int) -> int:
    """A campaign's own cap (`invitesPerDay`, `invitesPerWeek`, `messagesPerDay`): never above the account's."""
    configured = (campaign_settings or {}).get(key)
    return min(configured, account_cap) if isinstance(configured, int) and configured >= 0 else account_cap


def campaign_daily_invites(campaign_settings: dict, account_daily: int, acceptance_rate: float | None) -> int:
    """A campaign's invite cap for today: its setting (never above the account's), halved on low acceptance."""
    cap = campaign_cap(campaign_settings, "invitesPerDay", account_daily)
    if acceptance_rate is not None and acceptance_rate < LOW_ACCEPTANCE_RATE:
        cap //= 2
    return cap
