"""What a 500-lead page costs the server's Python: CPU time and Python function calls per request, in-process
(Flask test client, no gunicorn, no HTTP client), measures a shared machine disturbs less than latency.
Run bench/leads_list.py first (it loads the database).

    .venv/bin/python bench/leads_list_cpu.py [--requests 200]

The same pages as bench/leads_list.py (a campaign and a status, limit=500), against its database; rate limit in
Redis BENCH_REDIS_URL (default db 12), budget lifted. Prints p50 and min of CPU (time.thread_time) and of wall
time per request (the wall time includes PostgreSQL's), then Python calls per request (cProfile).
"""

import argparse
import cProfile
import pstats
import random
import statistics
import time

from leads_common import app_in_process
from leads_list import DATABASE, STATUSES


def main():
    from app.extensions import db
    from app.models import Campaign

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    app, token = app_in_process(DATABASE)
    with app.app_context():
        campaign_ids = db.session.scalars(db.select(Campaign.id).order_by(Campaign.name)).all()
    rng = random.Random(1)
    urls = [f"/api/v1/leads?campaignId={rng.choice(campaign_ids)}&status={rng.choice(STATUSES)}&limit=500"
            for _ in range(args.requests)]
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}

    def get(url):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200 and len(answer.get_data()) > 100_000, answer.status_code

    for url in urls[:20]:
        get(url)
    cpu, wall = [], []
    for url in urls:
        started, started_cpu = time.perf_counter(), time.thread_time()
        get(url)
        cpu.append(time.thread_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    profile = cProfile.Profile()
    profile.enable()
    for url in urls[:50]:
        get(url)
    profile.disable()
    calls = sum(stats[1] for stats in pstats.Stats(profile).stats.values()) / 50
    print(f"CPU per request: p50 {statistics.median(cpu) * 1000:.2f} ms, min {min(cpu) * 1000:.2f} ms; "
          f"wall p50 {statistics.median(wall) * 1000:.2f} ms, min {min(wall) * 1000:.2f} ms "
          f"({args.requests} requests); Python calls per request: {calls:,.0f}")


if __name__ == "__main__":
    main()
