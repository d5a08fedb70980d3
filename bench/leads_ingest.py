"""Ingest 100k leads through POST /api/v1/leads (500 a request, gunicorn, PostgreSQL) vs raw psycopg.

    .venv/bin/python bench/leads_ingest.py [--leads 100000] [--batch 500] [--clients 2]

The baseline inserts the same rows, in the same batches, with psycopg multi-row
`INSERT ... ON CONFLICT (campaign_id, profile_url) DO NOTHING` into a fresh campaign of the same
table (same indexes and trigger), one commit per batch. Prints leads/s of both and their ratio.
"""

import argparse
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import psycopg
import requests
from leads_common import PSYCOPG_URL, Server, make_user_and_campaigns, recreate_database

COLUMNS = ("id", "team_id", "campaign_id", "name", "first_name", "last_name", "profile_url", "title", "company",
           "location", "status", "tags", "custom_fields", "messages_sent", "created_at", "updated_at")


def make_batches(total: int, size: int) -> list[list[dict]]:
    leads = [{"name": f"Lead Person{i}", "profileUrl": f"https://www.linkedin.com/in/lead-{i}/",
              "title": "Founder & CEO", "company": f"Company {i % 997}", "location": "London"} for i in range(total)]
    return [leads[start:start + size] for start in range(0, total, size)]


def api_ingest(url: str, token: str, campaign_id, batches, clients: int) -> float:
    local = {}

    def post(batch):
        session = local.setdefault(id(__import__("threading").current_thread()), requests.Session())
        response = session.post(url + "/api/v1/leads", json={"campaignId": str(campaign_id), "leads": batch},
                                headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert response.status_code == 201, response.text
        return response.json()["created"]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        created = sum(pool.map(post, batches))
    elapsed = time.perf_counter() - started
    assert created == sum(len(batch) for batch in batches), created
    return elapsed


def raw_ingest(team_id, campaign_id, batches, clients: int) -> float:
    def insert(chunk):
        with psycopg.connect(PSYCOPG_URL) as connection:
            for batch in chunk:
                now = datetime.now(UTC)
                rows = []
                for lead in batch:
                    first, last = lead["name"].split(" ", 1)
                    rows.append((uuid.uuid4(), team_id, campaign_id, lead["name"], first, last, lead["profileUrl"],
                                 lead["title"], lead["company"], lead["location"], "new", "[]", "{}", 0, now, now))
                placeholders = ",".join(["(" + ",".join(["%s"] * len(COLUMNS)) + ")"] * len(rows))
                connection.execute(
                    f"INSERT INTO leads ({', '.join(COLUMNS)}) VALUES {placeholders} "
                    "ON CONFLICT (campaign_id, profile_url) DO NOTHING",
                    [value for row in rows for value in row])
                connection.commit()

    chunks = [batches[index::clients] for index in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(insert, chunks))
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    app = recreate_database()
    team_id, token, (api_campaign, raw_campaign) = make_user_and_campaigns(app, 2)
    batches = make_batches(args.leads, args.batch)
    raw_seconds = raw_ingest(team_id, raw_campaign, batches, args.clients)
    with Server(workers=2) as server:
        api_seconds = api_ingest(server.url, token, api_campaign, batches, args.clients)
    raw_rate, api_rate = args.leads / raw_seconds, args.leads / api_seconds
    print(f"raw psycopg INSERT ... ON CONFLICT: {args.leads} leads in {raw_seconds:.1f}s = {raw_rate:,.0f} leads/s")
    print(f"POST /api/v1/leads ({args.batch}/request, {args.clients} clients, gunicorn -w 2): "
          f"{args.leads} leads in {api_seconds:.1f}s = {api_rate:,.0f} leads/s")
    print(f"ratio API/raw: {api_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
