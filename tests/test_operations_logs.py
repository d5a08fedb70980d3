"""LOG_FORMAT=json, line by line: what a record becomes, and what never reaches it (the processes' whole logs are
read in tests/test_operations_stack.py). Plain text stays the default."""

import json
import logging
import sys

from flask import g

from app.config import settings_from_environment
from app.logging_setup import ContextFilter, JsonFormatter, redact


def _format(message: str, *args, exc_info=None, **extra) -> dict:
    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_plain_text_is_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert settings_from_environment(str(tmp_path))["LOG_FORMAT"] == "plain"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert settings_from_environment(str(tmp_path))["LOG_FORMAT"] == "json"


def test_a_record_is_one_json_object_with_its_context(app):
    with app.test_request_context("/api/v1/me"):
        g.request_id, g.team_id = "req-12345678", "3f1c1f0e-0000-4000-8000-000000000001"
        line = _format("lead %s added", "x", route="/api/v1/leads", status=201)
    assert line["message"] == "lead x added" and line["level"] == "WARNING" and line["logger"] == "app.test"
    assert line["request_id"] == "req-12345678" and line["team_id"].startswith("3f1c1f0e")
    assert line["route"] == "/api/v1/leads" and line["status"] == 201
    assert line["time"].endswith("Z")


def test_credentials_are_redacted_wherever_they_appear():
    token, secret = "ss_abcdefghijklmnopqrstuvwxyz012345", "whsec_c2VjcmV0LXNpZ25pbmcta2V5"
    message = (f"Authorization: Bearer {token} url=https://user:hunter2@example.com/x?token={token}&a=1 "
               f"secret={secret} password: 'p4ss' {secret}")
    try:
        raise ValueError(f"could not use {token}")
    except ValueError:
        line = _format("%s", message, exc_info=sys.exc_info())
    text = json.dumps(line)
    for leaked in (token, secret, "hunter2", "p4ss", token[3:15]):
        assert leaked not in text
    assert "Bearer [redacted]" in line["message"] and "could not use ss_[redacted]" in line["exception"]
    assert redact("a plain sentence about tokens") == "a plain sentence about tokens"


def test_fields_other_than_the_known_ones_are_never_written():
    line = _format("delivered", body="Hi Ada, loved your post", text="message text", status=200)
    assert "body" not in line and "text" not in line and line["status"] == 200
    assert "loved your post" not in json.dumps(line)
