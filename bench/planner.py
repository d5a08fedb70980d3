"""The planner at the issue's scale: a full planning pass with two workers, and per-account planning time.

    .venv/bin/python bench/planner.py [--accounts 100] [--leads 1000000] [--past-actions 2000000] [--due 10000]
                                      [--workers 2] [--passes 2] [--rebuild] [--redis-url redis://127.0.0.1:6379/13]
    .venv/bin/python bench/planner.py --accounts 1000      # the 1,000-account variant (its own database)

Data (PostgreSQL `socialscalr_bench_planner_<accounts>`, built once with INSERT ... SELECT and kept between runs;
`--rebuild` starts over, and a different shape rebuilds on its own): accounts in teams of two, three active
campaigns per account, the leads spread over the campaigns, of which `--due` have a step due now (40% new,
40% queued, 20% connected) and the rest wait on a future step or are finished; past actions (done, some
failed or cancelled) spread over the two years before today.

Measures, each from the same starting state (the due leads are restored and the planned actions deleted):
- full pass with `--workers` workers: when `worker.engine_jobs.plan_account_job` exists, `run_planner` fans
  the accounts out as one job each on the engine queue of `--redis-url` (flushed; since `qualify_job` exists,
  the qualification is a job on that queue too, and the pass includes it), drained by that many real
  RQ burst workers (`socialscalr worker --burst`'s engine worker: `worker.runner.group_worker`; before it
  existed, a forking `rq.Worker`); otherwise that many processes each
  run `app.engine.planner.run_tick` at once. Timed from the fan-out to the last worker's end.
- per-account: after withdrawals and qualification, `plan_account(account_id, now, rng)` for every account in
  one process, committing after each; p50, p90 and max.
The machine is shared: run twice and compare like with like.
"""

import argparse
import multiprocessing
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, inside working hours in every zone below
ZONES = ("UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid")
CAMPAIGNS_PER_ACCOUNT = 3
TEMPLATES = ('{"note": "Hi {{first_name|there}}", "message": "Thanks {{first_name}}", '
             '"followUps": [{"afterDays": 3, "body": "Any thoughts, {{first_name}}?"}]}')
# Planned actions are created at NOW; the seeded past ones before this, so a reset can tell them apart.
SEEDED_BEFORE = NOW - timedelta(hours=1)


def database_name(accounts: int) -> str:
    return f"socialscalr_bench_planner_{accounts}"


def database_url(accounts: int) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + database_name(accounts)


def make_app(args, **extra):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url(args.accounts), "REDIS_URL": args.redis_url,
                       "CLOCK": lambda: NOW, **extra})


def shape(args) -> str:
    return f"accounts={args.accounts} leads={args.leads} past={args.past_actions} due={args.due} now={NOW}"


def prepare_database(args) -> bool:
    """Create (or keep) the bench database; True when it must be seeded."""
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": database_name(args.accounts)})
    if exists and not args.rebuild:
        engine = sa.create_engine(database_url(args.accounts))
        with engine.connect() as connection:
            try:
                kept = connection.scalar(sa.text("SELECT value FROM bench_shape WHERE key = 'shape'"))
            except sa.exc.ProgrammingError:
                kept = None
        engine.dispose()
        if kept == shape(args):
            admin.dispose()
            return False
        print(f"database holds another shape ({kept}): rebuilding")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database_name(args.accounts)}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database_name(args.accounts)}"'))
    admin.dispose()
    return True


