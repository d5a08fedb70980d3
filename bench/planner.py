"""Planner tick on PostgreSQL with 1M leads of which 10k are due, against a tick with nothing due.

    .venv/bin/python bench/planner.py [--leads 1000000] [--due 10000]

Loads the leads with COPY into a scratch database (socialscalr_bench_planner), then times
`run_tick` three times with work due and three times with nothing due, and prints both
and their ratio. The machine is shared: compare the ratio, not the absolute seconds.
"""

import argparse
import io
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.clock import ManualClock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Campaign, LinkedInAccount, Team  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "socialscalr_bench_planner"
TEAMS = 10
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, inside working hours


def recreate_database():
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{BENCH_DB}"'))
    engine.dispose()


def seed(total: int, due: int):
    campaigns = []
    for index in range(TEAMS):
        team = Team(name=f"bench team {index}", plan="team")
        db.session.add(team)
        db.session.flush()
        db.session.add(LinkedInAccount(team_id=team.id, profile_url=f"https://www.linkedin.com/in/bench-{index}/",
                                       timezone="UTC", last_seen_at=NOW, created_at=NOW - timedelta(days=60)))
        for c in range(2):
            campaign = Campaign(team_id=team.id, name=f"c{c}", status="active",
                                targeting={"titleKeywords": ["founder", "ceo"]},
                                templates={"note": "Hi {{first_name|there}}", "message": "Thanks {{first_name}}"})
            db.session.add(campaign)
            campaigns.append(campaign)
    db.session.commit()
    future = (NOW + timedelta(days=10)).isoformat()
    past = (NOW - timedelta(hours=1)).isoformat()
    buffer = io.StringIO()
    for i in range(total):
        campaign = campaigns[i % len(campaigns)]
        if i < due:  # due work: 40% new, 40% queued, 20% connected
            kind = i % 10
            status, step = ("new", past) if kind < 4 else ("queued", past) if kind < 8 else ("connected", past)
        else:  # waiting on a future step, or finished
            status, step = ("invited", future) if i % 2 else ("skipped", r"\N")
        buffer.write("\t".join([
            str(uuid.uuid4()), str(campaign.team_id), str(campaign.id), f"Lead {i}", "Lead", str(i),
            f"https://www.linkedin.com/in/lead-{i}/", "Founder & CEO" if i % 3 else "Engineer", status, step,
            "0", "[]", "{}", NOW.isoformat(), NOW.isoformat(),
        ]) + "\n")
    buffer.seek(0)
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY leads (id, team_id, campaign_id, name, first_name, last_name, profile_url, title, status,"
                " next_step_at, messages_sent, tags, custom_fields, created_at, updated_at) FROM STDIN"
            ) as copy:
                copy.write(buffer.read())
        raw.commit()
    finally:
        raw.close()
    with db.engine.begin() as connection:
        connection.execute(sa.text("ANALYZE leads"))


def time_tick(clock) -> float:
    from app.engine.planner import run_tick

    started = time.perf_counter()
    run_tick(clock())
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    recreate_database()
    clock = ManualClock(NOW)
    app = create_app({"SQLALCHEMY_DATABASE_URI": ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB, "CLOCK": clock})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        seed(args.leads, args.due)
        print(f"seeded {args.leads} leads ({args.due} due) in {time.perf_counter() - started:.1f}s")
        busy = [time_tick(clock)]
        for _ in range(2):  # later ticks: the new leads are qualified, invites planned up to the horizon
            clock.advance(minutes=1)
            busy.append(time_tick(clock))
        with db.engine.begin() as connection:  # nothing due any more
            connection.execute(sa.text("UPDATE leads SET status = 'skipped', next_step_at = NULL "
                                       "WHERE status IN ('new', 'queued', 'connected')"))
            connection.execute(sa.text("UPDATE actions SET status = 'done'"))
        idle = []
        for _ in range(3):
            clock.advance(minutes=1)
            idle.append(time_tick(clock))
        busy_median = statistics.median(busy) * 1000
        print(f"tick with {args.due} due: first {busy[0] * 1000:.0f} ms, median {busy_median:.0f} ms")
        print(f"tick with nothing due: median {statistics.median(idle) * 1000:.0f} ms")
        print(f"ratio busy/idle (first tick): {busy[0] / statistics.median(idle):.1f}")
        db.engine.dispose()


if __name__ == "__main__":
    main()
