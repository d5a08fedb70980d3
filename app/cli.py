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
@click.option("--keep-existing", is_flag=True,
              help="If the user exists already, leave it and its working token alone and say so (exit 0).")
@click.option("--password", default=None, help="Set the web app password now instead of printing a one-time link.")
@click.option("--base-url", envvar="PUBLIC_URL", default=None,
              help="Where the web app is reached, for the link (PUBLIC_URL; default http://127.0.0.1:PORT).")
@with_appcontext
def create_user_command(email, full_name, team_name, role, plan, keep_existing, password, base_url):
    """Create a user (and a new team unless --team): a one-time set-password link for the web app (or --password),
    and its API token on the last line."""
    from app.extensions import db
    from app.users.passwords import issue_link, set_password
    from app.users.service import create_user, find_user

    if keep_existing and (existing := find_user(email)) is not None:
        click.echo(f"{existing.email} exists already: its API token is unchanged and keeps working "
                   "(a token is shown only when it is created).")
        click.echo(f"For a new token: socialscalr tokens rotate --email {existing.email} "
                   "(the old one stops working at once).")
        return
    try:
        user, token = create_user(email, full_name, team_name, role, plan)
    except ApiError as error:
        _fail(error)
    click.echo(f"created {user.email} as {user.team_role} of team: {user.team.name}")
    try:
        if password is not None:
            set_password(user, password)
        else:
            link = _set_password_url(issue_link(user), base_url)
        db.session.commit()
    except ApiError as error:
        _fail(error)
    if password is not None:
        click.echo("web app password set: sign in at /login")
    else:
        click.echo(f"web app: set a password at {link} (works once, for 7 days)")
    click.echo("API token (shown only now; keep it):")
    click.echo(token)


def _set_password_url(token: str, base_url: str | None) -> str:
    import os

    base = (base_url or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}").rstrip("/")
    return f"{base}/set-password/{token}"


@users.command("set-password")
@click.option("--email", required=True)
@click.option("--password", default=None, help="The new password; without it, a one-time link is printed instead.")
@click.option("--base-url", envvar="PUBLIC_URL", default=None, help="Where the web app is reached, for the link.")
@with_appcontext
def set_password_command(email, password, base_url):
    """Set a user's web app password (their web sessions end), or print a one-time link to set it."""
    from app.extensions import db
    from app.users.passwords import issue_link, set_password
    from app.users.service import find_user

    user = find_user(email)
    if user is None:
        _fail(ApiError(404, f"email: no user with email {email.strip().lower()}"))
    try:
        if password is not None:
            set_password(user, password)
        else:
            link = _set_password_url(issue_link(user), base_url)
        db.session.commit()
    except ApiError as error:
        _fail(error)
    if password is not None:
        click.echo(f"password set for {user.email}; their web sessions were signed out")
    else:
        click.echo(f"one-time link for {user.email} (works once, for 7 days):")
        click.echo(link)


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
    click.echo(f"revoked the previous token of {email.strip().lower()}: it stopped working. New API token:")
    click.echo(token)


@cli.command("worker")
@click.option("--queues", "groups", multiple=True, type=click.Choice(["engine", "webhooks", "publishing"]),
              help="A queue group to work (repeatable). Default: every group, each with worker processes of its own.")
@click.option("--webhook-workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes for the webhooks group (one endpoint is sent to by one of them at a time).")
@click.option("--engine-workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes for the engine group.")
@click.option("--publishing-workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes for SocialDock publishing (platform uploads, metrics).")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--http-port", type=click.IntRange(0, 65535), default=None, envvar="WORKER_HTTP_PORT",
              help="Serve /healthz, /readyz and /metrics for this worker on this port (also WORKER_HTTP_PORT).")
@click.option("--http-host", default="0.0.0.0", show_default=True, help="Address of --http-port.")
@with_appcontext
def worker_command(groups, webhook_workers, engine_workers, publishing_workers, burst, http_port, http_host):
    """Run RQ workers per queue group (with RQ's scheduler) and the periodic jobs, on REDIS_URL."""
    from app.queueing import is_embedded
    from worker.runner import run_workers

    if is_embedded():
        click.echo("error: REDIS_URL is not set; in embedded mode `socialscalr serve` runs the worker", err=True)
        sys.exit(1)
    counts = {"engine": engine_workers, "webhooks": webhook_workers, "publishing": publishing_workers}
    workers = {group: counts[group] for group in (groups or counts)}
    probe = (http_host, http_port) if http_port is not None else None
    clean = run_workers(current_app._get_current_object(), workers, burst=burst, probe=probe)
    sys.exit(0 if clean else 1)


