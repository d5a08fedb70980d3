"""Leasing actions on PostgreSQL: a poll (`extension_bridge.service.poll`, the path GET /api/v1/extension/actions
takes after auth: the account, the lease, the commit, then the answer rendered as the endpoint sends it) against a
raw baseline UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id on the same table,
in one run.

    .venv/bin/python bench/extension_lease.py [--posts 10000] [--invites 10000] [--history 200000]
                                              [--pollers 8] [--batch 10] [--rounds 2]
                                              [--answer body|dict] [--processes] [--database NAME]

Data (scratch database socialscalr_bench_c, recreated): one team with one settled account, a campaign whose
leads each have an invite due, scheduled posts each with a post action due, and the account's past actions
(done) for the indexes to work through; two idle accounts to warm pollers up on. Both sides drain what is due with
`--pollers` concurrent pollers (threads of one process, or `--processes`, as gunicorn's workers), `--rounds` times
each, alternating; the best rate of each is kept and every round printed. `--answer body` (default) times the
response body; `dict` the schema's dict without JSON encoding (this bench's measure until 2026-11-26). No action
may be leased twice; the raw side leases everything, a poll every post (an engine that paces invites may hand out
fewer of them: the count is printed). The machine is shared, so compare the ratio, not the absolute numbers.
"""

import argparse
import functools
import json
import multiprocessing
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Response, jsonify  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from extension_bridge.schemas import PollAnswerSchema  # noqa: E402
from extension_bridge.service import poll as extension_poll  # noqa: E402

try:
    from extension_bridge.rendering import poll_response
except ImportError:  # a checkout from before PostgreSQL rendered polls (to time it against this one)
    poll_response = None

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


def warm_up_accounts(team_id) -> tuple:
    """Two more accounts of the team with nothing due: polls on them warm a poller up (statements built, prepared
    by psycopg after 5 executions on a connection, planned) without leasing anything, as a long-running worker is.
    One may act (its polls take the shape of the drained account's first poll), one acted a moment ago (the shape
    of its other polls)."""
    return tuple(db.session.execute(sa.text(
        "INSERT INTO linkedin_accounts (id, team_id, profile_url, name, timezone, settings, last_seen_at, "
        "paced_ready_at, created_at, updated_at) VALUES (gen_random_uuid(), :team, :url, 'Idle', 'UTC', '{}', :now, "
        ":ready, :now, :now) RETURNING id"),
        {"team": team_id, "now": NOW, "url": f"https://www.linkedin.com/in/bench-idle-{index}/", "ready": ready}
    ).scalar() for index, ready in enumerate((None, NOW + timedelta(days=1))))


WARM_UP_POLLS = 30  # a connection prepares a statement after 5 runs, PostgreSQL tries a generic plan after 5 more


def warm_up(side: str, team_id, idle_account_ids, args):
    for idle_account_id in idle_account_ids:
        take = _take(side, team_id, idle_account_id, args)
        for _ in range(WARM_UP_POLLS):
            assert not take(), "the idle account has nothing due"


def reset():
    """Every action due this morning pending again, nothing leased, every post scheduled again (until 2026-11-26 the
    posts stayed `publishing` after the first round, so later rounds' polls changed nothing in them, which PostgreSQL
    does more cheaply than the marking a real poll makes)."""
    db.session.execute(sa.text(
        "UPDATE actions SET status = 'pending', lease_token = NULL, lease_expires_at = NULL, lease_count = 0, "
        "started_at = NULL WHERE due_at > :history"), {"history": HISTORY_BEFORE})
    db.session.execute(sa.text("UPDATE posts SET status = 'scheduled' WHERE status = 'publishing'"))
    db.session.commit()


def poll_function(team_id, account_id, batch: int, answer: str = "body"):
    """One poll as the endpoint makes it after auth. `answer`: "body", the bytes the endpoint sends (PostgreSQL's
    rendering joined, or PollAnswerSchema's dump encoded by Flask as flask-smorest does); "dict", the schema's dump
    without the JSON encoding (this bench's measure until 2026-11-26; where the actions come rendered by PostgreSQL,
    their texts as they are). Returns what was rendered, [] when nothing was leased; `leased_ids` reads the ids."""

    def poll():
        served = extension_poll(team_id, str(account_id), batch)
        if not served["actions"]:
            return []
        if answer == "dict":
            rendered = served["actions"]
            return rendered if isinstance(rendered[0], str) else PollAnswerSchema().dump(served)["actions"]
        response = poll_response(served) if poll_response is not None else served
        if not isinstance(response, Response):
            response = jsonify(PollAnswerSchema().dump(response))
        return [response.get_data()]

    return poll


def leased_ids(rendered: list) -> list[str]:
    """The ids in what polls rendered (read after the timing: it is the client's work, not the server's)."""
    ids = []
    for piece in rendered:
        if isinstance(piece, bytes):
            ids += [action["id"] for action in json.loads(piece)["actions"]]
        else:
            ids.append(json.loads(piece)["id"] if isinstance(piece, str) else piece["id"])
    return ids


def raw_function(account_id, batch: int):
    """The baseline: one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id, committed."""

    def raw():
        ids = db.session.scalars(sa.text(
            "UPDATE actions SET status = 'leased', lease_token = md5(random()::text), lease_count = lease_count + 1, "
            "lease_expires_at = :until WHERE id IN (SELECT id FROM actions WHERE account_id = :account "
            "AND status = 'pending' AND due_at <= :now ORDER BY due_at, id LIMIT :n FOR UPDATE SKIP LOCKED) "
            "RETURNING id"),
            {"account": account_id, "now": NOW, "n": batch, "until": NOW + timedelta(minutes=10)}).all()
        db.session.commit()
        return [str(id_) for id_ in ids]

    return raw


