"""The `socialscalr` console script: Flask's CLI bound to the app factory, plus our commands."""

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from app import create_app
from app.errors import ApiError
from extension_bridge.simulator import simulate_extension_command


def _fail(error: ApiError):
    click.echo(f"error: {error.message}", err=True)
    sys.exit(1)


@click.group(cls=FlaskGroup, create_app=create_app)
def cli():
    """SocialScalr: campaigns, leads, the extension bridge, workers and webhooks."""


cli.add_command(simulate_extension_command)


@cli.group()
def users():
    """Manage users."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--team", "team_name", default=None, help="Join this existing team instead of creating one.")
@click.option("--role", default=None, help="owner | admin | member")
@click.option("--plan", default=None, help="free | pro | team (for a new team)")
@with_appcontext
def create_user_command(email, full_name, team_name, role, plan):
    """Create a user (and a new team unless --team) and print its API token on the last line."""
    from app.users.service import create_user

    try:
        user, token = create_user(email, full_name, team_name, role, plan)
    except ApiError as error:
        _fail(error)
    click.echo(f"created {user.email} as {user.team_role} of team: {user.team.name}")
    click.echo(token)


@cli.group()
def tokens():
    """Manage API tokens."""


@tokens.command("rotate")
@click.option("--email", required=True)
@with_appcontext
def rotate_token_command(email):
    """Revoke the user's token and print the new one on the last line."""
    from app.users.service import rotate_user_token

    try:
        token = rotate_user_token(email)
    except ApiError as error:
        _fail(error)
    click.echo(token)


@cli.command("worker")
@click.option("--queues", "groups", multiple=True, type=click.Choice(["engine", "webhooks"]),
              help="A queue group to work (repeatable). Default: every group, each with worker processes of its own.")
@click.option("--webhook-workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes for the webhooks group (one endpoint is sent to by one of them at a time).")
@click.option("--engine-workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes for the engine group.")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@with_appcontext
def worker_command(groups, webhook_workers, engine_workers, burst):
    """Run RQ workers per queue group (with RQ's scheduler) and the periodic jobs, on REDIS_URL."""
    from app.queueing import is_embedded
    from worker.runner import run_workers

    if is_embedded():
        click.echo("error: REDIS_URL is not set; in embedded mode `socialscalr serve` runs the worker", err=True)
        sys.exit(1)
    counts = {"engine": engine_workers, "webhooks": webhook_workers}
    workers = {group: counts[group] for group in (groups or counts)}
    clean = run_workers(current_app._get_current_object(), workers, burst=burst)
    sys.exit(0 if clean else 1)


@cli.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve_command(host, port):
    """Serve the API; in embedded mode (no REDIS_URL) also run the worker in this process."""
    from werkzeug.serving import run_simple

    from app.queueing import is_embedded
    from worker.runner import start_embedded_worker

    app = current_app._get_current_object()
    if is_embedded():
        start_embedded_worker(app)
        click.echo("embedded mode: SQLite/DATABASE_URL + in-process queue and worker")
    # Flask's app.run() refuses to block inside its own CLI; werkzeug's server is what it would run.
    run_simple(host, port, app, threaded=True, use_reloader=False)
