"""Server-side render time of the web app's main pages with 1M leads in the team, on PostgreSQL.

    .venv/bin/python bench/web_pages.py [--leads 1000000] [--campaigns 5] [--runs 15] [--database NAME] [--reuse]

Data (scratch database socialscalr_bench_web, recreated): one team with a settled LinkedIn account, `--campaigns`
campaigns sharing `--leads` leads (the first campaign holds 60% of them) in every status, a year of done invites
and messages of every campaign (at the default caps; those older than nine days archived, as the periodic job
does), a webhook with 2,000 deliveries, 200 posts and comments. VACUUM ANALYZE, then
each page is rendered `--runs` times through the WSGI app (a signed-in test client: routing, the session lookup,
the queries, Jinja) after two warm-ups; the median and the slowest are printed (the campaign page also 500,000
leads down its list, through the "Older" link's `before=`). The same for the REST API's `GET /api/v1/campaigns`,
`GET /api/v1/campaigns/<id>` and a campaign's `GET /api/v1/leads` (a page, and a sync page) (bearer token, rate
limit lifted). The machine is shared:
run it when it is quiet. `--reuse` keeps a database an earlier run seeded (migrating it to the code's head and
analysing it again), so before/after comparisons skip the minutes of seeding.
"""

import argparse
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.actions.archive import archive_finished_actions  # noqa: E402
from app.extensions import db  # noqa: E402
from app.heap import freeze_startup_objects  # noqa: E402
from app.models import User  # noqa: E402
from app.tokens import issue_token  # noqa: E402
from app.users.passwords import set_password  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "socialscalr_bench_web"
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, inside working hours
PASSWORD = "bench password 1"
HISTORY_DAYS = 365
# Share of the leads in each status, in the order a lead moves.
STATUSES = [("new", 30), ("queued", 40), ("invited", 15), ("connected", 8), ("messaged", 4), ("replied", 2),
            ("skipped", 1)]


def recreate_database(name: str):
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _status_case() -> str:
    bounds, total = [], 0
    for status, share in STATUSES:
        total += share
        bounds.append(f"WHEN i % 100 < {total} THEN '{status}'")
    return "CASE " + " ".join(bounds) + " END"


