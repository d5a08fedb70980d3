"""GET /api/v1/leads?campaignId=&status=&limit=500 on 1M leads (gunicorn, PostgreSQL): p50 and p99.

    .venv/bin/python bench/leads_list.py [--leads 1000000] [--requests 300] [--reuse]

Loads the leads with one INSERT ... SELECT generate_series (change-stamp trigger off, stamps set directly; each
lead's API rendering stored by its trigger, as on every write), then times the API from a client, and the same
query (the lead's columns, same order and limit)
through raw psycopg as the baseline; prints both and the ratio of their p50s. Then, with wrk (if installed), the
same pages in turn from one connection for 10 s, and `GET /api/v1/leads?limit=100` under 16 concurrent clients:
requests/s and latency.
The server keeps its rate limit in Redis BENCH_REDIS_URL (default db 12), as in production.
`--reuse` keeps an already loaded database (same --leads) instead of loading it again.
"""

import argparse
import gc
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time

import psycopg
import requests
from leads_common import REDIS_URL, Server, database_url, make_user_and_campaigns, recreate_database

DATABASE = "socialscalr_bench_a_list"
CAMPAIGNS = 20
STATUSES = ("new", "queued", "invited", "connected", "messaged", "replied", "skipped", "failed")
# The lead's columns, not the rendering PostgreSQL stores for the API (leads.api_json): the baseline stays what it
# was before that column existed.
RAW_QUERY = ("SELECT {columns} FROM leads WHERE team_id = %s AND campaign_id = %s AND status = %s "
             "ORDER BY created_at DESC, id DESC LIMIT 500")


def raw_query() -> str:
    from app.models import Lead
    from app.models.base import row_columns

    return RAW_QUERY.format(columns=", ".join(column.name for column in row_columns(Lead.__table__)))


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


def client_collector_paused(items: list):
    """`items`, with this process's garbage collector off while they are gone through: a collection of the client's
    own objects (this process imports the whole app) would otherwise be timed as the server's or the database's
    latency (timeit turns it off for the same reason). Both timed loops go through this."""
    gc.collect()
    gc.disable()
    try:
        yield from items
    finally:
        gc.enable()


def loaded(total: int):
    """(team id, a live token, campaign ids) of an already loaded database with `total` leads, else None."""
    from app import create_app
    from app.extensions import db
    from app.models import Campaign, Lead, User
    from app.tokens import issue_token

    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(DATABASE)})
        with app.app_context():
            if db.session.scalar(db.select(db.func.count()).select_from(Lead)) != total:
                return None
            user = db.session.scalar(db.select(User))
            token = issue_token(user)
            db.session.commit()
            ids = db.session.scalars(db.select(Campaign.id).order_by(Campaign.name)).all()
            found = user.team_id, token, ids
            db.engine.dispose()
            return found
    except Exception:  # no such database, or not migrated
        return None


def wrk(url: str, token: str, connections: int, *arguments: str) -> str:
    """wrk's requests/s, p50 and p99 as text (a C client: none of a Python client's own pauses)."""
    output = subprocess.run(["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", "10s", "--latency",
                             "-H", f"Authorization: Bearer {token}", *arguments, url],
                            capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
    p50, p99 = (re.search(rf"\s{p}%\s+([\d.]+\w+)", output).group(1) for p in ("50", "99"))
    return f"{float(rate):,.0f} requests/s, p50 {p50}, p99 {p99}"


def pages_of_500_from_wrk(url: str, token: str, paths: list[str]) -> str:
    """The same pages, in turn, from wrk on one connection for 10 s."""
    if not shutil.which("wrk"):
        return "wrk not installed (apt-get install -y wrk): wrk runs skipped"
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write("paths = {" + ",".join(f'"{path}"' for path in paths) + "}\ni = 0\n"
                     "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
        script.flush()
        result = wrk(url, token, 1, "-s", script.name)
    return f"GET /api/v1/leads?campaignId&status&limit=500 from wrk, 1 connection: {result}"


def concurrent_page_of_100(url: str, token: str) -> str:
    if not shutil.which("wrk"):
        return "wrk not installed (apt-get install -y wrk): 16-client run skipped"
    return f"GET /api/v1/leads?limit=100, 16 concurrent clients: {wrk(url + '/api/v1/leads?limit=100', token, 16)}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    args = parser.parse_args()
    found = loaded(args.leads) if args.reuse else None
    if found:
        team_id, token, campaign_ids = found
        print(f"reusing {DATABASE} with {args.leads} leads")
    else:
        app = recreate_database(DATABASE)
        team_id, token, campaign_ids = make_user_and_campaigns(app, CAMPAIGNS)
        print(f"loaded {args.leads} leads in {load(team_id, campaign_ids, args.leads):.1f}s")
    rng = random.Random(1)
    queries = [(rng.choice(campaign_ids), rng.choice(STATUSES)) for _ in range(args.requests)]
    with psycopg.connect(database_url(DATABASE).replace("+psycopg", "")) as connection:
        raw, query = [], raw_query()
        for campaign_id, status in client_collector_paused(queries[:20] + queries):
            started = time.perf_counter()
            rows = connection.execute(query, (team_id, campaign_id, status)).fetchall()
            raw.append(time.perf_counter() - started)
            assert len(rows) == 500
        raw = raw[20:]
    with Server(workers=2, database=DATABASE, redis_url=REDIS_URL) as server, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        api = []
        for campaign_id, status in client_collector_paused(queries[:20] + queries):
            started = time.perf_counter()
            response = session.get(f"{server.url}/api/v1/leads",
                                   params={"campaignId": str(campaign_id), "status": status, "limit": 500}, timeout=30)
            api.append(time.perf_counter() - started)
            assert response.status_code == 200 and len(response.json()["leads"]) == 500
        api = api[20:]
        from_wrk = pages_of_500_from_wrk(server.url, token, [
            f"/api/v1/leads?campaignId={campaign_id}&status={status}&limit=500" for campaign_id, status in queries])
        concurrent = concurrent_page_of_100(server.url, token)
    raw_p50, raw_p99 = percentiles(raw)
    api_p50, api_p99 = percentiles(api)
    print(f"raw psycopg SELECT (500 rows): p50 {raw_p50:.1f} ms, p99 {raw_p99:.1f} ms")
    print(f"GET /api/v1/leads?campaignId&status&limit=500: p50 {api_p50:.1f} ms, p99 {api_p99:.1f} ms "
          f"({args.requests} requests)")
    print(f"ratio API/raw (p50): {api_p50 / raw_p50:.1f}, (p99): {api_p99 / raw_p99:.1f}")
    print(from_wrk)
    print(concurrent)


if __name__ == "__main__":
    main()
