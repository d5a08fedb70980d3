"""Webhook delivery: throughput of one RQ worker vs a raw requests.Session loop, and commit-to-delivery latency.

    .venv/bin/python bench/webhook_delivery.py [--events 2000] [--latency-samples 100]

Uses PostgreSQL database `socialscalr_bench_b` (recreated), Redis BENCH_REDIS_URL (default db 12, flushed),
and a receiver on 127.0.0.1 at a random port in a separate process (HTTP/1.1 keep-alive, answers 200 "ok").

1. Throughput: N events for one endpoint are committed in one transaction, then one forking RQ worker
   (`rq.Worker`, as each of `socialscalr worker`'s webhook processes runs it) works the webhook queues in burst
   mode: relay, claim, sign, send, record, handing over to a fresh drain job every few seconds. Baseline:
   the same number of signed bodies posted by a raw `requests.Session` loop to the same receiver. Prints
   deliveries/s of both and the ratio.
2. Latency: an idle `socialscalr worker` subprocess; events are committed one at a time and the time from
   the commit returning to the receiver reading the request is measured (p50, p99).
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "socialscalr_bench_b"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def _receiver(port_queue, arrivals):
    import json

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per response and no Nagle: otherwise delayed ACKs add ~40 ms to every request on both sides.
        wbufsize = -1
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/latency":
                arrivals.put((time.time(), json.loads(raw)["data"]["seq"]))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_port)
    server.serve_forever()


def _recreate_database() -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{BENCH_DB}"'))
    engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--latency-samples", type=int, default=100)
    args = parser.parse_args()

    import redis
    import requests
    from flask_migrate import upgrade
    from rq import Queue, Worker
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import WebhookDelivery
    from app.queueing import QUEUE_GROUPS, redis_connection
    from app.users.service import create_user
    from app.webhooks.outbox import emit
    from app.webhooks.payload import build_request
    from app.webhooks.service import create_endpoint

    database_url = _recreate_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    context = multiprocessing.get_context("fork")
    port_queue, arrivals = context.Queue(), context.Queue()
    receiver = context.Process(target=_receiver, args=(port_queue, arrivals), daemon=True)
    receiver.start()
    port = port_queue.get(timeout=10)

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_URL,
                      "WEBHOOKS_ALLOW_PRIVATE": True})
    with app.app_context():
        upgrade()
        user, _ = create_user("bench@example.com", "Bench User", plan="pro")
        team_id = user.team_id
        endpoint = create_endpoint(team_id, f"http://127.0.0.1:{port}/throughput", ["*"])
        secret = endpoint.secret
        db.session.commit()
        data = {"lead": {"name": "Ada Lovelace", "profileUrl": "https://www.linkedin.com/in/ada/", "title": "Founder"},
                "campaignId": "4f1c9c1e-0000-4000-8000-000000000000", "occurredAt": "2026-05-23T20:00:00.000Z"}

        # --- baseline: the same signed bodies, posted by a raw requests.Session loop ---
        bodies = [build_request("lead.invited", data, f"delivery-{i}", secret, time_now())
                  for i in range(args.events)]
        session = requests.Session()
        started = time.perf_counter()
        for body, headers in bodies:
            session.post(f"http://127.0.0.1:{port}/raw", data=body, headers=headers, timeout=(3, 10))
        raw_rate = args.events / (time.perf_counter() - started)
        session.close()

        # --- one RQ worker: relay + claim + sign + send + record, for N committed events ---
        for _ in range(args.events):
            emit(team_id, "lead.invited", data)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
        connection = redis_connection(app)
        started = time.perf_counter()
        queues = [Queue(name, connection=connection) for name in QUEUE_GROUPS["webhooks"]]
        Worker(queues, connection=connection).work(burst=True, logging_level="WARNING")
        elapsed = time.perf_counter() - started
        delivered = db.session.scalar(
            select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == "delivered"))
        worker_rate = delivered / elapsed
        print(f"throughput: worker {worker_rate:.0f} deliveries/s ({delivered}/{args.events} delivered), "
              f"raw requests.Session {raw_rate:.0f} posts/s, ratio {worker_rate / raw_rate:.2f}")

        # --- latency: an idle `socialscalr worker`, one committed event at a time ---
        create_endpoint(team_id, f"http://127.0.0.1:{port}/latency", ["lead.messaged"])
        db.session.commit()
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "WEBHOOKS_ALLOW_PRIVATE": "1"}
        worker = subprocess.Popen([str(Path(sys.executable).parent / "socialscalr"), "worker"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            latencies = []
            for seq in range(-1, args.latency_samples):
                emit(team_id, "lead.messaged", {"seq": seq})
                db.session.commit()
                committed = time.time()
                received, got = arrivals.get(timeout=60)
                assert got == seq, (got, seq)
                if seq >= 0:  # the first one waits for the worker to start
                    latencies.append(received - committed)
                time.sleep(0.05)
        finally:
            worker.terminate()
            worker.wait(30)
        print(f"latency (commit to receipt, idle worker, {len(latencies)} events): "
              f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {_percentile(latencies, 0.99) * 1000:.0f} ms")
    receiver.terminate()


def time_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


if __name__ == "__main__":
    main()
