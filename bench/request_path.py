"""What every authenticated request pays: `GET /api/v1/me` against a bare Flask hello, both on `gunicorn -w 2`.

    .venv/bin/python bench/request_path.py [--seconds 10] [--rounds 3] [--connections 8]

Production settings: PostgreSQL database `socialscalr_bench_request` (recreated) and the rate limit in Redis
BENCH_REDIS_URL (default db 12; nothing is flushed, the limiter's keys expire by themselves), the budget
lifted so no request is refused. The load generator is wrk (Debian: `apt-get install -y wrk`) on loopback,
the same command for both servers; rounds alternate between them and the median of each is reported with
the range, then the ratio API / hello.

On a shared machine requests/s mostly measures what else runs, so the script also reports the CPU time the
servers spent per request (from /proc: the gunicorn workers, plus the PostgreSQL backends of the bench
database for the API), which other load disturbs far less.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import psycopg
from leads_common import REDIS_URL, Server, database_url, make_user_and_campaigns, recreate_database

DATABASE = "socialscalr_bench_request"


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return total


def server_pids(server: Server, database: str | None = None) -> list[int]:
    master = server.process.pid
    pids = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    if database:
        with psycopg.connect(database_url("postgres").replace("+psycopg", ""), autocommit=True) as connection:
            pids += [row[0] for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))]
    return pids


def wrk(url: str, seconds: int, connections: int, headers: dict | None = None) -> tuple[float, int]:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors against {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, int(re.search(r"(\d+) requests in", output).group(1))


def measure(url: str, pids: list[int], seconds: int, connections: int, headers: dict | None = None):
    """(requests/s, server CPU milliseconds per request)."""
    before = cpu_seconds(pids)
    rate, count = wrk(url, seconds, connections, headers)
    return rate, (cpu_seconds(pids) - before) * 1000 / count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    app = recreate_database(DATABASE)
    _, token, _ = make_user_and_campaigns(app, 0)
    auth = {"Authorization": f"Bearer {token}"}
    hello_rates, me_rates, hello_cpu, me_cpu = [], [], [], []
    with Server(workers=2, database=DATABASE, redis_url=REDIS_URL) as api, \
            Server(workers=2, database=DATABASE, app="bench.hello_app:app", ready_path="/") as hello:
        wrk(api.url + "/api/v1/me", 2, args.connections, auth)  # warm-up: connections, imports, caches
        wrk(hello.url + "/", 2, args.connections)
        api_pids, hello_pids = server_pids(api, DATABASE), server_pids(hello)
        for _ in range(args.rounds):
            rate, cpu = measure(hello.url + "/", hello_pids, args.seconds, args.connections)
            hello_rates.append(rate)
            hello_cpu.append(cpu)
            rate, cpu = measure(api.url + "/api/v1/me", api_pids, args.seconds, args.connections, auth)
            me_rates.append(rate)
            me_cpu.append(cpu)
    hello_rate, me_rate = statistics.median(hello_rates), statistics.median(me_rates)
    print(f"bare Flask hello:  {hello_rate:,.0f} requests/s (range {min(hello_rates):,.0f}-{max(hello_rates):,.0f})")
    print(f"GET /api/v1/me:    {me_rate:,.0f} requests/s (range {min(me_rates):,.0f}-{max(me_rates):,.0f})")
    print(f"ratio me / hello (medians): {me_rate / hello_rate:.2f}; per round: "
          + ", ".join(f"{m / h:.2f}" for m, h in zip(me_rates, hello_rates, strict=True)))
    hello_ms, me_ms = statistics.median(hello_cpu), statistics.median(me_cpu)
    print(f"server CPU per request: hello {hello_ms:.2f} ms, /me {me_ms:.2f} ms (workers + PostgreSQL backends); "
          f"ratio hello / me {hello_ms / me_ms:.2f}")


if __name__ == "__main__":
    main()