def seed(leads: int, campaigns: int) -> tuple:
    run = db.session.execute
    old = NOW - timedelta(days=60)
    team_id = run(sa.text("INSERT INTO teams (id, name, plan, created_at, updated_at) "
                          "VALUES (gen_random_uuid(), 'bench', 'team', :old, :old) RETURNING id"),
                  {"old": old}).scalar()
    account_id = run(sa.text(
        "INSERT INTO linkedin_accounts (id, team_id, profile_url, name, timezone, settings, is_default, last_seen_at, "
        "extension_version, created_at, updated_at) VALUES (gen_random_uuid(), :team, "
        "'https://www.linkedin.com/in/bench/', 'Bench', 'UTC', '{}', true, :now, '1.0.0', :old, :old) RETURNING id"),
        {"team": team_id, "now": NOW, "old": old}).scalar()
    sizes = [int(leads * 0.6)] + [(leads - int(leads * 0.6)) // max(campaigns - 1, 1)] * (campaigns - 1)
    campaign_ids, offset = [], 0
    for index, size in enumerate(sizes):
        campaign_id = run(sa.text(
            "INSERT INTO campaigns (id, team_id, name, status, targeting, templates, settings, created_at, updated_at) "
            "VALUES (gen_random_uuid(), :team, :name, 'active', '{}', "
            "'{\"note\": \"Hi {{first_name}}\", \"message\": \"Thanks {{first_name|there}}\"}', '{}', :old, :old) "
            "RETURNING id"), {"team": team_id, "name": f"Campaign {index + 1}", "old": old}).scalar()
        status = _status_case()
        run(sa.text(
            "INSERT INTO leads (id, team_id, campaign_id, name, first_name, profile_url, title, company, status, "
            "messages_sent, tags, custom_fields, invited_at, connected_at, replied_at, created_at, updated_at) "
            f"SELECT gen_random_uuid(), :team, :campaign, 'Lead ' || i, 'Lead', "
            "'https://www.linkedin.com/in/lead-' || i || '/', 'Founder', 'Acme', s.status, 0, '[]', '{}', "
            "CASE WHEN s.status IN ('invited', 'connected', 'messaged', 'replied') THEN :old END, "
            "CASE WHEN s.status IN ('connected', 'messaged', 'replied') THEN :old END, "
            "CASE WHEN s.status = 'replied' THEN :old END, "
            ":old + make_interval(secs => i), :old FROM generate_series(:start, :stop) i "
            f"CROSS JOIN LATERAL (SELECT {status} AS status) s"),
            {"team": team_id, "campaign": campaign_id, "old": old, "start": offset, "stop": offset + size - 1})
        offset += size
        campaign_ids.append(campaign_id)
    seed_history(team_id, account_id, campaign_ids)
    endpoint_id = run(sa.text(
        "INSERT INTO webhook_endpoints (id, team_id, url, events, secret, active, created_at, updated_at) VALUES "
        "(gen_random_uuid(), :team, 'https://crm.example.com/hooks', '[\"*\"]', 'whsec_bench', true, :old, :old) "
        "RETURNING id"), {"team": team_id, "old": old}).scalar()
    run(sa.text(
        "WITH events AS (INSERT INTO webhook_events (id, team_id, name, data, created_at, relayed_at) "
        "SELECT gen_random_uuid(), :team, 'lead.invited', '{}', :now - make_interval(mins => i), :now "
        "FROM generate_series(1, 2000) i RETURNING id, created_at) "
        "INSERT INTO webhook_deliveries (id, team_id, event_id, endpoint_id, status, attempts, last_status_code, "
        "latency_ms, created_at, updated_at) SELECT gen_random_uuid(), :team, e.id, :endpoint, 'delivered', 1, 200, "
        "40, e.created_at, e.created_at FROM events e"), {"team": team_id, "endpoint": endpoint_id, "now": NOW})
    run(sa.text(
        "INSERT INTO posts (id, team_id, content, scheduled_for, status, created_at, updated_at) "
        "SELECT gen_random_uuid(), :team, 'Post ' || i, :now + make_interval(hours => i), 'scheduled', :old, :old "
        "FROM generate_series(1, 200) i"), {"team": team_id, "now": NOW, "old": old})
    run(sa.text(
        "INSERT INTO comments (id, team_id, post_url, content, status, created_at, updated_at) "
        "SELECT gen_random_uuid(), :team, 'https://www.linkedin.com/feed/update/urn:li:activity:' || i || '/', "
        "'Comment ' || i, 'draft', :old, :old FROM generate_series(1, 200) i"), {"team": team_id, "old": old})
    user_id = run(sa.text(
        "INSERT INTO users (id, team_id, email, full_name, team_role, created_at, updated_at) VALUES "
        "(gen_random_uuid(), :team, 'bench@example.com', 'Bench', 'owner', :old, :old) RETURNING id"),
        {"team": team_id, "old": old}).scalar()
    set_password(db.session.get(User, user_id), PASSWORD)
    token = issue_token(db.session.get(User, user_id))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    return campaign_ids, endpoint_id, token


def seed_history(team_id, account_id, campaign_ids: list, days: int = HISTORY_DAYS):
    """A year of done invites and messages of every campaign at the default daily caps (20 and 50), then archived
    as the periodic job does: the chart reads the last 30 days of one campaign among the team's history."""
    for campaign_id in campaign_ids:
        db.session.execute(sa.text(
            "INSERT INTO actions (id, team_id, account_id, campaign_id, type, text, status, due_at, lease_count, "
            "completed_at, details, created_at, updated_at) SELECT gen_random_uuid(), :team, :account, :campaign, "
            "CASE WHEN k < 20 THEN 'invite' ELSE 'message' END, 'Hi', 'done', d.at, 1, d.at, '{}', d.at, d.at "
            "FROM generate_series(0, :last_day) day CROSS JOIN generate_series(0, 69) k "
            "CROSS JOIN LATERAL (SELECT CAST(:now AS timestamptz) - make_interval(days => day, mins => k) AS at) d"),
            {"team": team_id, "account": account_id, "campaign": campaign_id, "now": NOW, "last_day": days - 1})
    archive_history()


def archive_history():
    """What the periodic job does: done actions older than nine days move to actions_archive (the chart reads both)."""
    while archive_finished_actions(NOW):
        pass


def find_seeded() -> tuple:
    """The campaigns, webhook endpoint and a fresh API token of the team an earlier run seeded."""
    run = db.session.execute
    team_id = run(sa.text("SELECT id FROM teams WHERE name = 'bench'")).scalar_one()
    campaign_ids = run(sa.text("SELECT id FROM campaigns WHERE team_id = :team ORDER BY name"),
                       {"team": team_id}).scalars().all()
    endpoint_id = run(sa.text("SELECT id FROM webhook_endpoints WHERE team_id = :team"), {"team": team_id}).scalar_one()
    user = db.session.execute(sa.select(User).where(User.email == "bench@example.com")).scalar_one()
    token = issue_token(user)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))
    return campaign_ids, endpoint_id, token


