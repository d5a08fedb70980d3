"""gunicorn settings for the API: `gunicorn -c gunicorn.conf.py wsgi:app` (the image's default command).

Graceful: on SIGTERM gunicorn stops accepting, lets requests in progress finish for up to
`graceful_timeout` seconds, then exits (give the container a longer stop grace period than that).
With PROMETHEUS_MULTIPROC_DIR set, the workers' metrics are added up by `/metrics`; the directory is
emptied when gunicorn starts and a dead worker's live gauges are dropped (prometheus_client's rules).
With LOG_FORMAT=json gunicorn's own lines are JSON too, and the access log is the app's (one line per
request with its request id); plain text otherwise.
"""

import glob
import os

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = 60
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
keepalive = 5
# Requests carry tokens in headers, never in URLs; still, the app's own request line (JSON) omits the query.
JSON_LOGS = (os.environ.get("LOG_FORMAT") or "").strip().lower() == "json"
accesslog = None if JSON_LOGS else "-"
errorlog = "-"
if JSON_LOGS:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.logging_setup.JsonFormatter"}},
        "filters": {"context": {"()": "app.logging_setup.ContextFilter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"],
                                 "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
                    # The app writes one JSON line per request (request id, team, route; never the query).
                    "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False}},
    }


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for stale in glob.glob(os.path.join(directory, "*.db")):
            os.remove(stale)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
