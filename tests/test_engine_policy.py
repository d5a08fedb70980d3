"""Limits, working hours, warm-up and targeting: the rules the planner applies."""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from app.caps.policy import HARD_LIMITS, account_policy, campaign_daily_invites, warmup_fraction
from app.engine.sequence import next_message_template, targeting_verdict

MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _account(settings=None, timezone="UTC", age_days=60):
    return SimpleNamespace(settings=settings or {}, timezone=timezone,
                           created_at=MONDAY_10_UTC - timedelta(days=age_days))


def test_defaults_and_hard_ceilings():
    policy = account_policy(_account(), MONDAY_10_UTC)
    assert (policy.invites_per_day, policy.invites_per_week, policy.messages_per_day) == (20, 100, 50)
    greedy = account_policy(_account({"invitesPerDay": 500, "invitesPerWeek": 900, "messagesPerDay": 999}),
                            MONDAY_10_UTC)
    assert greedy.invites_per_day == HARD_LIMITS["invitesPerDay"] == 100
    assert greedy.invites_per_week == 200 and greedy.messages_per_day == 150


def test_new_account_warms_up_over_two_weeks():
    day_zero = account_policy(_account(age_days=0), MONDAY_10_UTC)
    week_one = account_policy(_account(age_days=7), MONDAY_10_UTC)
    settled = account_policy(_account(age_days=14), MONDAY_10_UTC)
    assert day_zero.invites_per_day == 5 and week_one.invites_per_day < settled.invites_per_day == 20
    assert warmup_fraction(MONDAY_10_UTC, MONDAY_10_UTC) == 0.25


def test_working_hours_follow_the_account_time_zone():
    policy = account_policy(_account(timezone="America/New_York"), MONDAY_10_UTC)
    assert not policy.is_working_time(MONDAY_10_UTC)  # 05:00 in New York
    start = policy.next_working_time(MONDAY_10_UTC)
    assert start.astimezone(UTC) == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    friday_evening = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)  # 18:30 Friday in New York
    assert policy.next_working_time(friday_evening).astimezone(UTC) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


def test_random_gap_stays_within_the_configured_range():
    policy = account_policy(_account({"gapMinutes": {"min": 3, "max": 4}}), MONDAY_10_UTC)
    rng = random.Random(1)
    gaps = [policy.random_gap(rng) for _ in range(200)]
    assert min(gaps) >= timedelta(minutes=3) and max(gaps) <= timedelta(minutes=4)


def test_low_acceptance_halves_a_campaigns_invites():
    assert campaign_daily_invites({}, 20, None) == 20
    assert campaign_daily_invites({"invitesPerDay": 8}, 20, 0.5) == 8
    assert campaign_daily_invites({"invitesPerDay": 50}, 20, 0.5) == 20
    assert campaign_daily_invites({}, 20, 0.1) == 10


def test_targeting_is_case_insensitive_with_excludes():
    targeting = {"titleKeywords": ["Founder", "ceo"], "excludeKeywords": ["assistant"]}
    assert targeting_verdict(targeting, "Co-FOUNDER at Acme") is None
    assert "none of the targeting" in targeting_verdict(targeting, "Engineer")
    assert "assistant" in targeting_verdict(targeting, "Assistant to the CEO")
    assert targeting_verdict({}, None) is None


def test_message_sequence_walks_follow_ups():
    templates = {"message": "first", "followUps": [{"afterDays": 3, "body": "second"}]}
    assert next_message_template(templates, 0) == ("first", None)
    assert next_message_template(templates, 1) == ("second", 3)
    assert next_message_template(templates, 2) == (None, None)
