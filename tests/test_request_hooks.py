"""Folding the app's hooks into one (app/request_hooks.py) keeps what Flask's own hooks do: the same order, a
before-request hook that answers ends the request (the after-request hooks still run), and hooks registered after
the fold still run in Flask's order around the folded ones."""

import pytest
from flask import Flask, request

from app.request_hooks import fold_app_hooks


def _app(folded: bool, calls: list) -> Flask:
    app = Flask(__name__)

    def before(name):
        def hook():
            calls.append(f"before {name}")
            if name == "b" and "stop" in request.args:
                return "stopped by b", 403
            return None
        return hook

    def after(name):
        def hook(response):
            calls.append(f"after {name}")
            response.headers.add("X-Order", name)
            return response
        return hook

    for name in ("a", "b", "c"):
        app.before_request(before(name))
        app.after_request(after(name))
    if folded:
        fold_app_hooks(app)
    app.before_request(before("late"))
    app.after_request(after("late"))

    @app.get("/")
    def index():
        calls.append("view")
        return "ok"

    return app


@pytest.mark.parametrize("path", ["/", "/?stop=1"])
def test_folded_hooks_answer_and_run_as_flasks_own(path):
    answers = {}
    for folded in (False, True):
        calls = []
        response = _app(folded, calls).test_client().get(path)
        answers[folded] = (response.status_code, response.get_data(as_text=True), response.headers.getlist("X-Order"),
                           calls)
    assert answers[True] == answers[False]
    status, body, order, calls = answers[True]
    if path == "/":
        assert (status, body) == (200, "ok")
        assert calls == ["before a", "before b", "before c", "before late", "view",
                         "after late", "after c", "after b", "after a"]
    else:
        assert (status, body) == (403, "stopped by b")
        assert calls == ["before a", "before b", "after late", "after c", "after b", "after a"]
    assert order == ["late", "c", "b", "a"]
