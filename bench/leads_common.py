"""Shared by the lead benchmarks: a scratch PostgreSQL database, a user, and a gunicorn server."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "socialscalr_bench_a"
DATABASE_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
PSYCOPG_URL = "postgresql://postgres@127.0.0.1:5432/" + BENCH_DB
# Where a benchmarked server keeps its rate limit, as in production (nothing is flushed: the keys expire).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def database_url(database: str = BENCH_DB) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def recreate_database(database: str = BENCH_DB):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(database)})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


def app_in_process(database: str):
    """The app in this process as a served worker runs it (rate limit in REDIS_URL, budget lifted) and a new token of
    the database's first user: (app, token)."""
    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.tokens import issue_token

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(database), "REDIS_URL": REDIS_URL,
                      "RATELIMIT_PER_MINUTE": 10**9})
    with app.app_context():
        token = issue_token(db.session.scalar(db.select(User)))
        db.session.commit()
    return app, token


def make_user_and_campaigns(app, campaigns: int):
    from app.extensions import db
    from app.models import Campaign
    from app.users.service import create_user

    with app.app_context():
        user, token = create_user("bench@example.com", "Bench", plan="team")
        ids = []
        for index in range(campaigns):
            campaign = Campaign(team_id=user.team_id, name=f"bench {index}", status="draft")
            db.session.add(campaign)
            db.session.flush()
            ids.append(campaign.id)
        db.session.commit()
        team_id = user.team_id
        db.engine.dispose()
    return team_id, token, ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the app on a random port, with the rate limit lifted for the benchmark.

    Without `redis_url` the rate limit is kept in each worker's memory; with it, in Redis (production).
    """

    def __init__(self, workers: int = 2, database: str = BENCH_DB, redis_url: str | None = None,
                 app: str = "wsgi:app", ready_path: str = "/api/v1/openapi.json"):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url(database), "RATELIMIT_PER_MINUTE": "100000000"}
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--log-level",
             "warning", "--chdir", str(ROOT), app], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL)  # the access log is written (as in production), not shown
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_path = ready_path

    def __enter__(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                requests.get(self.url + self.ready_path, timeout=10)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        self.process.terminate()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
