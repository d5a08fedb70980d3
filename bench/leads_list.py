"""GET /api/v1/leads?campaignId=&status=&limit=500 on 1M leads (gunicorn, PostgreSQL): p50 and p99.

    .venv/bin/python bench/leads_list.py [--leads 1000000] [--requests 300]

Loads the leads with one INSERT ... SELECT generate_series (trigger off, stamps set directly),
then times the API from a client, and the same query (all columns, same order and limit)
through raw psycopg as the baseline; prints both and the ratio of their p50s.
"""

import argparse
import random
import statistics
import time

import psycopg
import requests
from leads_common import Server, database_url, make_user_and_campaigns, recreate_database

DATABASE = "socialscalr_bench_a_list"
CAMPAIGNS = 20
STATUSES = ("new", "queued", "invited", "connected", "messaged", "replied", "skipped", "failed")
RAW_QUERY = ("SELECT * FROM leads WHERE team_id = %s AND campaign_id = %s AND status = %s "
             "ORDER BY created_at DESC, id DESC LIMIT 500")


def load(team_id, campaign_ids, total: int) -> float:
    started = time.perf_counter()
    campaigns = "ARRAY[" + ",".join(f"'{c}'::uuid" for c in campaign_ids) + "]"
    statuses = "ARRAY[" + ",".join(f"'{s}'" for s in STATUSES) + "]"
    with psycopg.connect(database_url(DATABASE).replace("+psycopg", "")) as connection:
        connection.execute("ALTER TABLE leads DISABLE TRIGGER leads_stamp_change")
        connection.execute(f"""
            INSERT INTO leads (id, team_id, campaign_id, name, first_name, last_name, profile_url, title, company,
                               location, status, tags, custom_fields, messages_sent, created_at, updated_at,
                               change_seq)
            SELECT gen_random_uuid(), %s, ({campaigns})[1 + i %% {len(campaign_ids)}], 'Lead Person ' || i, 'Lead',
                   'Person ' || i, 'https://www.linkedin.com/in/lead-' || i || '/', 'Founder & CEO',
                   'Company ' || (i %% 997), 'London', ({statuses})[1 + (i / {len(campaign_ids)}) %% 8], '[]', '{{}}',
                   0, now() - make_interval(secs => {total} - i), now() - make_interval(secs => {total} - i), i
            FROM generate_series(1, {total}) AS i""", (team_id,))
        connection.execute("ALTER TABLE leads ENABLE TRIGGER leads_stamp_change")
        connection.commit()
    with psycopg.connect(database_url(DATABASE).replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE leads")
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    app = recreate_database(DATABASE)
    team_id, token, campaign_ids = make_user_and_campaigns(app, CAMPAIGNS)
    print(f"loaded {args.leads} leads in {load(team_id, campaign_ids, args.leads):.1f}s")
    rng = random.Random(1)
    queries = [(rng.choice(campaign_ids), rng.choice(STATUSES)) for _ in range(args.requests)]
    with psycopg.connect(database_url(DATABASE).replace("+psycopg", "")) as connection:
        raw = []
        for campaign_id, status in queries[:20] + queries:
            started = time.perf_counter()
            rows = connection.execute(RAW_QUERY, (team_id, campaign_id, status)).fetchall()
            raw.append(time.perf_counter() - started)
            assert len(rows) == 500
        raw = raw[20:]
    with Server(workers=2, database=DATABASE) as server, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        api = []
        for campaign_id, status in queries[:20] + queries:
            started = time.perf_counter()
            response = session.get(f"{server.url}/api/v1/leads",
                                   params={"campaignId": str(campaign_id), "status": status, "limit": 500}, timeout=30)
            api.append(time.perf_counter() - started)
            assert response.status_code == 200 and len(response.json()["leads"]) == 500
        api = api[20:]
    raw_p50, raw_p99 = percentiles(raw)
    api_p50, api_p99 = percentiles(api)
    print(f"raw psycopg SELECT (500 rows): p50 {raw_p50:.1f} ms, p99 {raw_p99:.1f} ms")
    print(f"GET /api/v1/leads?campaignId&status&limit=500: p50 {api_p50:.1f} ms, p99 {api_p99:.1f} ms "
          f"({args.requests} requests)")
    print(f"ratio API/raw (p50): {api_p50 / raw_p50:.1f}")


if __name__ == "__main__":
    main()
