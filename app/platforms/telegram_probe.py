"""Telegram: whether a message whose answer was lost went out. The Bot API cannot read a chat's history, so the
message ids after the last one we know in the chat are probed one by one.

The probe is `editMessageReplyMarkup` with no `reply_markup` (Bot API reference: it edits "only the reply markup of
messages"; an edit that changes nothing is refused with "message is not modified"). Telegram answers:
- "message is not modified": a message of this bot without an inline keyboard. Our posts never carry one, and the
  publisher sends one message at a time per chat, so the first such message after the known one is ours. Nothing
  was changed.
- "message can't be edited": someone else's message (or a service message): not ours, nothing changed.
- "message to edit not found": a deleted message, an id of another chat, or past the chat's end.
- success (the edited Message): the message was this bot's and carried an inline keyboard, which Telegram just
  removed. Ours never carry a keyboard, so it was sent by something else using the same bot; its keyboard-less
  messages cannot be told from ours either, so the probe stops and the target fails with "check the chat".

No method of the Bot API reads a message, and every edit method changes a message whose content differs from what
is sent; this one cannot change our posts nor anyone else's, only a keyboard of another use of the same bot (hence
"use a bot of its own for SocialScalr" in docs/platforms/telegram.md). The answer carries no text except on
success, so the text cannot be matched.

"Certainly not sent" (None) is answered only when the end of the chat was seen: END_RUN ids in a row not found.
That holds in supergroups and channels (chat ids starting -100), whose message ids are numbered per chat; private
chats and basic groups share one numbering across every such chat of the bot, so a gap proves nothing there and
the target fails with "check the chat" instead. A busy chat is walked PROBE_LIMIT ids per check (RETRY_LATER
after that); what was proved not ours is saved (`probe_from`) so the next check goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable

from app.platforms.base import ErrorKind, PlatformError, PublishContext

PROBE_LIMIT = 100  # ids probed per check (Telegram allows a bot about 30 calls a second)
END_RUN = 10  # consecutive "not found" ids taken as the chat's end (a longer run of deleted messages is unlikely)


def _unsure(why: str) -> PlatformError:
    return PlatformError(ErrorKind.BAD_REQUEST, f"Telegram: the message may have been sent ({why}); check the "
                         "chat (it was not sent again)", detail=why)


def per_chat_ids(chat_id: str) -> bool:
    """Supergroups and channels (ids -100...) number their messages per chat."""
    return str(chat_id).startswith("-100")


def find_sent(ctx: PublishContext, call: Callable[..., dict], chat: str, known: int) -> int | None:
    """The id of our message after `known`, None when the chat's end was reached without it; BAD_REQUEST when
    that cannot be told. `call(method, json=...)` is the Bot API call (a refusal raises PlatformError)."""
    per_chat, missing, proved = per_chat_ids(chat), 0, known  # `proved`: no id up to it is ours
    for message_id in range(known + 1, known + 1 + PROBE_LIMIT):
        try:
            call("editMessageReplyMarkup", json={"chat_id": chat, "message_id": message_id})
        except PlatformError as error:
            said = (error.detail or "").lower()
            if error.kind is not ErrorKind.BAD_REQUEST:  # 429, unreachable: the next check goes on from here
                if per_chat and proved > known:
                    ctx.save(probe_from=proved)
                raise
            if "message is not modified" in said:
                return message_id
            if "message to edit not found" in said:
                missing += 1
                if missing >= END_RUN and per_chat:
                    return None
                continue
            missing = 0  # it exists and is not ours ("message can't be edited"); in a supergroup or channel the
            proved = message_id if per_chat else proved  # ids missing before it are deleted messages
            continue
        raise _unsure(f"message {message_id} of this bot carries buttons, so the bot also posts for something "
                      "else in this chat and its messages cannot be told from ours")
    if not per_chat:
        raise _unsure("in a private chat or basic group Telegram's message ids do not show where the chat ends")
    ctx.save(probe_from=proved)  # the next check goes on from here
    raise PlatformError(ErrorKind.RETRY_LATER, f"Telegram: more than {PROBE_LIMIT} messages were written in the chat "
                        "since ours may have been sent; still looking for it", retry_after=5.0,
                        maybe_happened=True, detail=f"probed up to message {known + PROBE_LIMIT}")
