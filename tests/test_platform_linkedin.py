"""The LinkedIn REST adapter against a loopback LinkedIn (tests/fakes/linkedin.py): OAuth, identities, text /
image / video posts, a video resumed after a dropped part, 401 refreshed once, 429, a lost answer ending with one
post, revoked access, LinkedIn's refusals in words, the media rules and the numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask

from app.platforms import registry
from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, MediaItem, PlatformError, TokenSet
from app.platforms.config import app_credentials
from app.platforms.linkedin import ADAPTER
from app.platforms.linkedin_api import seconds_to_utc_midnight
from tests.fakes.base import lose_answer, status
from tests.fakes.context import app_for, context
from tests.fakes.linkedin import FakeLinkedIn
from tests.linkedin_helpers import PART, fresh_tokens, member, organization


@pytest.fixture
def fake():
    with FakeLinkedIn(video_part_size=PART) as running:
        yield running


@pytest.fixture
def app(fake):
    return app_for(ADAPTER, fake, video_poll_seconds=0)


def test_registered():
    assert registry.adapter_for("linkedin") is ADAPTER


def test_oauth_round_trip_and_a_wrong_code_refused(fake, app):
    url = ADAPTER.authorize_url(app, "https://app.example/cb", "st4te", None)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(fake.url + "/oauth/v2/authorization?")
    assert query["client_id"] == ["test-client"] and query["redirect_uri"] == ["https://app.example/cb"]
    assert query["state"] == ["st4te"] and "w_member_social" in query["scope"][0].split(" ")

    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == ["st4te"]
    tokens = ADAPTER.exchange_code(app, back["code"][0], "https://app.example/cb", None)
    assert tokens.access_token and tokens.refresh_token and tokens.expires_at and tokens.refresh_expires_at

    with pytest.raises(PlatformError) as refused:
        ADAPTER.exchange_code(app, back["code"][0], "https://app.example/cb", None)  # a code works once
    assert refused.value.kind is ErrorKind.DISCONNECT and "authorization code" in refused.value.message

    with pytest.raises(PlatformError) as made_up:
        ADAPTER.exchange_code(app, "not-a-code", "https://app.example/cb", None)
    assert made_up.value.kind is ErrorKind.DISCONNECT
    assert requests.get(url.replace("client_id=test-client", "client_id=someone-else"), allow_redirects=False,
                        timeout=5).status_code == 400

    renewed = ADAPTER.refresh(app, tokens)
    assert renewed.access_token != tokens.access_token and renewed.refresh_token == tokens.refresh_token


def test_without_a_refresh_token_the_access_token_serves_until_it_expires(fake, app):
    access, _ = fake.issue_tokens()
    valid = TokenSet(access_token=access, expires_at=datetime.now(UTC) + timedelta(days=3))
    assert ADAPTER.refresh(app, valid).access_token == access  # a refresh ahead of expiry does not disconnect
    with pytest.raises(PlatformError) as expired:
        ADAPTER.refresh(app, TokenSet(access_token=access, expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert expired.value.kind is ErrorKind.DISCONNECT and "connect the account again" in expired.value.message
    assert fake.calls("POST", "/oauth/v2/accessToken") == 0


def test_identities_are_the_member_and_the_organizations_it_administers(fake, app):
    fake.organizations.append((99, "Not Mine", "notmine", "ANALYST"))
    found = ADAPTER.identities(app, fresh_tokens(fake))
    assert [(one.platform_account_id, one.display_name, one.extra["kind"]) for one in found] == [
        (fake.member_urn, "Ada Lovelace", "member"), ("urn:li:organization:2414183", "Acme Corp", "organization")]


def test_an_app_with_basic_profile_instead_of_openid_still_finds_the_member(fake, app):
    fake.openid, fake.organizations = False, []
    (found,) = ADAPTER.identities(app, fresh_tokens(fake))
    assert (found.platform_account_id, found.username, found.display_name) == (fake.member_urn, "ada",
                                                                               "Ada Lovelace")


def test_text_post_with_linkedin_headers_and_escaped_text(fake, app):
    text = "Launch day (finally) #shipit — thanks @team!"
    ctx = context(app, fresh_tokens(fake), member(fake), text=text)
    published = ADAPTER.publish(ctx)
    assert published.platform_post_id.startswith("urn:li:share:")
    assert published.platform_post_url == f"https://www.linkedin.com/feed/update/{published.platform_post_id}/"
    assert fake.published() == [{"id": published.platform_post_id, "text": text, "author": fake.member_urn,
                                 "media": 0, "kind": "text"}]
    assert fake.posts[0]["commentary"] == r"Launch day \(finally\) \#shipit — thanks \@team!"
    for seen in fake.requests:
        if seen["path"].startswith("/rest/"):
            assert seen["headers"]["Linkedin-Version"].isdigit() and seen["headers"]["X-Restli-Protocol-Version"]


def test_a_link_is_shared_as_an_article(fake, app):
    ctx = context(app, fresh_tokens(fake), member(fake), text="Worth a read", title="The article",
                  metadata={"url": "https://example.com/post"})
    ADAPTER.publish(ctx)
    assert fake.posts[0]["kind"] == "article"
    assert fake.posts[0]["body"]["content"] == {"article": {"source": "https://example.com/post",
                                                            "title": "The article"}}
    for metadata, media, rule in (({"url": "ftp://x.example"}, [], "http(s) link"),
                                  ({"url": "https://x.example"}, [_item("image", "image/png", 10, "a.png")],
                                   "not both")):
        with pytest.raises(PlatformError) as refused:
            ADAPTER.check(context(app, fresh_tokens(fake), member(fake), metadata=metadata, media=media).request)
        assert refused.value.kind is ErrorKind.BAD_REQUEST and rule in refused.value.message


def test_the_fake_refuses_a_call_without_the_version_headers(fake):
    access, _ = fake.issue_tokens()
    answer = requests.post(fake.url + "/rest/posts", json={}, headers={"Authorization": f"Bearer {access}"}, timeout=5)
    assert answer.status_code == 400 and answer.json()["code"] == "VERSION_MISSING"


def test_401_raises_refresh_and_publish_once_refreshes_and_retries_once(fake, app):
    tokens = fresh_tokens(fake)
    fake.expire_access_tokens()
    ctx = context(app, tokens, member(fake), text="After a refresh")
    with pytest.raises(PlatformError) as expired:
        ADAPTER.publish(ctx)
    assert expired.value.kind is ErrorKind.REFRESH_TOKEN

    refreshed = []
    published = publish_once(ADAPTER, ctx, lambda: refreshed.append(1) or ADAPTER.refresh(app, tokens))
    assert refreshed == [1] and [post["id"] for post in fake.published()] == [published.platform_post_id]


def test_429_is_retry_later_with_the_wait(fake, app):
    fake.arm("POST", "/rest/posts", status(429, retry_after=17, body='{"status":429,"message":"Too Many Requests"}'))
    with pytest.raises(PlatformError) as slowed:
        ADAPTER.publish(context(app, fresh_tokens(fake), member(fake)))
    assert slowed.value.kind is ErrorKind.RETRY_LATER and slowed.value.retry_after == 17
    assert fake.published() == []


def test_a_daily_limit_waits_for_linkedins_reset_at_midnight_utc(fake, app):
    body = json.dumps({"status": 429, "message": "Resource level throttle MEMBER DAY limit for calls to this "
                                                 "resource is reached."})
    fake.arm("POST", "/rest/posts", status(429, body=body))
    with pytest.raises(PlatformError) as daily:
        ADAPTER.publish(context(app, fresh_tokens(fake), member(fake)))
    assert daily.value.kind is ErrorKind.RETRY_LATER and "daily limit" in daily.value.message
    assert seconds_to_utc_midnight(datetime(2026, 11, 26, 23, 0, tzinfo=UTC)) == 3600
    assert 0 < daily.value.retry_after <= 86400 and "midnight UTC" in daily.value.message


def test_a_lost_publish_answer_ends_with_exactly_one_post(fake, app):
    ctx = context(app, fresh_tokens(fake), member(fake), text="Only once (really)")
    fake.arm("POST", "/rest/posts", lose_answer())
    first = publish_once(ADAPTER, ctx, lambda: pytest.fail("no refresh needed"))
    second = publish_once(ADAPTER, ctx, lambda: pytest.fail("no refresh needed"))
    assert first.platform_post_id == second.platform_post_id == fake.published()[0]["id"]
    assert len(fake.published()) == 1 and fake.calls("POST", "/rest/posts") == 1


def test_a_lost_answer_is_recognised_although_linkedin_trimmed_the_text(fake, app):
    ctx = context(app, fresh_tokens(fake), member(fake), text="  Spaced out (a bit)\n")
    fake.arm("POST", "/rest/posts", lose_answer())
    publish_once(ADAPTER, ctx, lambda: pytest.fail("no refresh needed"))
    assert len(fake.published()) == 1 and ctx.checkpoint["platform_post_id"] == fake.published()[0]["id"]


def test_a_lost_answer_that_cannot_be_checked_fails_instead_of_posting_again(fake, app):
    fake.can_read_posts = False
    ctx = context(app, fresh_tokens(fake), member(fake), text="Cannot check")
    fake.arm("POST", "/rest/posts", lose_answer())
    with pytest.raises(PlatformError) as unsure:
        publish_once(ADAPTER, ctx, lambda: pytest.fail("no refresh needed"))
    assert unsure.value.kind is ErrorKind.BAD_REQUEST and "look at the LinkedIn feed" in unsure.value.message
    assert len(fake.published()) == 1


def test_revoked_access_disconnects(fake, app):
    tokens = fresh_tokens(fake)
    fake.revoke()
    ctx = context(app, tokens, member(fake))
    with pytest.raises(PlatformError) as revoked:
        ADAPTER.publish(ctx)
    assert revoked.value.kind is ErrorKind.DISCONNECT and "revoked" in revoked.value.message
    with pytest.raises(PlatformError) as refresh:
        ADAPTER.refresh(app, tokens)
    assert refresh.value.kind is ErrorKind.DISCONNECT
    assert fake.published() == []


def test_linkedins_refusals_in_words(fake, app):
    stranger = Identity("urn:li:organization:555", "other", "Other Co")
    with pytest.raises(PlatformError) as forbidden:
        ADAPTER.publish(context(app, fresh_tokens(fake), stranger))
    assert forbidden.value.kind is ErrorKind.DISCONNECT and "Not enough permissions" in forbidden.value.message

    body = json.dumps({"status": 422, "code": "UNPROCESSABLE_ENTITY", "message": "Content is a duplicate"})
    fake.arm("POST", "/rest/posts", status(422, body=body))
    with pytest.raises(PlatformError) as duplicate:
        ADAPTER.publish(context(app, fresh_tokens(fake), member(fake)))
    assert duplicate.value.kind is ErrorKind.BAD_REQUEST
    assert duplicate.value.message == "LinkedIn refused to publish the post: Content is a duplicate"


def _item(kind: str, mime: str, size: int, name: str) -> MediaItem:
    return MediaItem(url="http://127.0.0.1:9/m", mime_type=mime, size_bytes=size, kind=kind, file_name=name,
                     open=lambda: pytest.fail("check reads no bytes"))


@pytest.mark.parametrize(("text", "media", "rule"), [
    ("x" * 3001, [], "at most 3000"),
    ("hi", [_item("image", "image/webp", 1000, "a.webp")], "JPEG, PNG or GIF"),
    ("hi", [_item("image", "image/png", 6 * 1024 * 1024, "big.png")], "at most 5 MB"),
    ("hi", [_item("video", "video/mp4", 600 * 1024 * 1024, "long.mp4")], "75 KB to 500 MB"),
    ("hi", [_item("video", "video/quicktime", 1024 * 1024, "a.mov")], "MP4"),
    ("hi", [_item("video", "video/mp4", 1024 * 1024, "a.mp4"), _item("image", "image/png", 10, "b.png")],
     "one video and nothing else"),
    ("hi", [_item("image", "image/png", 10, f"{n}.png") for n in range(21)], "at most 20 images"),
])
def test_check_refuses_what_linkedin_will_not_take(fake, app, text, media, rule):
    ctx = context(app, fresh_tokens(fake), member(fake), text=text, media=media)
    with pytest.raises(PlatformError) as refused:
        ADAPTER.check(ctx.request)
    assert refused.value.kind is ErrorKind.BAD_REQUEST and rule in refused.value.message
    with pytest.raises(PlatformError):
        ADAPTER.publish(ctx)
    assert fake.requests == []  # nothing was sent


def test_metrics_for_member_and_organization_posts(fake, app):
    tokens = fresh_tokens(fake)
    member_ctx = context(app, tokens, member(fake), text="Member numbers")
    member_post = ADAPTER.publish(member_ctx).platform_post_id
    org_ctx = context(app, tokens, organization(), text="Company numbers")
    org_post = ADAPTER.publish(org_ctx).platform_post_id

    assert ADAPTER.post_metrics(member_ctx, member_post) == {"likes": 7, "comments": 3}
    assert ADAPTER.post_metrics(org_ctx, org_post) == {"impressions": 120, "reach": 95, "likes": 7, "comments": 3,
                                                      "shares": 2, "clicks": 11}
    assert ADAPTER.account_metrics(member_ctx) == {"followers": 512}
    assert ADAPTER.account_metrics(org_ctx) == {"followers": 4200}


def test_a_garbled_answer_is_retry_later_not_a_crash(fake, app):
    fake.arm("GET", "/v2/userinfo", status(200, body="<html>upstream error</html>"))
    with pytest.raises(PlatformError) as garbled:
        ADAPTER.identities(app, fresh_tokens(fake))
    assert garbled.value.kind is ErrorKind.RETRY_LATER
    fake.arm("GET", "/v2/userinfo", status(200, body='{"name": "no sub"}'))
    with pytest.raises(PlatformError) as anonymous:
        ADAPTER.identities(app, fresh_tokens(fake))
    assert anonymous.value.kind is ErrorKind.DISCONNECT


def test_the_scopes_asked_for_are_configuration(fake):
    flask_app = Flask(__name__)
    flask_app.config.update(SOCIALDOCK_LINKEDIN_CLIENT_ID="test-client", SOCIALDOCK_LINKEDIN_AUTH_BASE=fake.url,
                            SOCIALDOCK_LINKEDIN_SCOPES="openid, profile w_member_social")
    with flask_app.app_context():
        configured = app_credentials(ADAPTER)
    url = ADAPTER.authorize_url(configured, "https://app.example/cb", "s", None)
    assert parse_qs(urlsplit(url).query)["scope"] == ["openid profile w_member_social"]
    flask_app.config.pop("SOCIALDOCK_LINKEDIN_SCOPES")
    with flask_app.app_context():
        default = ADAPTER.authorize_url(app_credentials(ADAPTER), "https://app.example/cb", "s", None)
    assert "w_organization_social" in parse_qs(urlsplit(default).query)["scope"][0]
