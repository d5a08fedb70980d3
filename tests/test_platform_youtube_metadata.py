"""YouTube's metadata: the API takes the privacy as `metadata.privacy` (public | unlisted | private: validated by
app/socialdock/platforms.py, documented in docs/socialdock.md) and the video is uploaded with it; `tags`,
`category_id` and `made_for_kids` reach videos.insert as given, and a value of the wrong type is refused by
`check()` naming the field before anything is sent (it used to raise TypeError mid-publish and be retried for
hours as "unexpected")."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from app.platforms.attempt import publish_once
from app.platforms.base import ErrorKind, Identity, PlatformError
from app.platforms.oauth import pkce_pair
from app.platforms.youtube import ADAPTER
from tests.fakes.context import app_for, context, media_file
from tests.fakes.youtube import CHANNEL, UPLOADS, FakeYouTube

REDIRECT = "https://app.example/cb"
ACCOUNT = Identity(CHANNEL, "@c", "C", extra={"uploads_playlist": UPLOADS})


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "talk.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    return media_file(str(path))


@pytest.fixture
def fake():
    with FakeYouTube() as running:
        yield running


def _publish(fake, video, metadata):
    app = app_for(ADAPTER, fake, chunk_size=256 * 1024)
    verifier, challenge = pkce_pair()
    consent = requests.get(ADAPTER.authorize_url(app, REDIRECT, "s", challenge), allow_redirects=False, timeout=5)
    tokens = ADAPTER.exchange_code(app, parse_qs(urlparse(consent.headers["Location"]).query)["code"][0],
                                   REDIRECT, verifier)
    ctx = context(app, tokens, ACCOUNT, title="Talk", text="A talk", media=[video], metadata=metadata)
    return publish_once(ADAPTER, ctx, refresh=lambda: pytest.fail("no refresh needed"))


@pytest.mark.parametrize("privacy", ["private", "unlisted"])
def test_a_video_asked_private_or_unlisted_through_the_api_is_not_uploaded_public(fake, video, privacy):
    _publish(fake, video, {"privacy": privacy})
    assert fake.videos[0]["status"]["privacyStatus"] == privacy


def test_a_video_without_a_privacy_is_public(fake, video):
    _publish(fake, video, {})
    assert fake.videos[0]["status"]["privacyStatus"] == "public"


def test_the_older_privacy_status_name_is_still_honoured(fake, video):
    _publish(fake, video, {"privacy_status": "private"})
    assert fake.videos[0]["status"]["privacyStatus"] == "private"


def test_tags_category_and_made_for_kids_reach_youtube_as_given(fake, video):
    _publish(fake, video, {"privacy": "unlisted", "tags": ["launch", "python 3"], "category_id": 28,
                           "made_for_kids": True})
    uploaded = fake.videos[0]
    assert uploaded["snippet"]["tags"] == ["launch", "python 3"]
    assert uploaded["snippet"]["categoryId"] == "28"
    assert uploaded["status"]["selfDeclaredMadeForKids"] is True


@pytest.mark.parametrize(("metadata", "field"), [
    ({"tags": 5}, "tags"),
    ({"tags": "launch,python"}, "tags"),
    ({"tags": [1, 2]}, "tags"),
    ({"tags": [{"a": 1}]}, "tags"),
    ({"tags": ["x" * 501]}, "tags"),
    ({"tags": ["a\x00b"]}, "tags"),
    ({"tags": ["\ud800"]}, "tags"),
    ({"category_id": [22]}, "category_id"),
    ({"category_id": "gaming"}, "category_id"),
    ({"category_id": True}, "category_id"),
    ({"made_for_kids": "no"}, "made_for_kids"),
    ({"made_for_kids": 0}, "made_for_kids"),
    ({"privacy": "secret"}, "privacy"),
    ({"privacy": ["private"]}, "privacy"),
    ({"privacy_status": {"value": "private"}}, "privacy_status"),
    ({"privacy": "private", "privacy_status": "public"}, "privacy_status"),
])
def test_metadata_youtube_cannot_take_is_refused_naming_the_field_and_nothing_is_sent(fake, video, metadata, field):
    with pytest.raises(PlatformError) as refused:
        _publish(fake, video, metadata)
    assert refused.value.kind is ErrorKind.BAD_REQUEST
    assert f"metadata.{field}" in refused.value.message
    assert fake.sessions == {} and fake.videos == []
