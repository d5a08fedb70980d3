"""The Telegram metadata a post may carry, checked by the adapter's `check()`: `chat_id`, the chat the connected
account is (a numeric id, or a public channel's @username); any other value is a BAD_REQUEST naming the field."""

from __future__ import annotations

import re

from app.platforms import metadata_rules as rules

CHAT_ID = re.compile(r"-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")


def check_metadata(metadata: dict) -> None:
    chat = metadata.get("chat_id")
    if chat is None:
        return
    if isinstance(chat, int) and not isinstance(chat, bool):
        chat = str(chat)
    if not isinstance(chat, str) or not CHAT_ID.fullmatch(chat):
        raise rules.refuse("Telegram", "chat_id", "the chat's numeric id or a channel's @username")
