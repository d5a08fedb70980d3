"""SocialDock pages and files reached without an API key: the connect page (its `tok_` token is the
authorisation), stored media (platforms pull it; names are random), and the API reference."""

from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, abort, redirect, request, send_from_directory, url_for
from sqlalchemy import select

from app.extensions import db
from app.models import DockMedia
from app.socialdock import accounts
from app.socialdock.errors import DockError
from app.socialdock.ids import public_id
from app.socialdock.media import ALLOWED_TYPES, media_dir

blueprint = Blueprint("socialdock_public", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>{title}</h1>{body}</body></html>
"""


def connect_url(token: str) -> str:
    return url_for("socialdock_public.connect_page", token=token, _external=True)


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(_PAGE.format(title=escape(title), body=body), status=status, mimetype="text/html",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                        "form-action 'self'"})


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _token_or_page():
    token = request.values.get("token", "")
    row = accounts.connect_token(token)
    if row is None:
        return None, token, _page("Link expired", "<p>This connect link is unknown or has expired. Start the "
                                                  "connection again from the application.</p>", 404)
    return row, token, None


def _finish(row) -> Response:
    account_id = public_id("account", row.account_id)
    if row.redirect_url:
        return redirect(_with_query(row.redirect_url, account_id=account_id, platform=row.platform), 303)
    return _page("Connected", f"<p>Your {escape(row.platform)} account is connected "
                              f"(<code>{escape(account_id)}</code>). You can close this page.</p>")


@blueprint.get("/connect")
def connect_page():
    """A sandbox connection is already made; a live LinkedIn one lists the workspace's extension accounts."""
    row, token, refused = _token_or_page()
    if refused is not None:
        return refused
    if row.account_id is not None:
        return _finish(row)
    choices = accounts.extension_accounts(row.team_id)
    if not choices:
        return _page("Connect LinkedIn", "<p>No LinkedIn account is known yet: install the SocialScalr extension, "
                                         "sign in to LinkedIn in that browser, then open this link again.</p>")
    items = "".join(
        f'<li><form method="post"><input type="hidden" name="token" value="{escape(token)}">'
        f'<input type="hidden" name="linkedin_account_id" value="{account.id}">'
        f'<button type="submit">Connect {escape(account.name or account.profile_url)}</button> '
        f'<small>{escape(account.profile_url)}</small></form></li>'
        for account in choices
    )
    return _page("Connect LinkedIn", f"<p>Choose the LinkedIn account to publish as:</p><ul>{items}</ul>")


@blueprint.post("/connect")
def connect_submit():
    row, _token, refused = _token_or_page()
    if refused is not None:
        return refused
    try:
        accounts.link_linkedin(row, request.form.get("linkedin_account_id", ""))
    except DockError as error:
        db.session.rollback()
        return _page("Not connected", f"<p>{escape(str(error.details))}</p>", 400)
    db.session.commit()
    return _finish(row)


@blueprint.get("/media/<name>")
def media_file(name: str):
    """The stored bytes, with HTTP Range and conditional requests (send_from_directory)."""
    row = db.session.scalar(select(DockMedia).where(DockMedia.storage_name == name))
    if row is None or row.mime_type not in ALLOWED_TYPES:
        abort(404)
    response = send_from_directory(media_dir(), row.storage_name, mimetype=row.mime_type, conditional=True,
                                   max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.get("/docs")
def docs_page():
    spec = url_for("socialdock-api-docs.openapi_json")
    return Response(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SocialDock API</title>'
        '<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head><body><div id="swagger-ui"></div>'
        '<script src="/docs/static/swagger-ui-bundle.js"></script>'
        f'<script>SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui"}});</script></body></html>',
        mimetype="text/html")