def _take(side: str, team_id, account_id, args):
    return raw_function(account_id, args.batch) if side == "raw" else poll_function(team_id, account_id, args.batch,
                                                                                    args.answer)


def _until_drained(take) -> list:
    seen = []
    while True:
        taken = take()
        if not taken:
            return seen
        seen.extend(taken)


def drain(app, pollers: int, take, warm) -> tuple[float, list]:
    """`pollers` threads of this process (one interpreter: they share one core's worth of Python), each warmed up
    (`warm`) side by side before the start, so that every pooled connection has prepared and planned the statement."""
    seen: list = []
    lock = threading.Lock()
    start_line = threading.Barrier(pollers + 1)

    def poller():
        with app.app_context():
            warm()
            start_line.wait()
            taken = _until_drained(take)
            with lock:
                seen.extend(taken)
            db.session.remove()

    threads = [threading.Thread(target=poller) for _ in range(pollers)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, seen


def _process_poller(url: str, side: str, team_id, account_id, idle_account_ids, args, start_line, results):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2},
                      "CLOCK": lambda: NOW})
    with app.app_context():
        take = _take(side, team_id, account_id, args)
        warm_up(side, team_id, idle_account_ids, args)  # as a served worker is, long before this poll
        db.session.remove()
        start_line.wait()
        taken = _until_drained(take)
        finished = time.perf_counter()
        db.engine.dispose()
    results.put((finished, taken))


def drain_processes(url: str, side: str, team_id, account_id, idle_account_ids, args) -> tuple[float, list]:
    """`--pollers` processes, each with its own app and pool, as gunicorn's workers serve polls (both sides alike)."""
    context = multiprocessing.get_context("fork")
    start_line, results = context.Barrier(args.pollers + 1), context.Queue()
    processes = [context.Process(target=_process_poller, args=(url, side, team_id, account_id, idle_account_ids,
                                                                 args, start_line, results))
                 for _ in range(args.pollers)]
    for process in processes:
        process.start()
    start_line.wait()
    began = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process of the machine
    finished, seen = [], []
    for _ in processes:
        at, taken = results.get()
        finished.append(at)
        seen.extend(taken)
    for process in processes:
        process.join()
    return max(finished) - began, seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--invites", type=int, default=10000)
    parser.add_argument("--history", type=int, default=200000)
    parser.add_argument("--pollers", type=int, default=8)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--database", default=BENCH_DB, help="scratch PostgreSQL database (dropped and recreated)")
    parser.add_argument("--answer", choices=("body", "dict"), default="body",
                        help="what a poll renders: the response body (default) or the schema's dict (earlier runs)")
    parser.add_argument("--processes", action="store_true",
                        help="pollers as processes (as gunicorn workers), both sides; default: threads of one process")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each side, alternating; the best is kept")
    args = parser.parse_args()
    recreate_database(args.database)
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + args.database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.pollers + 2},
                      "CLOCK": lambda: NOW})
    with app.app_context():
        upgrade()
        team_id, account_id = seed(args.posts, args.invites, args.history)
        idle_account_ids = warm_up_accounts(team_id)
        db.session.commit()
        kinds = {str(id_): kind for id_, kind in db.session.execute(sa.text(
            "SELECT id, type FROM actions WHERE due_at > :history"), {"history": HISTORY_BEFORE}).all()}
        db.session.remove()

    results, leased_invites = {}, []
    for name in ("raw", "poll") * args.rounds:
        with app.app_context():
            reset()
            if args.processes:
                db.engine.dispose()  # no connection of this process crosses a fork
        if args.processes:
            seconds, seen = drain_processes(url, name, team_id, account_id, idle_account_ids, args)
        else:
            seconds, seen = drain(app, args.pollers, _take(name, team_id, account_id, args),
                                  functools.partial(warm_up, name, team_id, idle_account_ids, args))
        seen = leased_ids(seen) if name == "poll" else seen
        assert len(seen) == len(set(seen)), (name, "an action was leased twice")
        by_type = {kind: sum(1 for i in seen if kinds[i] == kind) for kind in ("post", "invite")}
        assert by_type["post"] == args.posts, (name, by_type)
        if name == "raw":
            assert len(seen) == len(kinds), (name, len(seen))
        else:
            leased_invites.append(by_type["invite"])
        results.setdefault(name, []).append(len(seen) / seconds)
    raw_rate, poll_rate = max(results["raw"]), max(results["poll"])
    mode = "processes" if args.processes else "threads of one process"
    print(f"{args.posts} posts and {args.invites} invites due, {args.history} past actions; {args.pollers} pollers "
          f"({mode}), batches of {args.batch}, answer rendered as {args.answer}; no action leased twice")
    print(f"raw UPDATE ... SKIP LOCKED:     {raw_rate:,.0f} leases/s (every due action; rounds: "
          f"{', '.join(f'{rate:,.0f}' for rate in results['raw'])})")
    print(f"poll (lease + commit + rendering): {poll_rate:,.0f} leases/s (every post, invites: {leased_invites}; "
          f"rounds: {', '.join(f'{rate:,.0f}' for rate in results['poll'])})")
    print(f"ratio (poll / raw): {poll_rate / raw_rate:.2f}")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
