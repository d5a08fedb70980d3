"""The pages a person sees while connecting a live account (reached without an API key: the connect token, the
OAuth state or the one-time pick value is the authorisation). Routes are in app/socialdock/public.py; the work is
app/socialdock/connections.py. Nothing secret is ever put in a page: not a token, not a code."""

from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Response, current_app, redirect, request, url_for

from app.extensions import db
from app.socialdock import connections
from app.socialdock.errors import DockError
from app.socialdock.ids import public_id

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>{title}</h1>{body}</body></html>
"""


def page(title: str, body: str, status: int = 200) -> Response:
    return Response(_PAGE.format(title=escape(title), body=body), status=status, mimetype="text/html",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                        "form-action 'self'"})


def with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def finish(row) -> Response:
    account_id = public_id("account", row.account_id)
    if row.redirect_url:
        return redirect(with_query(row.redirect_url, account_id=account_id, platform=row.platform), 303)
    return page("Connected", f"<p>Your {escape(row.platform)} account is connected "
                             f"(<code>{escape(account_id)}</code>). You can close this page.</p>")


def refused(error: connections.ConnectRefused | DockError) -> Response:
    db.session.rollback()
    message = error.message if isinstance(error, connections.ConnectRefused) else str(error.details)
    status = error.status if isinstance(error, connections.ConnectRefused) else 400
    return page("Not connected", f"<p>{escape(message)}</p>", status)


def public_base() -> str:
    """Where platforms and people reach this server: SOCIALDOCK_PUBLIC_BASE_URL, else the request's own host."""
    configured = (current_app.config.get("SOCIALDOCK_PUBLIC_BASE_URL") or "").rstrip("/")
    return configured or request.host_url.rstrip("/")


def callback_uri(platform: str) -> str:
    return public_base() + url_for("socialdock_public.oauth_callback", platform=platform)


def oauth_link(row, token: str) -> str:
    """A LinkedIn connect page's second way: sign in with LinkedIn (REST API publishing) when its app is set up."""
    if not connections.oauth_available(row.platform):
        return ""
    href = url_for("socialdock_public.oauth_start", token=token)
    return (f'<p>Or publish through LinkedIn\'s own API: <a href="{escape(href)}">sign in with LinkedIn</a>.</p>')


def start_oauth(row) -> Response:
    try:
        url = connections.begin_oauth(row, callback_uri(row.platform))
    except (connections.ConnectRefused, DockError) as error:
        return refused(error)
    db.session.commit()
    return redirect(url, 302)


def oauth_callback(platform: str) -> Response:
    if request.args.get("error"):
        reason = request.args.get("error_description") or request.args.get("error")
        return page("Not connected", f"<p>{escape(platform.title())} did not grant access "
                                     f"({escape(str(reason)[:200])}). Start connecting again from the application "
                                     "if you want to connect.</p>", 400)
    try:
        row, found, pick = connections.finish_oauth(platform, request.args.get("state", ""),
                                                    request.args.get("code", ""), callback_uri(platform))
    except (connections.ConnectRefused, DockError) as error:
        return refused(error)
    db.session.commit()
    if pick is None:
        return finish(row)
    return choice_page(platform, pick, found)


def choice_page(platform: str, pick: str, found) -> Response:
    action = url_for("socialdock_public.oauth_choose", platform=platform)
    items = "".join(
        f'<li><form method="post" action="{escape(action)}"><input type="hidden" name="pick" value="{escape(pick)}">'
        f'<input type="hidden" name="platform_account_id" value="{escape(identity.platform_account_id)}">'
        f'<button type="submit">Publish as {escape(identity.display_name or identity.username or "")}</button> '
        f'<small>{escape(identity.username or identity.platform_account_id)}</small></form></li>'
        for identity in found)
    return page(f"Connect {platform.title()}", f"<p>This login can publish as several accounts. Choose one:</p>"
                                               f"<ul>{items}</ul>")


def oauth_choose(platform: str) -> Response:
    try:
        row = connections.choose(platform, request.form.get("pick", ""), request.form.get("platform_account_id", ""))
    except (connections.ConnectRefused, DockError) as error:
        return refused(error)
    db.session.commit()
    return finish(row)


# --- Telegram ---------------------------------------------------------------------------------------------------
def _hidden(token: str) -> str:
    return f'<input type="hidden" name="token" value="{escape(token)}">'


def telegram_page(row, token: str, note: str = "") -> Response:
    pending = connections.telegram_pending(row)
    if pending is None:
        return page("Connect Telegram", f"""<p>1. Create a bot with <b>@BotFather</b> (or use yours) and paste its
token here. It is stored encrypted and never shown again.</p>
<form method="post">{_hidden(token)}<input type="hidden" name="step" value="bot">
<input name="bot_token" autocomplete="off" size="50" placeholder="123456:ABC-..."> <button type="submit">Next</button>
</form>""")
    bot = escape(pending.get("bot_username") or "your bot")
    return page("Connect Telegram", f"""{note}<p>2. Add <b>@{bot}</b> to the group or channel to publish in (as an admin
that may post in a channel), then post this message there:</p>
<p style="font-size: 1.5rem"><code>/connect {escape(pending["code"])}</code></p>
<form method="post">{_hidden(token)}<input type="hidden" name="step" value="chat">
<button type="submit">I posted it</button></form>""")


def telegram_submit(row, token: str) -> Response:
    try:
        if request.form.get("step") == "bot":
            connections.telegram_bot(row, request.form.get("bot_token", ""))
            db.session.commit()
            return telegram_page(row, token)
        account = connections.telegram_find_chat(row)
    except (connections.ConnectRefused, DockError) as error:
        return refused(error)
    if account is None:
        db.session.rollback()
        return telegram_page(row, token, "<p><b>The bot has not seen the code yet.</b> Check that it is in the chat "
                                         "and the message is exactly as shown, then try again.</p>")
    db.session.commit()
    return finish(row)
