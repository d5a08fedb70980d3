"""plan_account of the first N accounts of the kept planner bench database, with its statements counted and timed.

    .venv/bin/python bench/plan_account_profile.py [N] [-p]       # -p: cProfile, by cumulative time
    SORT=tottime TOP=40 .venv/bin/python bench/plan_account_profile.py 100 -p  # another order, more lines
    ROOT=/path/to/another/checkout .venv/bin/python bench/plan_account_profile.py 40   # its code, same database

Needs the database `bench/planner.py` builds (`--seed-only` builds it and stops). Starts from the seeded state
(withdrawals and qualification first, not timed), commits after each account, resets the data at the end.
Prints p50 and mean per account, this process's CPU time per account (the Python side: less disturbed by other
load than wall time), statements per account, the actions planned, and the slowest statements.
"""

import cProfile
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = os.environ.get("ROOT", str(HERE.parent))
sys.path.insert(0, str(HERE))
import planner as bench  # noqa: E402

sys.path.insert(0, ROOT)  # after the bench module, which puts its own checkout first

from statement_timing import StatementTimer  # noqa: E402

from app import create_app  # noqa: E402
from app.engine.planner import plan_account  # noqa: E402
from app.extensions import db  # noqa: E402


def main():
    count = int(next((arg for arg in sys.argv[1:] if arg.isdigit()), "40"))
    profile = cProfile.Profile() if "-p" in sys.argv else None
    app = create_app({"SQLALCHEMY_DATABASE_URI": bench.database_url(100), "CLOCK": lambda: bench.NOW})
    with app.app_context():
        timer = StatementTimer(db.engine)

        with db.engine.begin() as connection:
            bench.reset(connection)
        bench.prepare_tick(bench.NOW)
        timer.clear()
        account_ids = db.session.scalars(sa.text("SELECT id FROM linkedin_accounts ORDER BY id")).all()[:count]
        rng, times, per_account, cpu = random.Random(7), [], [], time.process_time()
        for account_id in account_ids:
            before, started = timer.count, time.perf_counter()
            if profile:
                profile.enable()
            plan_account(uuid.UUID(str(account_id)), bench.NOW, rng)
            db.session.commit()
            if profile:
                profile.disable()
            times.append(time.perf_counter() - started)
            per_account.append(timer.count - before)
        cpu = time.process_time() - cpu
        print(f"p50 {statistics.median(times) * 1000:.1f} ms, mean {statistics.mean(times) * 1000:.1f} ms, "
              f"this process's CPU {cpu / len(times) * 1000:.1f} ms per account, "
              f"statements p50 {statistics.median(per_account)} max {max(per_account)}")
        print("planned", db.session.scalar(sa.text("SELECT count(*) FROM actions WHERE created_at >= :seeded"),
                                           {"seeded": bench.SEEDED_BEFORE}))
        for statement, seconds in timer.seconds.most_common(10):
            print(f"{seconds:.3f} s  {statement}")
        if profile:
            order, lines = os.environ.get("SORT", "cumulative"), int(os.environ.get("TOP", 30))
            pstats.Stats(profile).sort_stats(order).print_stats(lines)
        with db.engine.begin() as connection:
            bench.reset(connection)
        db.session.remove()


if __name__ == "__main__":
    main()
