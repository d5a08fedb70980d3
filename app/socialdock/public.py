"""SocialDock pages and files reached without an API key: the connect page (its `tok_` token is the
authorisation), stored media (platforms pull it; names are random), and the API reference."""

from html import escape

from flask import Blueprint, Response, abort, request, send_from_directory, url_for
from sqlalchemy import select

from app.extensions import db
from app.models import DockMedia
from app.socialdock import accounts, connect_pages, connections
from app.socialdock.connect_pages import finish, page
from app.socialdock.errors import DockError
from app.socialdock.media import ALLOWED_TYPES, media_dir

blueprint = Blueprint("socialdock_public", __name__)



def connect_url(token: str) -> str:
    return url_for("socialdock_public.connect_page", token=token, _external=True)


def _token_or_page():
    token = request.values.get("token", "")
    row = accounts.connect_token(token)
    if row is None:
        return None, token, page("Link expired", "<p>This connect link is unknown or has expired. Start the "
                                                 "connection again from the application.</p>", 404)
    return row, token, None


@blueprint.get("/connect")
def connect_page():
    """A sandbox connection is already made; a live LinkedIn one lists the workspace's extension accounts (and
    offers LinkedIn's own sign-in when configured); Telegram asks for a bot token; the others go to their OAuth."""
    row, token, refused = _token_or_page()
    if refused is not None:
        return refused
    if row.account_id is not None:
        return finish(row)
    if row.platform == connections.TELEGRAM:
        return connect_pages.telegram_page(row, token)
    if row.platform != accounts.EXTENSION_PLATFORM:
        return connect_pages.start_oauth(row)
    choices = accounts.extension_accounts(row.team_id)
    if not choices:
        return page("Connect LinkedIn", "<p>No LinkedIn account is known yet: install the SocialScalr extension, "
                                        "sign in to LinkedIn in that browser, then open this link again.</p>"
                    + connect_pages.oauth_link(row, token))
    items = "".join(
        f'<li><form method="post"><input type="hidden" name="token" value="{escape(token)}">'
        f'<input type="hidden" name="linkedin_account_id" value="{account.id}">'
        f'<button type="submit">Connect {escape(account.name or account.profile_url)}</button> '
        f'<small>{escape(account.profile_url)}</small></form></li>'
        for account in choices
    )
    return page("Connect LinkedIn", f"<p>Choose the LinkedIn account to publish as:</p><ul>{items}</ul>"
                + connect_pages.oauth_link(row, token))


@blueprint.post("/connect")
def connect_submit():
    row, token, refused = _token_or_page()
    if refused is not None:
        return refused
    if row.platform == connections.TELEGRAM:
        return connect_pages.telegram_submit(row, token)
    try:
        accounts.link_linkedin(row, request.form.get("linkedin_account_id", ""))
    except DockError as error:
        db.session.rollback()
        return page("Not connected", f"<p>{escape(str(error.details))}</p>", 400)
    db.session.commit()
    return finish(row)


@blueprint.get("/oauth/start")
def oauth_start():
    """LinkedIn's second way in (its own sign-in), from its connect page."""
    row, _token, refused = _token_or_page()
    if refused is not None:
        return refused
    return connect_pages.start_oauth(row)


@blueprint.get("/oauth/<platform>/callback")
def oauth_callback(platform: str):
    """Where a platform sends the person back with `code` and `state`."""
    return connect_pages.oauth_callback(platform[:20])


@blueprint.post("/oauth/<platform>/choose")
def oauth_choose(platform: str):
    """The page, page or channel the person picked when the login can publish as several."""
    return connect_pages.oauth_choose(platform[:20])


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

