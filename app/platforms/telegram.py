"""Telegram's Bot API (https://core.telegram.org/bots/api): a bot posts to the chat it was connected to.

No OAuth: each connection brings its own bot token (from @BotFather), checked with `getMe`; the chat is the one where
a person posted the one-time `/connect <code>` the connect page showed (found with `getUpdates`). The bot token is
the TokenSet's access token; it never expires and cannot be refreshed, so 401 Unauthorized (a revoked token) and 403
(the bot was kicked from the chat or blocked) disconnect the account. 429 carries `parameters.retry_after`.

Never twice. The Bot API cannot read a chat's history, so after a lost answer (a broken connection, any 5xx, an
unreadable 200) `find_published` probes the message ids after the last one we know in that chat (the connect
message, then each post we made: `ctx.account.extra` `last_post_id`) with `editMessageReplyMarkup` and no markup
(app/platforms/telegram_probe.py says what each answer means and why that probe). It answers "not sent" only after
seeing the chat's end; when no message id is known, or the answers cannot tell, it refuses to guess: the target fails
with "may have been sent; check the chat".
"""

from __future__ import annotations

import json
import re

from app.platforms.base import (
    AppCredentials,
    ErrorKind,
    Identity,
    Limit,
    PlatformAdapter,
    PlatformError,
    PublishContext,
    Published,
    PublishRequest,
    TokenSet,
)
from app.platforms.http import PlatformHttp, unreadable
from app.platforms.telegram_probe import find_sent
from app.platforms.telegram_rules import check_metadata

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
VIDEO_TYPES = ("video/mp4",)
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # upload limit of sendPhoto
MAX_VIDEO_BYTES = 50 * 1024 * 1024  # upload limit of bots (sendVideo / sendMediaGroup)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_GROUP = 10
UPDATES_PER_PAGE = 100  # getUpdates' most
UPDATE_PAGES = 50  # Telegram keeps unconfirmed updates 24 hours; 5000 is far more than a connect needs to read
_CONNECT = re.compile(r"^/connect(?:@\w+)?\s+(\d{6})\s*$")


def _connect_chat(update: dict, code: str) -> Identity | None:
    message = update.get("message") or update.get("channel_post") or {}
    found = _CONNECT.match(str(message.get("text") or "")) if isinstance(message, dict) else None
    if not found or found.group(1) != code or not isinstance(message.get("chat"), dict):
        return None
    chat = message["chat"]
    return Identity(platform_account_id=str(chat["id"]), username=chat.get("username"),
                    display_name=chat.get("title") or chat.get("first_name") or str(chat["id"]),
                    extra={"chat_type": chat.get("type"), "last_post_id": message.get("message_id")})


