"""A live YouTube target whose metadata YouTube cannot take is answered 400 when the post is made, naming the
target and the field, and nothing reaches YouTube; right metadata is taken and the video is uploaded with it."""

import pytest

from app.extensions import db
from app.models import DockTarget
from tests.fakes.youtube import FakeYouTube
from tests.meta_helpers import mp4
from tests.socialdock_helpers import PREFIX, MediaServer, auth, workspace
from tests.socialdock_live_helpers import configure_platform, connect_oauth, run_live, store_media
from tests.test_socialdock_live_publishing import _clock  # noqa: F401  (fixture)


@pytest.fixture
def youtube(pg_app, clock, tmp_path):
    """(fake, client, key, account_id, video url): a channel connected with a live key, a video in our store."""
    media_server, fake = MediaServer(), FakeYouTube()
    pg_app.config.update(SOCIALDOCK_MEDIA_DIR=str(tmp_path), SOCIALDOCK_MEDIA_TRUSTED_ORIGINS=[media_server.origin])
    fake.start()
    try:
        client = pg_app.test_client()
        _, key = workspace()
        configure_platform(pg_app, "youtube", fake, extra={"chunk_size": 256 * 1024})
        account_id = connect_oauth(client, key, "youtube")
        with open(mp4(tmp_path / "clip.mp4"), "rb") as handle:
            url = store_media(client, key, media_server, handle.read(), "clip.mp4")
        yield fake, client, key, account_id, url
    finally:
        fake.stop()
        media_server.close()


def _post(client, key, account_id, url, metadata):
    return client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "Launch video", "title": "Launch video", "media_urls": [url],
        "targets": [{"platform": "youtube", "account_id": account_id, "metadata": metadata}]})


@pytest.mark.parametrize(("metadata", "field"), [({"tags": 5}, "tags"), ({"made_for_kids": "no"}, "made_for_kids"),
                                                 ({"category_id": {"id": 22}}, "category_id")])
def test_metadata_youtube_cannot_take_is_a_400_naming_the_field(pg_app, youtube, metadata, field):
    fake, client, key, account_id, url = youtube
    answer = _post(client, key, account_id, url, {"privacy": "private", **metadata})
    assert answer.status_code == 400
    details = str(answer.get_json()["error"]["details"])
    assert "targets[0] (youtube)" in details and f"metadata.{field}" in details
    assert run_live(pg_app) == 0
    assert fake.sessions == {} and fake.videos == []


def test_right_metadata_is_taken_and_uploaded_with_the_video(pg_app, youtube):
    fake, client, key, account_id, url = youtube
    answer = _post(client, key, account_id, url, {"privacy": "private", "tags": ["launch"], "made_for_kids": False})
    assert answer.status_code == 200, answer.get_json()
    run_live(pg_app)
    assert [(video["status"]["privacyStatus"], video["snippet"]["tags"]) for video in fake.videos] == [
        ("private", ["launch"])]


def test_a_stored_target_whose_metadata_youtube_cannot_take_fails_in_words_not_retried(pg_app, youtube):
    """A target stored before these checks (or changed in the database) is refused when it comes due: failed with
    the field named, not an "unexpected" error retried for hours."""
    fake, client, key, account_id, url = youtube
    answer = _post(client, key, account_id, url, {"privacy": "private"})
    assert answer.status_code == 200, answer.get_json()
    target = db.session.scalar(db.select(DockTarget))
    target.metadata_ = {"privacy": "private", "tags": 5}
    db.session.commit()
    run_live(pg_app)
    post = client.get(f"{PREFIX}/posts/{answer.get_json()['data']['post_id']}", headers=auth(key)).get_json()["data"]
    (stored,) = post["targets"]
    assert stored["status"] == "failed" and "metadata.tags" in stored["error"]
    assert run_live(pg_app) == 0
    assert fake.sessions == {} and fake.videos == []