def deep_lead(campaign_id) -> str:
    """The lead below which the campaign's leads page 10,001 starts (500,000 leads down): the "Older" link there."""
    return str(db.session.execute(sa.text(
        "SELECT id FROM leads WHERE campaign_id = :campaign ORDER BY created_at DESC, id DESC OFFSET 500000 LIMIT 1"),
        {"campaign": campaign_id}).scalar())


def short(path: str) -> str:
    """The path with each id cut to its first 8 characters, to fit a line."""
    return re.sub(r"([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", r"\1", path)


def measure(client, path: str, runs: int, headers: dict | None = None) -> tuple[float, float]:
    for _ in range(2):
        assert client.get(path, headers=headers).status_code == 200, path
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        response.get_data()
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    return statistics.median(timings), max(timings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=5)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", default=BENCH_DB, help="scratch PostgreSQL database (dropped and recreated)")
    parser.add_argument("--reuse", action="store_true", help="keep the data an earlier run seeded in --database")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(args.database)
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + args.database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": lambda: NOW, "TESTING": True,
                          "RATELIMIT_PER_MINUTE": 1_000_000})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        if args.reuse:
            campaign_ids, endpoint_id, token = find_seeded()
        else:
            campaign_ids, endpoint_id, token = seed(args.leads, args.campaigns)
            print(f"seeded {args.leads} leads in {time.perf_counter() - started:.0f} s")
        db.session.remove()
        freeze_startup_objects()  # as wsgi.py does in every served worker
        client = app.test_client()
        form = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert client.post("/login", data={"email": "bench@example.com", "password": PASSWORD,
                                           "csrf_token": csrf}).status_code == 302
        deep = deep_lead(campaign_ids[0])
        pages = ["/campaigns", f"/campaigns/{campaign_ids[0]}", f"/campaigns/{campaign_ids[0]}?status=connected",
                 f"/campaigns/{campaign_ids[0]}?before={deep}", f"/campaigns/{campaign_ids[-1]}", "/accounts",
                 "/settings", "/webhooks", f"/webhooks/{endpoint_id}", "/posts"]
        print(f"{'page':60} {'median ms':>10} {'max ms':>8}")
        for path in pages:
            median, slowest = measure(client, path, args.runs)
            print(f"{short(path):60} {median:10.1f} {slowest:8.1f}")
            db.session.remove()
        api = {"Authorization": f"Bearer {token}"}
        for path in ["/api/v1/campaigns", f"/api/v1/campaigns/{campaign_ids[0]}",
                     f"/api/v1/leads?campaignId={campaign_ids[0]}&limit=100",
                     f"/api/v1/leads?campaignId={campaign_ids[0]}&updatedSince=2000-01-01T00:00:00Z&limit=100"]:
            median, slowest = measure(client, path, args.runs, api)
            print(f"{short(path):60} {median:10.1f} {slowest:8.1f}")
            db.session.remove()


if __name__ == "__main__":
    main()