@cli.command("worker-health")
@with_appcontext
def worker_health_command():
    """A probe for a worker's container: PostgreSQL, Redis, migrations at head, and a live RQ worker on this
    host. Prints the checks as JSON; exit status 0 when healthy, 1 otherwise."""
    import json

    from worker.probe import worker_health

    healthy, body = worker_health(current_app._get_current_object())
    click.echo(json.dumps(body))
    sys.exit(0 if healthy else 1)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, envvar="PORT", show_default=True, help="Also read from PORT.")
@click.option("--verbose", is_flag=True, help="Log every job the embedded worker runs (or set LOG_LEVEL=INFO).")
@with_appcontext
def serve_command(host, port, verbose):
    """Serve the API; in embedded mode (no REDIS_URL) also run the worker in this process."""
    import logging

    from werkzeug.serving import run_simple

    from app.logging_setup import quiet_rq
    from app.queueing import is_embedded
    from worker.runner import start_embedded_worker

    app = current_app._get_current_object()
    # The dev server speaks plain http: a Secure cookie would never come back, so nobody could sign in.
    app.config["SESSION_COOKIE_SECURE"] = False
    rq_level = quiet_rq(verbose)
    if is_embedded():
        start_embedded_worker(app)
        click.echo("embedded mode: SQLite/DATABASE_URL + in-process queue and worker")
        if rq_level > logging.INFO:
            click.echo("worker jobs are not logged; --verbose (or LOG_LEVEL=INFO) shows them")
    # Flask's app.run() refuses to block inside its own CLI; werkzeug's server is what it would run.
    run_simple(host, port, app, threaded=True, use_reloader=False)


@cli.group()
def dock():
    """SocialDock: API keys and the workspace's plan."""


@dock.group("keys")
def dock_keys():
    """SocialDock API keys (sd_live_ / sd_test_), valid 30 days, renewable."""


def _dock_user(email: str):
    from app.users.service import find_user

    user = find_user(email)
    if user is None:
        click.echo(f"error: no user with email {email}", err=True)
        sys.exit(1)
    return user


@dock_keys.command("create")
@click.option("--email", required=True)
@click.option("--test", "test_mode", is_flag=True, help="A sandbox key (sd_test_): nothing reaches a platform.")
@with_appcontext
def dock_keys_create_command(email, test_mode):
    """Create a key for the user's workspace and print it alone on the last line."""
    from app.extensions import db
    from app.socialdock.keys import issue_key, workspace_plan

    user = _dock_user(email)
    row, key = issue_key(user, "test" if test_mode else "live")
    db.session.commit()
    plan = workspace_plan(user.team_id)
    click.echo(f"created a {row.mode} SocialDock key for {user.email}, valid until "
               f"{row.expires_at:%Y-%m-%d %H:%M} UTC (workspace plan: {plan.upper()}"
               + ("; FREE has no API access: socialscalr dock plan --email E --plan build" if plan == "free" else "")
               + "). Key (shown only now; keep it):")
    click.echo(key)


@dock_keys.command("renew")
@click.option("--email", required=True)
@with_appcontext
def dock_keys_renew_command(email):
    """Every key of the user (not revoked) is valid for 30 days from now."""
    from app.extensions import db
    from app.socialdock.keys import renew_keys

    count = renew_keys(_dock_user(email))
    db.session.commit()
    click.echo(f"renewed {count} key(s) for 30 days")


@dock_keys.command("revoke")
@click.option("--email", required=True)
@with_appcontext
def dock_keys_revoke_command(email):
    """Every key of the user stops working at once."""
    from app.extensions import db
    from app.socialdock.keys import revoke_keys

    count = revoke_keys(_dock_user(email))
    db.session.commit()
    click.echo(f"revoked {count} key(s)")


@dock.command("rotate-token-keys")
@with_appcontext
def dock_rotate_token_keys_command():
    """Re-encrypt every stored platform credential with the first key of SOCIALDOCK_TOKEN_KEYS (then the old keys
    can be dropped from the setting)."""
    from app.socialdock.vault import VaultError, rotate_stored

    try:
        count = rotate_stored()
    except VaultError as error:
        click.echo(f"error: {error}; nothing was changed", err=True)
        sys.exit(1)
    click.echo(f"re-encrypted {count} stored credential(s) with the first key")


@dock.command("plan")
@click.option("--email", required=True)
@click.option("--plan", required=True, type=click.Choice(["free", "build", "accelerate", "unlimited"]))
@with_appcontext
def dock_plan_command(email, plan):
    """Set the SocialDock plan of the user's workspace (team)."""
    from app.extensions import db
    from app.socialdock.keys import PLAN_LIMITS, set_plan

    user = _dock_user(email)
    set_plan(user.team_id, plan)
    db.session.commit()
    limit = PLAN_LIMITS[plan]
    click.echo(f"workspace of {user.email} is on {plan.upper()}: "
               + (f"{limit} requests a minute" if limit else "no API access"))
