"""Telegram's adapter against the loopback Bot API fake: text, photo, video and album; a lost answer ends with one
message (probing with editMessageReplyMarkup); 429 with retry_after; revoked token and kicked bot disconnect; check()
refuses what Telegram will not take; the chat's member count as followers."""

import pytest

from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, PlatformError, TokenSet
from app.platforms.telegram import ADAPTER
from tests.fakes.base import lose_answer, status
from tests.fakes.context import app_for, context, media_file
from tests.fakes.telegram import BOT_TOKEN, FakeTelegram
from tests.socialdock_helpers import JPEG, MP4

CHAT = "-1001234567890"


@pytest.fixture(name="fake")
def _fake():
    with FakeTelegram() as fake:
        fake.add_chat(CHAT)
        yield fake


def _ctx(fake, last_known=None, **kwargs):
    account = Identity(CHAT, "docknews", "Dock News", extra={"last_post_id": last_known})
    return context(app_for(ADAPTER, fake), TokenSet(BOT_TOKEN), account, **kwargs)


def _send_path() -> str:
    return f"/bot{BOT_TOKEN}/sendMessage"


def _refresh():
    raise AssertionError("a bot token is never refreshed")


def test_connect_checks_the_bot_and_finds_the_chat_by_its_code(fake):
    app = app_for(ADAPTER, fake)
    assert ADAPTER.bot(app, BOT_TOKEN)["username"] == "dock_bot"
    with pytest.raises(PlatformError) as refused:
        ADAPTER.bot(app, "999:wrong")
    assert refused.value.kind is ErrorKind.BAD_REQUEST and "BotFather" in refused.value.message
    assert ADAPTER.chat_with_code(app, BOT_TOKEN, "123456") is None
    posted = fake.person_posts(CHAT, "/connect@dock_bot 123456")
    chat = ADAPTER.chat_with_code(app, BOT_TOKEN, "123456")
    assert chat.platform_account_id == CHAT and chat.display_name == "Dock News"
    assert chat.extra["last_post_id"] == posted


def test_text_photo_video_and_album(fake, tmp_path):
    photo, video = tmp_path / "a.jpg", tmp_path / "b.mp4"
    photo.write_bytes(JPEG)
    video.write_bytes(MP4)
    sent = [ADAPTER.publish(_ctx(fake, text="Hello channel")),
            ADAPTER.publish(_ctx(fake, text="A photo", media=[media_file(str(photo))])),
            ADAPTER.publish(_ctx(fake, text="A video", media=[media_file(str(video))])),
            ADAPTER.publish(_ctx(fake, text="Both", media=[media_file(str(photo)), media_file(str(video))]))]
    assert [post["kind"] for post in fake.published()] == ["text", "photo", "video", "album"]
    assert [post["text"] for post in fake.published()] == ["Hello channel", "A photo", "A video", "Both"]
    assert fake.published()[1]["media"] == 1 and fake.published()[3]["media"] == 2
    assert sent[0].platform_post_url == f"https://t.me/docknews/{sent[0].platform_post_id}"


def test_a_lost_answer_is_found_by_probing_and_never_sent_twice(fake):
    known = fake.person_posts(CHAT, "someone says hi")
    ctx = _ctx(fake, last_known=known)
    fake.person_posts(CHAT, "someone else writes meanwhile")  # not ours: "message can't be edited"
    fake.arm("POST", _send_path(), lose_answer())
    published = publish_once(ADAPTER, ctx, _refresh)
    again = publish_once(ADAPTER, ctx, _refresh)
    assert len(fake.published()) == 1
    assert published.platform_post_id == again.platform_post_id == fake.published()[0]["id"]


def test_a_lost_answer_without_a_known_message_fails_rather_than_risk_a_second(fake):
    ctx = _ctx(fake)
    fake.arm("POST", _send_path(), lose_answer())
    with pytest.raises(PlatformError) as refused:
        publish_once(ADAPTER, ctx, _refresh)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and "check the chat" in refused.value.message
    assert len(fake.published()) == 1


def test_429_is_retry_later_with_telegram_s_retry_after(fake):
    fake.arm("POST", _send_path(), status(429, body='{"ok": false, "error_code": 429, "description": '
                                                  '"Too Many Requests: retry after 7", "parameters": '
                                                  '{"retry_after": 7}}'))
    with pytest.raises(PlatformError) as slowed:
        ADAPTER.publish(_ctx(fake))
    assert slowed.value.kind is ErrorKind.RETRY_LATER and slowed.value.retry_after == 7
    assert fake.published() == []


def test_revoked_token_and_kicked_bot_disconnect(fake):
    fake.kick(CHAT)
    with pytest.raises(PlatformError) as kicked:
        ADAPTER.publish(_ctx(fake))
    assert kicked.value.kind is ErrorKind.DISCONNECT and "kicked" in kicked.value.message
    fake.revoke()
    with pytest.raises(PlatformError) as revoked:
        publish_once(ADAPTER, _ctx(fake), _refresh)
    assert revoked.value.kind is ErrorKind.DISCONNECT and "revoked" in revoked.value.message


def test_check_refuses_what_telegram_will_not_take(tmp_path):
    big, gif = tmp_path / "big.jpg", tmp_path / "a.gif"
    big.write_bytes(JPEG + b"\x00" * (10 * 1024 * 1024))
    gif.write_bytes(b"GIF89a" + b"\x00" * 100)
    cases = [({"text": "x" * 4097}, "4096"), ({"text": "x" * 1025, "media": [media_file(str(big))]}, "1024"),
             ({"media": [media_file(str(big))]}, "10 MB"), ({"media": [media_file(str(gif))]}, "image/gif")]
    for kwargs, rule in cases:
        ctx = context(app_for(ADAPTER, type("F", (), {"url": "http://127.0.0.1:9"})()), TokenSet("t"),
                      Identity(CHAT, None, None), **kwargs)
        with pytest.raises(PlatformError) as refused:
            ADAPTER.check(ctx.request)
        assert refused.value.kind is ErrorKind.BAD_REQUEST and rule in refused.value.message


def test_account_metrics_are_the_chat_s_members(fake):
    assert ADAPTER.account_metrics(_ctx(fake)) == {"followers": 42}


def test_after_an_album_a_lost_answer_is_searched_past_the_album_s_last_message(fake, tmp_path):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(JPEG)
    known = fake.person_posts(CHAT, "hello")
    album = _ctx(fake, last_known=known, text="Album", media=[media_file(str(photo)), media_file(str(photo))])
    ADAPTER.publish(album)
    assert album.checkpoint["last_post_id"] == album.checkpoint["message_id"] + 1  # two messages
    later = _ctx(fake, last_known=album.checkpoint["last_post_id"], text="After the album")
    fake.arm("POST", _send_path(), lose_answer())
    found = publish_once(ADAPTER, later, _refresh)
    assert [post["text"] for post in fake.published()] == ["Album", "After the album"]
    assert found.platform_post_id == fake.published()[1]["id"]
