"""Campaign engine jobs, run by RQ workers on the `engine` queue."""

from worker.context import with_app_context


@with_app_context
def run_planner() -> dict:
    """One planner tick: the next due actions for every active campaign, within the limits."""
    from dataclasses import asdict

    from app.engine.planner import run_tick

    return asdict(run_tick())
