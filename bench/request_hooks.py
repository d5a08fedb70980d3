"""Where the Python of one `GET /api/v1/me` goes, in-process: time per request hook and the view, and the request's
CPU with the Redis round trip answered from memory (so only our Python is measured, which a shared machine disturbs
little). Run bench/request_path.py first (it creates the database and its user).

    .venv/bin/python bench/request_hooks.py [--requests 10000]

Each hook is wrapped in a timer (perf_counter, a few tenths of a µs each): compare hooks with each other or with
another checkout's run of this script, not with the unwrapped total printed last.
"""

import argparse
import collections
import time

from leads_common import app_in_process
from request_path import DATABASE
from werkzeug.test import EnvironBuilder


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args()
    from app import ratelimit

    app, token = app_in_process(DATABASE)
    budget = app.extensions["socialscalr.budget"]
    answer = list(budget.count_and_ttl([ratelimit.KEY_PREFIX + "bench", ratelimit.EPOCH_KEY], [60, 60]))
    budget.count_and_ttl = lambda keys, arguments: answer  # the script's answer, without the round trip
    environ = EnvironBuilder(path="/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_environ()

    def one():
        body = app(dict(environ), lambda *_: None)
        b"".join(body)
        body.close()

    for _ in range(1000):
        one()
    cpu = time.thread_time_ns()
    for _ in range(args.requests):
        one()
    unwrapped = (time.thread_time_ns() - cpu) / args.requests / 1000

    spent = collections.Counter()

    def timed(name, function):
        def wrapper(*arguments, **keywords):
            started = time.perf_counter_ns()
            result = function(*arguments, **keywords)
            spent[name] += time.perf_counter_ns() - started
            return result
        return wrapper

    # app.request_hooks folded the app-wide hooks into one each way: time the hooks inside the fold.
    for functions in (app.before_request_funcs, app.after_request_funcs):
        folded = functions[None][0].__closure__[0].cell_contents
        hooks = [timed(f"{hook.__module__}.{hook.__name__}", hook) for hook in folded]
        functions[None][0].__closure__[0].cell_contents = tuple(hooks)
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = timed(f"view {endpoint}", view)
    for _ in range(1000):
        one()
    spent.clear()
    for _ in range(args.requests):
        one()
    for name, nanoseconds in spent.most_common(14):
        print(f"{nanoseconds / args.requests / 1000:7.1f} µs  {name}")
    print(f"{unwrapped:7.1f} µs  CPU per request (thread time, no timers, the Redis answer from memory)")


if __name__ == "__main__":
    main()
