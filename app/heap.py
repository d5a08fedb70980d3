"""A served process's heap: what startup built is frozen out of the garbage collector's full collections.

The app, its routes, schemas, templates and SQLAlchemy's mappers are ~150,000 tracked objects that live as long as
the process. A full (generation 2) collection walks every tracked object, and requests allocate enough that one
runs every few dozen requests, inside whichever request tripped it: 60-180 ms on the shared bench machine
(docs/benchmarks.md, "Web app pages with 1M leads"). Frozen objects are skipped by every later collection, so a
full collection walks only what requests made since. Called once by the served entry points (wsgi.py), never by
create_app: a test run builds many apps, and frozen garbage would never be freed.
"""

import gc


def freeze_startup_objects() -> int:
    """Collect startup's garbage, then freeze what is left; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


__all__ = ["freeze_startup_objects"]