def _answer(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = {}
    return body if isinstance(body, dict) else {}


class TelegramAdapter(PlatformAdapter):
    platform = "telegram"
    default_api_base = "https://api.telegram.org"
    default_auth_base = "https://t.me"
    # About one message a second per chat, 20 a minute in a group, 30 a second per bot (Bots FAQ).
    limits = (Limit("publish", 1, 1, "chat"), Limit("publish", 20, 60, "chat"), Limit("publish", 30, 1, "app"))

    # --- the Bot API --------------------------------------------------------------------------------------------
    def _call(self, app: AppCredentials, token: str, method: str, *, write: bool = False, **kwargs) -> dict:
        http = PlatformHttp(app)
        path = f"bot{token}/{method}"
        try:
            response = (http.write if write else http.read)("POST", path, **kwargs)
        except PlatformError as error:
            raise self._classified(error) from None
        body = _answer(response)
        if response.status_code == 200 and body.get("ok"):
            return body
        if write and response.status_code < 300:  # Telegram answers errors with 4xx: this answer was lost on the way
            raise unreadable("Telegram", response, f"call {method}")
        raise self._refusal(response.status_code, body)

    def _classified(self, error: PlatformError) -> PlatformError:
        if error.status == 401:
            return PlatformError(ErrorKind.DISCONNECT, "Telegram: the bot token was revoked or is wrong (401 "
                                 "Unauthorized); connect the bot again", status=401, detail=error.detail)
        if error.status == 429:
            try:
                wait = float(json.loads(error.detail or "{}").get("parameters", {}).get("retry_after"))
            except (TypeError, ValueError, AttributeError):
                wait = error.retry_after
            return PlatformError(ErrorKind.RETRY_LATER, f"Telegram asked us to slow down; will try again in "
                                 f"{int(wait or 0)} s", retry_after=wait, status=429, detail=error.detail)
        return error

    def _refusal(self, status: int, body: dict) -> PlatformError:
        description = str(body.get("description") or f"HTTP {status}")
        detail = f"{body.get('error_code', status)}: {description}"[:300]
        if status == 403:
            return PlatformError(ErrorKind.DISCONNECT, f"Telegram: the bot can no longer post in this chat "
                                 f"({description}); add it again and reconnect", status=403, detail=detail)
        if status == 429:
            wait = (body.get("parameters") or {}).get("retry_after")
            return PlatformError(ErrorKind.RETRY_LATER, "Telegram asked us to slow down", status=429,
                                 retry_after=float(wait) if wait else 60.0, detail=detail)
        if status >= 500:
            return PlatformError(ErrorKind.RETRY_LATER, f"Telegram is unavailable (HTTP {status})", status=status,
                                 retry_after=30.0, detail=detail)
        if "chat not found" in description:
            return PlatformError(ErrorKind.DISCONNECT, "Telegram: the chat no longer exists or the bot is not in "
                                 "it; add the bot and reconnect", status=status, detail=detail)
        return PlatformError(ErrorKind.BAD_REQUEST, f"Telegram refused the message: {description}", status=status,
                             detail=detail)

    # --- connecting: a bot token and a code posted in the chat --------------------------------------------------
    def authorize_url(self, app, redirect_uri, state, code_challenge):
        raise PlatformError(ErrorKind.BAD_REQUEST, "Telegram connects with a bot token, not OAuth")

    def exchange_code(self, app, code, redirect_uri, code_verifier):
        raise PlatformError(ErrorKind.BAD_REQUEST, "Telegram connects with a bot token, not OAuth")

    def refresh(self, app: AppCredentials, tokens: TokenSet) -> TokenSet:
        return TokenSet(access_token=tokens.access_token)  # a bot token neither expires nor refreshes

    def bot(self, app: AppCredentials, bot_token: str) -> dict:
        """getMe: the bot behind the token ({id, username, first_name}); a wrong token is refused."""
        try:
            return self._call(app, bot_token, "getMe")["result"]
        except PlatformError as error:
            if error.kind is ErrorKind.DISCONNECT:
                raise PlatformError(ErrorKind.BAD_REQUEST, "Telegram does not know this bot token; copy it again "
                                    "from @BotFather", status=error.status, detail=error.detail) from None
            raise

    def chat_with_code(self, app: AppCredentials, bot_token: str, code: str) -> Identity | None:
        """The chat where `/connect <code>` was posted (a message or a channel post the bot received), if any.

        getUpdates answers at most 100 unconfirmed updates, oldest first, so a bot with a backlog is paged through
        with `offset`, which confirms (deletes for every reader) the updates before it. Only a full page is paged
        past: a backlog of 100 updates is one nobody else is reading (another app polling the bot confirms its
        updates as it goes, and a bot with a webhook cannot be polled at all), so nothing another app needs is
        lost. `allowed_updates` is not sent: Telegram keeps it as the bot's setting for every later reader."""
        offset = None
        for _ in range(UPDATE_PAGES):
            asked = {"timeout": 0, "limit": UPDATES_PER_PAGE} | ({"offset": offset} if offset is not None else {})
            updates = [update for update in self._call(app, bot_token, "getUpdates", json=asked).get("result") or []
                       if isinstance(update, dict)]
            for update in updates:
                if (chat := _connect_chat(update, code)) is not None:
                    return chat
            if len(updates) < UPDATES_PER_PAGE:
                return None
            offset = max(int(update.get("update_id") or 0) for update in updates) + 1
        return None

    def identities(self, app: AppCredentials, tokens: TokenSet) -> list[Identity]:
        """A bot acts in the chats it is added to; which one is learnt from the connect code (chat_with_code)."""
        return []

    # --- publishing ---------------------------------------------------------------------------------------------
    def check(self, request: PublishRequest) -> None:
        check_metadata(request.metadata)
        media = request.media
        if len(media) > MAX_GROUP:
            raise PlatformError(ErrorKind.BAD_REQUEST, f"Telegram: at most {MAX_GROUP} photos or videos a message")
        if not media and len(request.text) > MAX_TEXT:
            raise PlatformError(ErrorKind.BAD_REQUEST, f"Telegram: a message is at most {MAX_TEXT} characters")
        if media and len(request.text) > MAX_CAPTION:
            raise PlatformError(ErrorKind.BAD_REQUEST, f"Telegram: a caption under a photo or video is at most "
                                f"{MAX_CAPTION} characters")
        for item in media:
            if item.kind == "image":
                if item.mime_type not in PHOTO_TYPES:
                    raise PlatformError(ErrorKind.BAD_REQUEST, f"Telegram: photos must be JPEG, PNG or WebP, not "
                                        f"{item.mime_type}")
                if item.size_bytes > MAX_PHOTO_BYTES:
                    raise PlatformError(ErrorKind.BAD_REQUEST, "Telegram: a photo is at most 10 MB")
            elif item.kind == "video":
                if item.mime_type not in VIDEO_TYPES:
                    raise PlatformError(ErrorKind.BAD_REQUEST, f"Telegram: videos must be MP4, not {item.mime_type}")
                if item.size_bytes > MAX_VIDEO_BYTES:
                    raise PlatformError(ErrorKind.BAD_REQUEST, "Telegram: a bot can send videos of at most 50 MB")
            else:
                raise PlatformError(ErrorKind.BAD_REQUEST, f"Telegram: {item.mime_type} is neither a photo nor a "
                                    "video")

    def _chat(self, ctx: PublishContext) -> str:
        return str(ctx.request.metadata.get("chat_id") or ctx.account.platform_account_id)

    def _url(self, ctx: PublishContext, message_id) -> str | None:
        username = ctx.account.username
        return f"https://t.me/{username.lstrip('@')}/{message_id}" if username else None

    def _send(self, ctx: PublishContext) -> dict:
        app, token, chat, request = ctx.app, ctx.tokens.access_token, self._chat(ctx), ctx.request
        media = request.media
        if not media:
            return self._call(app, token, "sendMessage", write=True, json={"chat_id": chat, "text": request.text})
        if len(media) == 1:
            item = media[0]
            method, field = ("sendPhoto", "photo") if item.kind == "image" else ("sendVideo", "video")
            with item.open() as handle:
                return self._call(app, token, method, write=True, data={"chat_id": chat, "caption": request.text},
                                  files={field: (item.file_name or field, handle, item.mime_type)})
        handles = [item.open() for item in media]
        try:
            described = [{"type": "photo" if item.kind == "image" else "video", "media": f"attach://file{index}"}
                         | ({"caption": request.text} if index == 0 and request.text else {})
                         for index, item in enumerate(media)]
            files = {f"file{index}": (item.file_name or f"file{index}", handles[index], item.mime_type)
                     for index, item in enumerate(media)}
            return self._call(app, token, "sendMediaGroup", write=True,
                              data={"chat_id": chat, "media": json.dumps(described)}, files=files)
        finally:
            for handle in handles:
                handle.close()

    def _known(self, ctx: PublishContext) -> Published | None:
        done = ctx.checkpoint.get("message_id") or ctx.checkpoint.get("platform_post_id")
        return Published(str(done), self._url(ctx, done)) if done else None

    def publish(self, ctx: PublishContext) -> Published:
        if known := self._known(ctx):
            return known
        ctx.save(step="send", chat_id=self._chat(ctx), probe_from=ctx.account.extra.get("last_post_id"))
        result = self._send(ctx)["result"]
        messages = result if isinstance(result, list) else [result]
        first, last = messages[0]["message_id"], messages[-1]["message_id"]
        # An album is several messages: the next lost answer probes after its last one (`last_post_id`).
        ctx.save(message_id=first, last_post_id=last)
        return Published(str(first), self._url(ctx, first))

    def find_published(self, ctx: PublishContext) -> Published | None:
        if known := self._known(ctx):
            return known
        if ctx.checkpoint.get("step") != "send":
            return None  # nothing was sent
        known = ctx.checkpoint.get("probe_from")
        if known is None:
            raise PlatformError(ErrorKind.BAD_REQUEST, "Telegram: the message may have been sent and Telegram "
                                "cannot tell us; check the chat (it was not sent again)")
        chat = str(ctx.checkpoint.get("chat_id") or self._chat(ctx))
        found = find_sent(ctx, lambda method, **kwargs: self._call(ctx.app, ctx.tokens.access_token, method, **kwargs),
                          chat, int(known))
        return Published(str(found), self._url(ctx, found)) if found is not None else None

    # --- metrics ------------------------------------------------------------------------------------------------
    def account_metrics(self, ctx: PublishContext) -> dict:
        body = self._call(ctx.app, ctx.tokens.access_token, "getChatMemberCount",
                          json={"chat_id": ctx.account.platform_account_id})
        return {"followers": body["result"]}


ADAPTER = TelegramAdapter()
