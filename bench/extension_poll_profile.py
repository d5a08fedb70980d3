"""One poll of the extension, profiled in-process against the database `bench/extension_lease.py` left behind.

    .venv/bin/python bench/extension_poll_profile.py [N] [-p] [--database socialscalr_bench_c]
    SORT=tottime TOP=40 .venv/bin/python bench/extension_poll_profile.py 300 -p
    ROOT=/path/to/another/checkout .venv/bin/python bench/extension_poll_profile.py 300   # its code, same database

Resets the due actions (nothing leased), then runs N polls of 10 one after the other in this process, as the
bench's poll does (the service's answer rendered as the endpoint sends it). Prints wall time and this process's
CPU time per poll (the Python side), statements per poll and the time spent in them; -p profiles with a CPU clock.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = os.environ.get("ROOT", str(HERE.parent))
sys.path.insert(0, str(HERE))
import extension_lease as bench  # noqa: E402

sys.path.insert(0, ROOT)  # after the bench module, which puts its own checkout first

from statement_timing import StatementTimer  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("polls", type=int, nargs="?", default=300)
    parser.add_argument("-p", action="store_true", help="cProfile with a CPU clock")
    parser.add_argument("--database", default=bench.BENCH_DB)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    url = bench.ADMIN_URL.rsplit("/", 1)[0] + "/" + args.database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": lambda: bench.NOW})
    with app.app_context():
        timer = StatementTimer(db.engine)

        bench.reset()
        team_id, account_id = db.session.execute(sa.text(
            "SELECT team_id, id FROM linkedin_accounts WHERE name = 'Bench'")).one()
        db.session.remove()
        poll = bench.poll_function(team_id, account_id, args.batch)
        for _ in range(20):  # warm-up: statements built and prepared, pool filled
            poll()
        timer.clear()
        profile = cProfile.Profile(time.process_time) if args.p else None
        times, rendered = [], []
        cpu = time.process_time()
        for _ in range(args.polls):
            started = time.perf_counter()
            if profile:
                profile.enable()
            rendered += poll()
            if profile:
                profile.disable()
            times.append(time.perf_counter() - started)
        cpu = time.process_time() - cpu
        statements, in_sql = timer.count, timer.total()  # the polls' own, before the reset's
        leased = len(bench.leased_ids(rendered))
        bench.reset()
        db.engine.dispose()
    print(f"{args.polls} polls, {leased} actions leased: wall p50 {statistics.median(times) * 1000:.2f} ms, "
          f"mean {statistics.mean(times) * 1000:.2f} ms; this process's CPU {cpu / args.polls * 1000:.2f} ms a poll; "
          f"{statements / args.polls:.1f} statements a poll, {in_sql / args.polls * 1000:.2f} ms in them")
    if profile:
        stats = pstats.Stats(profile)
        stats.sort_stats(os.environ.get("SORT", "cumulative")).print_stats(int(os.environ.get("TOP", "30")))


if __name__ == "__main__":
    main()
