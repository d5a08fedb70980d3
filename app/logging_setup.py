"""Console logging: plain text by default (`make dev`), one JSON object a line with LOG_FORMAT=json.

`socialscalr serve` shows the access log and warnings by default, RQ's chatter on request.

Credentials never reach a line, in either format: both formatters redact (`redact`), and the loggers of the HTTP
clients (urllib3, which logs every request's URL at DEBUG) carry `RedactCredentials`, so a record is clean before any
handler sees it, whoever configured the handler. Meta's APIs take `access_token` (and `client_secret`,
`fb_exchange_token`, `input_token`, `appsecret_proof`, the OAuth `code`) as query parameters of GETs, and Telegram's
bot token is in its URL path: with LOG_LEVEL=DEBUG urllib3 would otherwise write them out.

An idle embedded worker logs every periodic job RQ runs (about 70 lines a minute), which buries the
access log. RQ's loggers (`rq.worker`, `rq.job`, `rq.scheduler`) get a handler here whose level is
WARNING unless `--verbose` or LOG_LEVEL asks for more; RQ then adds no handler of its own.
"""

import json
import logging
import os
import re
from datetime import UTC, datetime

from flask import g, has_request_context
from rq import get_current_job

RQ_FORMAT = "%(asctime)s %(name)s: %(message)s"


def rq_log_level(verbose: bool) -> int:
    """WARNING by default; INFO with --verbose; LOG_LEVEL (DEBUG, INFO, WARNING, ...) when set."""
    requested = os.environ.get("LOG_LEVEL", "").strip().upper()
    if requested:
        level = logging.getLevelName(requested)
        if isinstance(level, int):
            return level
    return logging.INFO if verbose else logging.WARNING


def quiet_rq(verbose: bool = False) -> int:
    level = rq_log_level(verbose)
    if log_format() == "json":
        handler = json_handler()
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(PlainFormatter(RQ_FORMAT, datefmt="%H:%M:%S"))
    handler.setLevel(level)
    rq_logger = logging.getLogger("rq")
    rq_logger.handlers = [handler]
    rq_logger.propagate = False
    return level


# --- LOG_FORMAT=json: one JSON object a line -------------------------------------------------------------------

JSON_FIELDS = ("method", "route", "path", "status", "duration_ms", "queue", "job", "worker")
# Credentials that could reach a message (a URL, an exception text): replaced before a line is written.
_SECRETS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;\"']+"), r"\1 [redacted]"),
    (re.compile(r"\bss_[A-Za-z0-9_\-]{6,}"), "ss_[redacted]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_\-]{6,}"), "whsec_[redacted]"),
    (re.compile(r"(?i)\b(password|passwd|secret|token|api[_-]?key)([\"']?\s*[=:]\s*[\"']?)[^\s,;&\"'}]+"),
     r"\1\2[redacted]"),
    (re.compile(r"(?i)(://[^/\s:@]+:)[^@\s/]+@"), r"\1[redacted]@"),  # user:password@ in a URL
    # Platform credentials (SocialDock): OAuth fields and Meta's query parameters (access_token, fb_exchange_token,
    # input_token, client_secret, appsecret_proof), and Telegram's bot token in its API's URL path.
    (re.compile(r"(?i)\b(\w+_token|client_secret|code_verifier|appsecret_proof)([\"']?\s*[=:]\s*[\"']?)"
                r"[^\s,;&\"'}]+"), r"\1\2[redacted]"),
    (re.compile(r"/bot\d+:[A-Za-z0-9_\-]+"), "/bot[redacted]"),
    (re.compile(r"([?&]code=)[^\s&\"']+"), r"\1[redacted]"),  # an OAuth code in a URL's query (a token exchange)
)


class RedactCredentials(logging.Filter):
    """Rewrites a record whose message holds a credential (its arguments merged in), before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class PlainFormatter(logging.Formatter):
    """The plain text format, credentials redacted (the message and any exception)."""

    def format(self, record):
        return redact(super().format(record))


_REDACT = RedactCredentials()
# The HTTP clients' loggers: urllib3 writes each request's method and URL (query string included) at DEBUG.
HTTP_CLIENT_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "requests")


def redact_http_client_logs() -> None:
    for name in HTTP_CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


redact_http_client_logs()


def log_format() -> str:
    return "json" if os.environ.get("LOG_FORMAT", "").strip().lower() == "json" else "plain"


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


_work_horse = {"pid": None}


def mark_work_horse() -> None:
    """Called in an RQ work horse: every line it writes is about the one job it was forked for (RQ_JOB_ID)."""
    _work_horse["pid"] = os.getpid()


def _job_id() -> str | None:
    job = get_current_job()
    if job is not None:
        return job.id
    # RQ's own lines in a horse (before and after the job runs) are about that job too.
    return os.environ.get("RQ_JOB_ID") if _work_horse["pid"] == os.getpid() else None


class ContextFilter(logging.Filter):
    """Stamps the request id, the team id (once the token is known) and the RQ job id on every record."""

    def filter(self, record):
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.team_id = str(g.get("team_id") or "") or None
        else:
            record.request_id = getattr(record, "request_id", "-")
            record.team_id = getattr(record, "team_id", None)
        record.job_id = _job_id()
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id / job_id / team_id when known, a few known fields, and the
    exception; credentials are redacted. Arbitrary `extra=` keys are not written: only JSON_FIELDS are."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in ("request_id", "job_id", "team_id"):
            value = getattr(record, name, None)
            if value not in (None, "-", ""):
                entry[name] = str(value)
        for name in JSON_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def json_handler() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    return handler


def use_json_logs() -> None:
    """Every logger (ours, RQ's, werkzeug's, gunicorn's) writes JSON through one root handler."""
    root = logging.getLogger()
    root.handlers = [json_handler()]
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for name in ("app", "rq", "werkzeug", "gunicorn.error", "gunicorn.access", "worker"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
