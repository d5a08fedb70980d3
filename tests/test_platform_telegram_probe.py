"""Telegram after a lost answer: the probe (editMessageReplyMarkup, no markup) walks the chat's message ids after the
last one we know. "Not sent" only past the chat's end; a busy chat is walked across checks; a message of the same bot
with buttons (another app) stops it; a private chat's ids prove nothing. Connecting pages through a backlog."""

import pytest
from flask import jsonify, request

from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, PlatformError, TokenSet
from app.platforms.telegram import ADAPTER
from app.platforms.telegram_probe import END_RUN, PROBE_LIMIT
from tests.fakes.base import lose_answer, reset
from tests.fakes.context import app_for, context
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram

CHAT = "-1001234567890"
SEND = f"/bot{BOT_TOKEN}/sendMessage"
BUTTONS = [[{"text": "Vote", "callback_data": "vote"}]]


@pytest.fixture(name="fake")
def _fake():
    with FakeTelegram() as fake:
        fake.add_chat(CHAT)
        yield fake


def _ctx(fake, known, chat=CHAT, text="Our announcement"):
    return context(app_for(ADAPTER, fake), TokenSet(BOT_TOKEN),
                   Identity(chat, "docknews", "Dock News", extra={"last_post_id": known}), text=text)


def _refresh():
    raise AssertionError("a bot token is never refreshed")


def _ours(fake) -> list[str]:
    return [post["text"] for post in fake.published() if post["text"] == "Our announcement"]


def test_a_chat_busier_than_one_check_is_walked_across_checks(fake):
    known = fake.person_posts(CHAT, "/connect 123456")
    for index in range(PROBE_LIMIT + 20):
        fake.person_posts(CHAT, f"chatter {index}")
    ctx = _ctx(fake, known)
    fake.arm("POST", SEND, lose_answer())
    with pytest.raises(PlatformError) as looking:
        publish_once(ADAPTER, ctx, _refresh)
    assert looking.value.kind is ErrorKind.RETRY_LATER and looking.value.maybe_happened
    assert ctx.checkpoint["probe_from"] == known + PROBE_LIMIT  # every id up to there is someone else's
    found = publish_once(ADAPTER, ctx, _refresh)
    assert _ours(fake) == ["Our announcement"] and found.platform_post_id == fake.published()[0]["id"]


def test_deleted_messages_before_ours_do_not_pass_for_the_chat_s_end(fake):
    known = fake.person_posts(CHAT, "/connect 123456")
    for index in range(END_RUN - 1):
        fake.delete(CHAT, fake.person_posts(CHAT, f"spam {index}"))
    ctx = _ctx(fake, known)
    fake.arm("POST", SEND, lose_answer())
    publish_once(ADAPTER, ctx, _refresh)
    assert _ours(fake) == ["Our announcement"]


def test_a_message_never_sent_is_sent_once_the_probe_saw_the_chat_s_end(fake):
    known = fake.person_posts(CHAT, "/connect 123456")
    fake.person_posts(CHAT, "someone writes")
    ctx = _ctx(fake, known)
    fake.arm("POST", SEND, reset())  # the connection broke before Telegram had the message
    with pytest.raises(PlatformError) as broken:
        publish_once(ADAPTER, ctx, _refresh)
    assert broken.value.kind is ErrorKind.RETRY_LATER and _ours(fake) == []
    publish_once(ADAPTER, ctx, _refresh)
    assert _ours(fake) == ["Our announcement"]


def test_a_message_of_the_same_bot_with_buttons_stops_the_probe(fake):
    """Another app using this bot token: its keyboard-less messages could not be told from ours, so the target
    fails rather than guess; the probe went no further than that message (a later one keeps its buttons)."""
    known = fake.person_posts(CHAT, "/connect 123456")
    first = fake.bot_posts(CHAT, "Poll of the day", keyboard=BUTTONS)
    second = fake.bot_posts(CHAT, "Another poll", keyboard=BUTTONS)
    ctx = _ctx(fake, known)
    fake.arm("POST", SEND, lose_answer())
    with pytest.raises(PlatformError) as unsure:
        publish_once(ADAPTER, ctx, _refresh)
    assert unsure.value.kind is ErrorKind.BAD_REQUEST and "check the chat" in unsure.value.message
    assert f"message {first}" in unsure.value.message
    assert _ours(fake) == ["Our announcement"]
    keyboards = {m["message_id"]: m.get("reply_markup") for m in fake.messages if m["chat_id"] == CHAT}
    assert keyboards[second] == {"inline_keyboard": BUTTONS}


@pytest.mark.parametrize("sent", [True, False])
def test_in_a_private_chat_a_gap_proves_nothing(fake, sent):
    """Private chats and basic groups share one numbering of message ids: ours is found when it is there, and
    otherwise the target fails with "check the chat" (never sent a second time)."""
    fake.add_chat("555000111", kind="private", username=None)
    known = fake.person_posts("555000111", "/connect 123456")
    ctx = _ctx(fake, known, chat="555000111")
    fake.arm("POST", SEND, lose_answer() if sent else reset())
    if sent:
        assert publish_once(ADAPTER, ctx, _refresh).platform_post_id == fake.published()[0]["id"]
        return
    with pytest.raises(PlatformError) as unsure:
        publish_once(ADAPTER, ctx, _refresh)
    assert unsure.value.kind is ErrorKind.BAD_REQUEST and "check the chat" in unsure.value.message
    assert _ours(fake) == []


def test_connecting_pages_through_a_backlog_of_updates(fake):
    app = app_for(ADAPTER, fake)
    for index in range(250):
        fake.person_posts(CHAT, f"backlog {index}")
    posted = fake.person_posts(CHAT, "/connect 654321")
    chat = ADAPTER.chat_with_code(app, BOT_TOKEN, "654321")
    assert chat is not None and chat.platform_account_id == CHAT and chat.extra["last_post_id"] == posted
    asked = [seen for seen in fake.requests if seen["path"].endswith("/getUpdates")]
    assert len(asked) == 3  # 100 + 100 + the page holding the code


def test_a_short_queue_of_updates_is_read_without_confirming_anything(fake):
    """Fewer than 100 updates: no offset is sent, so nothing another reader of the bot needs is confirmed."""
    app = app_for(ADAPTER, fake)
    for index in range(30):
        fake.person_posts(CHAT, f"hello {index}")
    assert ADAPTER.chat_with_code(app, BOT_TOKEN, "111111") is None
    assert len(fake.updates) == 30



def test_a_probe_slowed_down_by_telegram_goes_on_where_it_stopped(fake):
    known = fake.person_posts(CHAT, "/connect 123456")
    for index in range(5):
        fake.person_posts(CHAT, f"chatter {index}")
    probes = {"seen": 0}

    @fake.app.before_request
    def _slow_down_the_fourth_probe():  # Telegram's 429 once the probe has read three messages of other people
        if request.path.endswith("/editMessageReplyMarkup"):
            probes["seen"] += 1
            if probes["seen"] == 4:
                return jsonify(ok=False, error_code=429, description="Too Many Requests: retry after 3",
                               parameters={"retry_after": 3}), 429
        return None

    ctx = _ctx(fake, known)
    fake.arm("POST", SEND, lose_answer())
    with pytest.raises(PlatformError) as slowed:
        publish_once(ADAPTER, ctx, _refresh)
    assert slowed.value.kind is ErrorKind.RETRY_LATER and ctx.checkpoint["probe_from"] == known + 3
    found = publish_once(ADAPTER, ctx, _refresh)
    assert _ours(fake) == ["Our announcement"] and found.platform_post_id == fake.published()[0]["id"]
