"""Leasing actions on PostgreSQL: our `lease_actions` (expiry check, working-hours and pause guards, SKIP LOCKED,
read back by token) against a raw baseline UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)
on the same table, both draining the same number of due actions with 8 concurrent pollers.

    .venv/bin/python bench/extension_lease.py [--actions 20000] [--pollers 8] [--batch 10]

Scratch database: socialscalr_bench_c. Prints leases per second for both and their ratio; the machine is
shared, so compare the ratio, not the absolute numbers. Every action must be leased exactly once.
"""

import argparse
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import LinkedInAccount, Team  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "socialscalr_bench_c"
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, inside working hours


def recreate_database():
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{BENCH_DB}"'))
    engine.dispose()


def seed(count: int):
    team = Team(name="bench", plan="team")
    db.session.add(team)
    db.session.flush()
    account = LinkedInAccount(team_id=team.id, profile_url="https://www.linkedin.com/in/bench/", timezone="UTC",
                              settings={}, created_at=NOW - timedelta(days=60))
    db.session.add(account)
    db.session.commit()
    db.session.execute(sa.text("DELETE FROM actions"))
    db.session.execute(sa.text(
        "INSERT INTO actions (id, team_id, account_id, type, status, due_at, lease_count, details, created_at, "
        "updated_at) SELECT gen_random_uuid(), :team, :account, 'post', 'pending', :due, 0, '{}', :due, :due "
        "FROM generate_series(1, :count)"), {"team": team.id, "account": account.id, "due": NOW, "count": count})
    db.session.commit()
    return team.id, account.id


def reset():
    db.session.execute(sa.text("UPDATE actions SET status = 'pending', lease_token = NULL, lease_expires_at = NULL, "
                               "lease_count = 0"))
    db.session.commit()


def drain(app, pollers: int, take) -> tuple[float, list]:
    seen: list = []
    lock = threading.Lock()
    start_line = threading.Barrier(pollers + 1)

    def poller():
        with app.app_context():
            start_line.wait()
            while True:
                ids = take()
                if not ids:
                    break
                with lock:
                    seen.extend(ids)
            db.session.remove()

    threads = [threading.Thread(target=poller) for _ in range(pollers)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--pollers", type=int, default=8)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    recreate_database()
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.pollers + 2},
                      "CLOCK": lambda: NOW})
    with app.app_context():
        upgrade()
        team_id, account_id = seed(args.actions)

    def ours():
        from app.accounts.service import account_for_request
        from app.engine.execution import lease

        account = account_for_request(team_id, str(account_id))
        ids = [action.id for action in lease(account, args.batch, NOW)]
        db.session.commit()
        return ids

    def raw():
        token = uuid.uuid4().hex
        ids = db.session.scalars(sa.text(
            "UPDATE actions SET status = 'leased', lease_token = :token, lease_count = lease_count + 1 "
            "WHERE id IN (SELECT id FROM actions WHERE account_id = :account AND status = 'pending' "
            "AND due_at <= :now ORDER BY due_at, id LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING id"),
            {"token": token, "account": account_id, "now": NOW, "n": args.batch}).all()
        db.session.commit()
        return ids

    results = {}
    with app.app_context():
        for name, take in (("raw", raw), ("ours", ours), ("raw", raw), ("ours", ours)):
            reset()
            seconds, seen = drain(app, args.pollers, take)
            assert len(seen) == len(set(seen)) == args.actions, (name, len(seen), len(set(seen)))
            results.setdefault(name, []).append(args.actions / seconds)
    raw_rate, our_rate = max(results["raw"]), max(results["ours"])
    print(f"{args.actions} actions, {args.pollers} pollers, batches of {args.batch}; each leased exactly once")
    print(f"raw UPDATE ... SKIP LOCKED: {raw_rate:,.0f} leases/s")
    print(f"lease_actions:             {our_rate:,.0f} leases/s")
    print(f"ratio (ours / raw): {our_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
