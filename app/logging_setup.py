"""Console logging of `socialscalr serve`: the access log and warnings by default, RQ's chatter on request.

An idle embedded worker logs every periodic job RQ runs (about 70 lines a minute), which buries the
access log. RQ's loggers (`rq.worker`, `rq.job`, `rq.scheduler`) get a handler here whose level is
WARNING unless `--verbose` or LOG_LEVEL asks for more; RQ then adds no handler of its own.
"""

import logging
import os

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
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(RQ_FORMAT, datefmt="%H:%M:%S"))
    handler.setLevel(level)
    rq_logger = logging.getLogger("rq")
    rq_logger.handlers = [handler]
    rq_logger.propagate = False
    return level
