"""A loopback Telegram Bot API (https://core.telegram.org/bots/api): `POST /bot<token>/<method>` with JSON, form or
multipart parameters, answering `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description",
"parameters"}` as Telegram does.

Methods: getMe, getUpdates (at most `limit`, 100 by default, of the unconfirmed updates from `offset`; an offset
confirms every update below it, and confirmed updates are gone for every reader), sendMessage, sendPhoto,
sendVideo, sendMediaGroup (multipart `attach://` files or URLs), editMessageReplyMarkup (a message of this bot: its
inline keyboard replaced and the edited Message returned, or "message is not modified" when it is the same; "message
can't be edited" for others', "message to edit not found" for a deleted or unknown id), getChatMemberCount. Message
ids are sequential per chat. `person_posts(chat_id, text)` is a person writing in the chat (an update the bot
receives, a message id taken); `bot_posts(chat_id, text, keyboard)` is the same bot posting for another app;
`delete(chat_id, message_id)` removes a message; `kick(chat_id)` makes the chat answer 403 "bot was kicked";
`revoke()` makes every token answer 401.
About one message a second per chat is enforced only when `enforce_chat_rate` is set (429 with retry_after).
"""

from __future__ import annotations

import json
import time

from flask import jsonify, request

from tests.fakes.base import FakePlatform

BOT_TOKEN = "123456:AAH-fake-telegram-bot-token-for-tests"


