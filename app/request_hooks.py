"""The app's request hooks folded into one before- and one after-request hook, with Flask's own order.

Flask runs every hook through `ensure_sync`, which inspects the function on each call: with the dozen hooks the
app's modules register (request id, metrics, rate limit, auth, body checks, idempotency, ...) that was a
measurable share of a small request's work (docs/benchmarks.md, "Request path"). Modules keep registering their
hooks with `app.before_request`/`app.after_request`; the factory folds the app-wide ones once, last.
"""

from flask import Flask


def fold_app_hooks(app: Flask) -> None:
    before = tuple(app.before_request_funcs.get(None, ()))
    after = tuple(reversed(app.after_request_funcs.get(None, ())))  # Flask runs them last-registered first

    def run_before_hooks():
        for hook in before:
            answer = hook()
            if answer is not None:  # a hook that answers ends the request, as in Flask
                return answer
        return None

    def run_after_hooks(response):
        for hook in after:
            response = hook(response)
        return response

    app.before_request_funcs[None] = [run_before_hooks]
    app.after_request_funcs[None] = [run_after_hooks]