def seed(args, connection):
    """Everything in SQL on the server: a million rows through the ORM would take minutes."""
    teams = (args.accounts + 1) // 2
    run = connection.execute
    run(sa.text("CREATE TEMP TABLE bench_accounts (idx int PRIMARY KEY, id uuid, team_id uuid, zone text)"))
    run(sa.text("CREATE TEMP TABLE bench_campaigns (idx int PRIMARY KEY, id uuid, team_id uuid, account_id uuid)"))
    run(sa.text("INSERT INTO teams (id, name, plan, created_at, updated_at) "
                "SELECT gen_random_uuid(), 'bench team ' || t, 'team', :old, :old FROM generate_series(0, :n - 1) t"),
        {"n": teams, "old": NOW - timedelta(days=400)})
    run(sa.text("INSERT INTO bench_accounts SELECT a, gen_random_uuid(), "
                "(SELECT id FROM teams ORDER BY name OFFSET a / 2 LIMIT 1), "
                "(CAST(:zones AS text[]))[1 + a % :zone_count] FROM generate_series(0, :n - 1) a"),
        {"n": args.accounts, "zones": list(ZONES), "zone_count": len(ZONES)})
    run(sa.text("INSERT INTO linkedin_accounts (id, team_id, profile_url, name, timezone, settings, last_seen_at, "
                "created_at, updated_at) SELECT id, team_id, 'https://www.linkedin.com/in/sender-' || idx || '/', "
                "'Sender ' || idx, zone, '{}', :now, :old, :old FROM bench_accounts"),
        {"now": NOW, "old": NOW - timedelta(days=60)})
    run(sa.text("INSERT INTO bench_campaigns SELECT a.idx * :per + k, gen_random_uuid(), a.team_id, a.id "
                "FROM bench_accounts a CROSS JOIN generate_series(0, :per - 1) k"), {"per": CAMPAIGNS_PER_ACCOUNT})
    run(sa.text("INSERT INTO campaigns (id, team_id, name, status, targeting, templates, settings, "
                "linkedin_account_id, created_at, updated_at) SELECT id, team_id, 'campaign ' || idx, 'active', "
                "'{\"titleKeywords\": [\"founder\", \"ceo\"]}', CAST(:templates AS json), '{}', account_id, :old, :old "
                "FROM bench_campaigns"), {"templates": TEMPLATES, "old": NOW - timedelta(days=60)})
    campaigns = args.accounts * CAMPAIGNS_PER_ACCOUNT
    started = time.perf_counter()
    # Due leads (i < due): 40% new, 40% queued, 20% connected, each with a step due an hour ago. The others:
    # invited (a step 10 days ahead), messaged (a follow-up ahead), skipped or replied.
    run(sa.text("""
        INSERT INTO leads (id, team_id, campaign_id, name, first_name, last_name, profile_url, title, status,
                           next_step_at, invited_at, connected_at, messages_sent, tags, custom_fields, created_at,
                           updated_at)
        SELECT gen_random_uuid(), c.team_id, c.id, 'Lead ' || i, 'Lead', i::text,
               'https://www.linkedin.com/in/lead-' || i || '/',
               CASE WHEN i % 3 = 0 THEN 'Engineer' ELSE 'Founder & CEO' END,
               s.status, s.next_step_at,
               CASE WHEN s.status IN ('invited', 'messaged', 'replied', 'connected')
                    THEN :now - make_interval(days => 4 + i % 20) END,
               CASE WHEN s.status IN ('messaged', 'replied', 'connected')
                    THEN :now - make_interval(days => 2 + i % 2) END,
               CASE WHEN s.status IN ('messaged', 'replied') THEN 1 ELSE 0 END,
               '[]', '{}', :created, :created
        FROM generate_series(0, :total - 1) i
        JOIN bench_campaigns c ON c.idx = i % :campaigns
        CROSS JOIN LATERAL (SELECT
            CASE WHEN i < :due THEN (CASE WHEN i % 10 < 4 THEN 'new' WHEN i % 10 < 8 THEN 'queued'
                                          ELSE 'connected' END)
                 ELSE (CASE WHEN i % 10 < 4 THEN 'invited' WHEN i % 10 < 6 THEN 'messaged'
                            WHEN i % 10 < 9 THEN 'skipped' ELSE 'replied' END) END AS status,
            CASE WHEN i < :due THEN :now - interval '1 hour'
                 WHEN i % 10 < 6 THEN :now + make_interval(days => 1 + i % 10) END AS next_step_at) s
    """), {"now": NOW, "created": NOW - timedelta(days=30), "total": args.leads, "due": args.due,
           "campaigns": campaigns})
    print(f"  {args.leads:,} leads in {time.perf_counter() - started:.0f}s")
    started = time.perf_counter()
    # Past actions of the leads not due: an invite each, then messages, spread over two years before today.
    per_lead = -(-args.past_actions // max(1, args.leads - args.due))
    run(sa.text("""
        INSERT INTO actions (id, team_id, account_id, campaign_id, lead_id, type, text, status, due_at,
                             lease_count, completed_at, details, created_at, updated_at)
        SELECT gen_random_uuid(), l.team_id, c.linkedin_account_id, l.campaign_id, l.id,
               CASE WHEN k = 0 THEN 'invite' ELSE 'message' END, 'Hi Lead',
               CASE WHEN h % 20 = 0 THEN 'failed' WHEN h % 20 = 1 THEN 'cancelled' ELSE 'done' END,
               d.due_at, 1, d.due_at, '{}', d.due_at, d.due_at
        FROM leads l
        JOIN campaigns c ON c.id = l.campaign_id
        CROSS JOIN generate_series(0, :per_lead - 1) k
        CROSS JOIN LATERAL (SELECT abs(hashtext(l.id::text || k)) AS h) hashed
        CROSS JOIN LATERAL (SELECT date_trunc('day', CAST(:now AS timestamptz)) - make_interval(days => 1 + h % 730)
                                   + make_interval(hours => 9 + h % 8, mins => h % 60) AS due_at) d
        WHERE l.status NOT IN ('new', 'queued') OR l.next_step_at IS NULL OR l.next_step_at > :now
        LIMIT :past
    """), {"now": NOW, "per_lead": per_lead, "past": args.past_actions})
    print(f"  {args.past_actions:,} past actions in {time.perf_counter() - started:.0f}s")
    run(sa.text("CREATE TABLE bench_due_leads AS SELECT id, status, status_reason, next_step_at FROM leads "
                "WHERE next_step_at <= :now"), {"now": NOW})
    run(sa.text("CREATE TABLE bench_shape (key text PRIMARY KEY, value text)"))
    run(sa.text("INSERT INTO bench_shape VALUES ('shape', :shape)"), {"shape": shape(args)})


def reset(connection):
    """Back to the seeded state: planned actions deleted, the due leads as they were."""
    connection.execute(sa.text("DELETE FROM actions WHERE created_at >= :seeded"), {"seeded": SEEDED_BEFORE})
    connection.execute(sa.text(
        "UPDATE leads SET status = b.status, status_reason = b.status_reason, next_step_at = b.next_step_at "
        "FROM bench_due_leads b WHERE leads.id = b.id AND (leads.status, leads.next_step_at) "
        "IS DISTINCT FROM (b.status, b.next_step_at)"))


def prepare_tick(now):
    """Withdrawals and qualification, before the accounts are planned."""
    from app.engine import planner
    from app.extensions import db

    if hasattr(planner, "prepare_tick"):
        planner.prepare_tick(now)
    else:
        planner.withdraw_unusable_actions(now)
        db.session.commit()
        planner.qualify_new_leads(now)
    db.session.commit()


def uses_account_jobs() -> bool:
    from worker import engine_jobs

    return hasattr(engine_jobs, "plan_account_job")


def _worker_process(args, ready, go, finished):
    """One worker: an RQ burst worker on the engine queue, or (fallback) one `run_tick`."""
    app = make_app(args)
    if uses_account_jobs():
        from rq import Queue, Worker

        from app.queueing import ENGINE_QUEUE, redis_connection
        from worker import runner
        from worker.context import bind_app

        bind_app(app)
        if hasattr(runner, "group_worker"):  # the engine group's own worker class, as `socialscalr worker` runs it
            worker = runner.group_worker(app, "engine")
        else:
            connection = redis_connection(app)
            worker = Worker([Queue(ENGINE_QUEUE, connection=connection)], connection=connection)
        ready.set()
        go.wait()
        worker.work(burst=True)
    else:
        from app.engine.planner import run_tick
        from app.extensions import db

        with app.app_context():
            ready.set()
            go.wait()
            run_tick(NOW, random.Random(7))
            db.session.remove()
    finished.put(time.monotonic())


def full_pass(args, app) -> tuple[float, str, int]:
    """Seconds from the fan-out to the last worker's end, the mode, and the actions planned."""
    from app.extensions import db
    from app.queueing import redis_connection

    context = multiprocessing.get_context("spawn")
    ready = [context.Event() for _ in range(args.workers)]
    go, finished = context.Event(), context.Queue()
    processes = [context.Process(target=_worker_process, args=(args, r, go, finished)) for r in ready]
    for process in processes:
        process.start()
    for event in ready:
        event.wait()
    started = time.monotonic()
    if uses_account_jobs():
        from worker.engine_jobs import run_planner

        mode = "RQ: run_planner fans out plan_account_job, drained by burst workers"
        with app.app_context():
            run_planner()
            queued = len(__import__("rq").Queue("engine", connection=redis_connection()))
            if queued == 0:
                raise SystemExit("run_planner queued no plan_account_job: nothing to measure")
    else:
        mode = "fallback: run_tick in each worker process at once"
    go.set()
    ends = [finished.get() for _ in processes]
    for process in processes:
        process.join()
    seconds = max(ends) - started
    with app.app_context():
        planned = db.session.scalar(sa.text("SELECT count(*) FROM actions WHERE created_at >= :seeded"),
                                    {"seeded": SEEDED_BEFORE})
        db.session.remove()
    return seconds, mode, planned


def per_account(app) -> list[float]:
    from app.engine.planner import plan_account
    from app.extensions import db

    rng = random.Random(7)
    timings = []
    with app.app_context():
        prepare_tick(NOW)
        account_ids = db.session.scalars(sa.text("SELECT id FROM linkedin_accounts ORDER BY id")).all()
        for account_id in account_ids:
            started = time.perf_counter()
            plan_account(uuid.UUID(str(account_id)), NOW, rng)
            db.session.commit()
            timings.append(time.perf_counter() - started)
        db.session.remove()
    return timings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--past-actions", type=int, default=2_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="drop the kept database and seed it again")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="flushed: the bench's own")
    parser.add_argument("--seed-only", action="store_true", help="build (or keep) the database and stop")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app.extensions import db
    from app.queueing import redis_connection

    fresh = prepare_database(args)
    app = make_app(args)
    with app.app_context():
        upgrade()
        if fresh:
            started = time.perf_counter()
            print(f"seeding {shape(args)}")
            with db.engine.begin() as connection:
                seed(args, connection)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
            print(f"seeded in {time.perf_counter() - started:.0f}s")
        counts = db.session.execute(sa.text(
            "SELECT (SELECT count(*) FROM linkedin_accounts), (SELECT count(*) FROM campaigns WHERE status = "
            "'active'), (SELECT count(*) FROM leads), (SELECT count(*) FROM actions WHERE created_at < :seeded), "
            "(SELECT count(*) FROM bench_due_leads)"), {"seeded": SEEDED_BEFORE}).one()
        db.session.remove()
    print("accounts {:,}, active campaigns {:,}, leads {:,}, past actions {:,}, due {:,}".format(*counts))
    if args.seed_only:
        return

    for number in range(1, args.passes + 1):
        with app.app_context():
            with db.engine.begin() as connection:
                reset(connection)
            if uses_account_jobs():
                redis_connection().flushdb()
        seconds, mode, planned = full_pass(args, app)
        print(f"full pass {number} with {args.workers} workers ({mode}): {seconds:.2f} s, {planned:,} actions")

    with app.app_context():
        with db.engine.begin() as connection:
            reset(connection)
    timings = per_account(app)
    ms = sorted(t * 1000 for t in timings)
    print(f"per-account plan_account ({len(ms)} accounts, commit after each): p50 {statistics.median(ms):.0f} ms, "
          f"p90 {ms[int(len(ms) * 0.9)]:.0f} ms, max {ms[-1]:.0f} ms, total {sum(ms) / 1000:.1f} s")
    with app.app_context():
        with db.engine.begin() as connection:
            reset(connection)
        db.engine.dispose()


if __name__ == "__main__":
    main()
