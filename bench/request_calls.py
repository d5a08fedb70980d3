"""Python function calls per request (cProfile, in-process test client): a cost measure a shared machine
does not disturb. Run bench/request_path.py first (it creates the database and its user).

    .venv/bin/python bench/request_calls.py [--requests 200]

Counts for `GET /api/v1/me` (rate limit in Redis BENCH_REDIS_URL, default db 12) and for the bare Flask
hello of bench/hello_app.py; a builtin's calls are counted under the package that called it.
"""

import argparse
import collections
import cProfile
import pstats

from leads_common import app_in_process
from request_path import DATABASE


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    return "ours" if "/app/" in filename or "/bench/" in filename else "stdlib"


def calls_per_request(request, count: int) -> tuple[float, dict]:
    for _ in range(20):
        request()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        request()
    profile.disable()
    by_package = collections.Counter()
    for (filename, _, _), (_, calls, _, _, callers) in pstats.Stats(profile).stats.items():
        if filename == "~" and callers:  # a builtin: charge whoever called it
            for (caller_file, _, _), caller_stats in callers.items():
                by_package[_package(caller_file)] += caller_stats[0]
        else:
            by_package[_package(filename)] += calls
    return sum(by_package.values()) / count, {name: round(n / count) for name, n in by_package.most_common(8)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from hello_app import app as hello

    app, token = app_in_process(DATABASE)
    api, hello_client = app.test_client(), hello.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    me, me_packages = calls_per_request(lambda: api.get("/api/v1/me", headers=auth), args.requests)
    bare, bare_packages = calls_per_request(lambda: hello_client.get("/"), args.requests)
    print(f"bare Flask hello: {bare:,.0f} calls per request {bare_packages}")
    print(f"GET /api/v1/me:   {me:,.0f} calls per request {me_packages}")


if __name__ == "__main__":
    main()
