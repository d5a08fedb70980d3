"""Leasing actions on PostgreSQL: a poll (`extension_bridge.service.poll`, the path GET /api/v1/extension/actions
takes after auth: the account, `app.actions.service.lease_actions`, the commit, then the answer rendered by the
view's PollAnswerSchema with each action's lead, post or comment) against a raw baseline
UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id on the same table, in one run.

    .venv/bin/python bench/extension_lease.py [--posts 10000] [--invites 10000] [--history 200000]
                                              [--pollers 8] [--batch 10]

Data (scratch database socialscalr_bench_c, recreated): one team with one settled account, a campaign whose
leads each have an invite due, scheduled posts each with a post action due, and the account's past actions
(done) for the indexes to work through. Both sides drain what is due with `--pollers` concurrent pollers,
twice each, alternating; the best rate of each is kept. No action may be leased twice; the raw side leases
everything, a poll every post (an engine that paces invites may hand out fewer of them: the count is printed).
The machine is shared, so compare the ratio, not the absolute numbers.
"""

import argparse
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "socialscalr_bench_c"
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, inside working hours
DUE_AT = NOW - timedelta(minutes=30)  # today: planned this morning, due now
HISTORY_BEFORE = NOW - timedelta(days=1)


def recreate_database(name: str):
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def seed(posts: int, invites: int, history: int) -> tuple:
    run = db.session.execute
    old = NOW - timedelta(days=60)
    team_id = run(sa.text("INSERT INTO teams (id, name, plan, created_at, updated_at) "
                          "VALUES (gen_random_uuid(), 'bench', 'team', :old, :old) RETURNING id"),
                  {"old": old}).scalar()
    account_id = run(sa.text(
        "INSERT INTO linkedin_accounts (id, team_id, profile_url, name, timezone, settings, last_seen_at, created_at, "
        "updated_at) VALUES (gen_random_uuid(), :team, 'https://www.linkedin.com/in/bench/', 'Bench', 'UTC', "
        "CAST(:settings AS json), :now, :old, :old) RETURNING id"),
        {"team": team_id, "now": NOW, "old": old,
         "settings": '{"invitesPerDay": 100, "invitesPerWeek": 200, "messagesPerDay": 150}'}).scalar()
    campaign_id = run(sa.text(
        "INSERT INTO campaigns (id, team_id, name, status, targeting, templates, settings, linkedin_account_id, "
        "created_at, updated_at) VALUES (gen_random_uuid(), :team, 'bench', 'active', '{}', "
        "'{\"note\": \"Hi {{first_name}}\"}', '{}', :account, :old, :old) RETURNING id"),
        {"team": team_id, "account": account_id, "old": old}).scalar()
    run(sa.text(
        "INSERT INTO leads (id, team_id, campaign_id, name, first_name, profile_url, title, status, messages_sent, "
        "tags, custom_fields, created_at, updated_at) SELECT gen_random_uuid(), :team, :campaign, 'Lead ' || i, "
        "'Lead', 'https://www.linkedin.com/in/lead-' || i || '/', 'Founder', CASE WHEN i < :invites THEN 'queued' "
        "ELSE 'messaged' END, 0, '[]', '{}', :old, :old FROM generate_series(0, :leads - 1) i"),
        {"team": team_id, "campaign": campaign_id, "invites": invites, "leads": invites + history // 2, "old": old})
    # Past actions: an invite and a message for each lead past the ones due, all done before today.
    run(sa.text(
        "INSERT INTO actions (id, team_id, account_id, campaign_id, lead_id, type, text, status, due_at, "
        "lease_count, completed_at, details, created_at, updated_at) SELECT gen_random_uuid(), :team, :account, "
        ":campaign, l.id, CASE WHEN k = 0 THEN 'invite' ELSE 'message' END, 'Hi Lead', 'done', d.at, 1, d.at, '{}', "
        "d.at, d.at FROM leads l CROSS JOIN generate_series(0, 1) k CROSS JOIN LATERAL (SELECT CAST(:before AS "
        "timestamptz) - make_interval(days => abs(hashtext(l.id::text || k)) % 365) AS at) d "
        "WHERE l.status = 'messaged' LIMIT :history"),
        {"team": team_id, "account": account_id, "campaign": campaign_id, "before": HISTORY_BEFORE,
         "history": history})
    run(sa.text(
        "INSERT INTO actions (id, team_id, account_id, campaign_id, lead_id, type, text, status, due_at, "
        "lease_count, details, created_at, updated_at) SELECT gen_random_uuid(), :team, :account, :campaign, l.id, "
        "'invite', 'Hi Lead', 'pending', :due, 0, '{}', :due, :due FROM leads l WHERE l.status = 'queued'"),
        {"team": team_id, "account": account_id, "campaign": campaign_id, "due": DUE_AT})
    run(sa.text(
        "INSERT INTO posts (id, team_id, content, scheduled_for, status, created_at, updated_at) "
        "SELECT gen_random_uuid(), :team, 'Post ' || i, :due, 'scheduled', :old, :old "
        "FROM generate_series(1, :posts) i"), {"team": team_id, "due": DUE_AT, "old": old, "posts": posts})
    run(sa.text(
        "INSERT INTO actions (id, team_id, account_id, post_id, type, text, status, due_at, lease_count, details, "
        "created_at, updated_at) SELECT gen_random_uuid(), :team, :account, p.id, 'post', p.content, 'pending', "
        ":due, 0, '{}', :due, :due FROM posts p"), {"team": team_id, "account": account_id, "due": DUE_AT})
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    return team_id, account_id


def reset():
    """Every action due this morning pending again, nothing leased."""
    db.session.execute(sa.text(
        "UPDATE actions SET status = 'pending', lease_token = NULL, lease_expires_at = NULL, lease_count = 0, "
        "started_at = NULL WHERE due_at > :history"), {"history": HISTORY_BEFORE})
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
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--invites", type=int, default=10000)
    parser.add_argument("--history", type=int, default=200000)
    parser.add_argument("--pollers", type=int, default=8)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--database", default=BENCH_DB, help="scratch PostgreSQL database (dropped and recreated)")
    args = parser.parse_args()
    recreate_database(args.database)
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + args.database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.pollers + 2},
                      "CLOCK": lambda: NOW})
    with app.app_context():
        upgrade()
        team_id, account_id = seed(args.posts, args.invites, args.history)
        kinds = {str(id_): kind for id_, kind in db.session.execute(sa.text(
            "SELECT id, type FROM actions WHERE due_at > :history"), {"history": HISTORY_BEFORE}).all()}
        db.session.remove()

    def poll():
        from extension_bridge.schemas import PollAnswerSchema
        from extension_bridge.service import poll as extension_poll

        # What the endpoint sends: the service's answer rendered by the view's schema.
        answer = PollAnswerSchema().dump(extension_poll(team_id, str(account_id), args.batch))
        return [action["id"] for action in answer["actions"]]

    def raw():
        ids = db.session.scalars(sa.text(
            "UPDATE actions SET status = 'leased', lease_token = md5(random()::text), lease_count = lease_count + 1, "
            "lease_expires_at = :until WHERE id IN (SELECT id FROM actions WHERE account_id = :account "
            "AND status = 'pending' AND due_at <= :now ORDER BY due_at, id LIMIT :n FOR UPDATE SKIP LOCKED) "
            "RETURNING id"),
            {"account": account_id, "now": NOW, "n": args.batch, "until": NOW + timedelta(minutes=10)}).all()
        db.session.commit()
        return [str(id_) for id_ in ids]

    results, leased_invites = {}, []
    for name, take in (("raw", raw), ("poll", poll), ("raw", raw), ("poll", poll)):
        with app.app_context():
            reset()
        seconds, seen = drain(app, args.pollers, take)
        assert len(seen) == len(set(seen)), (name, "an action was leased twice")
        by_type = {kind: sum(1 for i in seen if kinds[i] == kind) for kind in ("post", "invite")}
        assert by_type["post"] == args.posts, (name, by_type)
        if name == "raw":
            assert len(seen) == len(kinds), (name, len(seen))
        else:
            leased_invites.append(by_type["invite"])
        results.setdefault(name, []).append(len(seen) / seconds)
    raw_rate, poll_rate = max(results["raw"]), max(results["poll"])
    print(f"{args.posts} posts and {args.invites} invites due, {args.history} past actions; {args.pollers} pollers, "
          f"batches of {args.batch}; no action leased twice")
    print(f"raw UPDATE ... SKIP LOCKED:     {raw_rate:,.0f} leases/s (every due action)")
    print(f"poll (lease + commit + rendering): {poll_rate:,.0f} leases/s (every post, invites: {leased_invites})")
    print(f"ratio (poll / raw): {poll_rate / raw_rate:.2f}")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