class FakeTelegram(FakePlatform):
    name = "telegram"

    def __init__(self):
        self.tokens = {BOT_TOKEN: {"id": 123456, "is_bot": True, "first_name": "Dock Bot", "username": "dock_bot"}}
        self.revoked: set[str] = set()
        self.kicked: set[str] = set()
        self.chats: dict[str, dict] = {}
        self.messages: list[dict] = []  # every message in every chat, ours and the people's
        self.updates: list[dict] = []  # unconfirmed updates (getUpdates with a higher offset confirms them)
        self.next_update_id = 1
        self.enforce_chat_rate = False
        self._last_send: dict[str, float] = {}
        super().__init__()

    # --- what a test does -----------------------------------------------------------------------------------------
    def add_chat(self, chat_id: str, title: str = "Dock News", username: str | None = "docknews",
                 kind: str = "supergroup", members: int = 42) -> None:
        self.chats[str(chat_id)] = {"id": int(chat_id), "type": kind, "title": title, "username": username,
                                    "members": members, "next_id": 1}

    def person_posts(self, chat_id: str, text: str) -> int:
        with self.lock:
            chat = self.chats[str(chat_id)]
            message = self._message(chat, text, by_bot=False)
            self.updates.append({"update_id": self.next_update_id, "message": self._shown(message)})
            self.next_update_id += 1
            return message["message_id"]

    def bot_posts(self, chat_id: str, text: str, keyboard: list | None = None) -> int:
        """The same bot posting for another app (with an inline keyboard when given)."""
        with self.lock:
            message = self._message(self.chats[str(chat_id)], text, by_bot=True)
            message["reply_markup"] = {"inline_keyboard": keyboard} if keyboard else None
            return message["message_id"]

    def delete(self, chat_id: str, message_id: int) -> None:
        with self.lock:
            self.messages = [m for m in self.messages
                             if not (m["chat_id"] == str(chat_id) and m["message_id"] == message_id)]

    def kick(self, chat_id: str) -> None:
        self.kicked.add(str(chat_id))

    def revoke(self) -> None:
        self.revoked.update(self.tokens)

    def expire_access_tokens(self) -> None:
        """Bot tokens never expire (only revoke() ends them): nothing to do."""

    def published(self) -> list[dict]:
        """One entry per post of the bot: an album (several messages sharing a media_group_id) counts once."""
        posts: list[dict] = []
        groups: dict[str, dict] = {}
        for m in self.messages:
            if not m["by_bot"]:
                continue
            if m["media_group_id"] in groups:
                groups[m["media_group_id"]]["media"] += len(m["media"])
                continue
            post = {"id": str(m["message_id"]), "chat_id": m["chat_id"], "text": m["text"], "media": len(m["media"]),
                    "kind": m["kind"]}
            posts.append(post)
            if m["media_group_id"]:
                groups[m["media_group_id"]] = post
        return posts

    # --- the API ------------------------------------------------------------------------------------------------
    def _message(self, chat: dict, text: str, by_bot: bool, kind: str = "text", media=(), group=None) -> dict:
        message = {"message_id": chat["next_id"], "chat_id": str(chat["id"]), "text": text, "by_bot": by_bot,
                   "kind": kind, "media": list(media), "date": int(time.time()), "media_group_id": group}
        chat["next_id"] += 1
        self.messages.append(message)
        return message

    def _shown(self, message: dict) -> dict:
        chat = self.chats[message["chat_id"]]
        shown = {"message_id": message["message_id"], "date": message["date"],
                 "chat": {key: chat[key] for key in ("id", "type", "title", "username") if chat.get(key)}}
        shown["caption" if message["media"] else "text"] = message["text"]
        if message.get("media_group_id"):
            shown["media_group_id"] = message["media_group_id"]
        if message.get("reply_markup"):
            shown["reply_markup"] = message["reply_markup"]
        return shown

    @staticmethod
    def _error(code: int, description: str, **parameters):
        body = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return jsonify(body), code

    def _params(self) -> dict:
        if request.is_json:
            return dict(request.get_json(silent=True) or {})
        return request.values.to_dict()

    def routes(self) -> None:
        @self.app.post("/bot<token>/<method>")
        def call(token: str, method: str):
            if token not in self.tokens or token in self.revoked:
                return self._error(401, "Unauthorized")
            params = self._params()
            handler = getattr(self, "_m_" + method, None)
            if handler is None:
                return self._error(404, "Not Found")
            with self.lock:
                return handler(token, params)

    def _chat(self, params: dict):
        chat_id = str(params.get("chat_id", ""))
        if chat_id not in self.chats:
            return None, self._error(400, "Bad Request: chat not found")
        if chat_id in self.kicked:
            return None, self._error(403, "Forbidden: bot was kicked from the supergroup chat")
        return self.chats[chat_id], None

    def _ok(self, result):
        return jsonify({"ok": True, "result": result})

    def _m_getMe(self, token, params):
        return self._ok(self.tokens[token])

    def _m_getUpdates(self, token, params):
        offset, limit = int(params.get("offset") or 0), min(max(int(params.get("limit") or 100), 1), 100)
        if offset > 0:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
        return self._ok(self.updates[:limit])

    def _m_getChatMemberCount(self, token, params):
        chat, refused = self._chat(params)
        return refused or self._ok(chat["members"])

    def _paced(self, chat: dict):
        now = time.monotonic()
        last = self._last_send.get(str(chat["id"]))
        if self.enforce_chat_rate and last is not None and now - last < 1:
            return self._error(429, "Too Many Requests: retry after 1", retry_after=1)
        self._last_send[str(chat["id"])] = now
        return None

    def _m_sendMessage(self, token, params):
        chat, refused = self._chat(params)
        if refused:
            return refused
        text = str(params.get("text") or "")
        if not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return self._error(400, "Bad Request: message is too long")
        return self._paced(chat) or self._ok(self._shown(self._message(chat, text, True)))

    def _file(self, value: str | None) -> dict | None:
        if isinstance(value, str) and value.startswith("attach://"):
            upload = request.files.get(value.removeprefix("attach://"))
            return {"size": len(upload.read()), "type": upload.mimetype} if upload else None
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return {"url": value}
        return None

    def _single(self, params: dict, field: str, kind: str):
        chat, refused = self._chat(params)
        if refused:
            return refused
        upload = request.files.get(field)
        item = {"size": len(upload.read()), "type": upload.mimetype} if upload else self._file(params.get(field))
        if item is None:
            return self._error(400, f"Bad Request: there is no {field} in the request")
        if len(str(params.get("caption") or "")) > 1024:
            return self._error(400, "Bad Request: message caption is too long")
        if kind == "photo" and item.get("size", 0) > 10 * 1024 * 1024:
            return self._error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        message = self._message(chat, str(params.get("caption") or ""), True, kind, [item])
        return self._paced(chat) or self._ok(self._shown(message))

    def _m_sendPhoto(self, token, params):
        return self._single(params, "photo", "photo")

    def _m_sendVideo(self, token, params):
        return self._single(params, "video", "video")

    def _m_sendMediaGroup(self, token, params):
        chat, refused = self._chat(params)
        if refused:
            return refused
        try:
            described = json.loads(params.get("media") or "[]")
        except ValueError:
            return self._error(400, "Bad Request: can't parse media JSON object")
        if not isinstance(described, list) or not 2 <= len(described) <= 10:
            return self._error(400, "Bad Request: wrong number of media in the album")
        items = [self._file(entry.get("media")) for entry in described]
        if any(item is None for item in items):
            return self._error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption = str(described[0].get("caption") or "")
        group = str(chat["next_id"])  # one message per item, as Telegram sends an album, sharing media_group_id
        sent = [self._message(chat, caption if index == 0 else "", True, "album", [item], group=group)
                for index, item in enumerate(items)]
        return self._paced(chat) or self._ok([self._shown(message) for message in sent])

    def _m_editMessageReplyMarkup(self, token, params):
        chat, refused = self._chat(params)
        if refused:
            return refused
        wanted = int(params.get("message_id") or 0)
        for message in self.messages:
            if message["chat_id"] == str(chat["id"]) and message["message_id"] == wanted:
                if not message["by_bot"]:
                    return self._error(400, "Bad Request: message can't be edited")
                markup = params.get("reply_markup") or None
                if isinstance(markup, str):
                    markup = json.loads(markup)
                if markup == message.get("reply_markup"):
                    return self._error(400, "Bad Request: message is not modified: specified new message content "
                                            "and reply markup are exactly the same as a current content and reply "
                                            "markup of the message")
                message["reply_markup"] = markup
                return self._ok(self._shown(message))
        return self._error(400, "Bad Request: message to edit not found")


FAKE_CLASSES = (FakeTelegram,)
