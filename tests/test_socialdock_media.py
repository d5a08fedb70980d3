"""Media by URL: sniffed not trusted, capped before and while reading, never fetched from a private address, and
served back with HTTP Range. Files come from a loopback server (the one origin the test trusts)."""

import pytest

from tests.socialdock_helpers import JPEG, MP4, PNG, PREFIX, MediaServer, auth, connect_sandbox, workspace


@pytest.fixture(name="media_server")
def _media_server(pg_app):
    server = MediaServer()
    pg_app.config["SOCIALDOCK_MEDIA_TRUSTED_ORIGINS"] = [server.origin]
    pg_app.config["SOCIALDOCK_MEDIA_MAX_BYTES"] = {"image": 2000, "video": 4000}
    yield server
    server.close()


def upload(client, key, url, file_name=None):
    body = {"url": url} if file_name is None else {"url": url, "file_name": file_name}
    return client.post(f"{PREFIX}/media", headers=auth(key), json=body)


def refused(answer) -> str:
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["data"] is None
    return answer.get_json()["error"]["details"]


def test_the_type_comes_from_the_bytes_and_the_file_is_served_with_range(pg_app, media_server):
    client = pg_app.test_client()
    _, key = workspace("build", "test")
    url = media_server.add("/download?id=7", PNG, Content_Type="application/octet-stream")
    answer = upload(client, key, url, "holiday.jpg")
    assert answer.status_code == 200, answer.get_json()
    media = answer.get_json()["data"]
    assert media["id"].startswith("med_") and media["mime_type"] == "image/png"
    path = media["url"].split("://", 1)[1].split("/", 1)[1]
    whole = client.get("/" + path)
    assert whole.status_code == 200 and whole.data == PNG and whole.mimetype == "image/png"
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get("/" + path, headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.data == PNG[:8]
    assert part.headers["Content-Range"] == f"bytes 0-7/{len(PNG)}"
    # Used in a post, it is the post's media with its id; the rules know it is an image.
    youtube = connect_sandbox(client, key, "youtube")
    post = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "x", "title": "T", "targets": [{"platform": "youtube", "account_id": youtube}],
        "media_urls": [media["url"]]})
    assert "does not take images" in refused(post)
    video = upload(client, key, media_server.add("/clip", MP4, Content_Type="text/plain")).get_json()["data"]
    assert video["mime_type"] == "video/mp4"
    post = client.post(f"{PREFIX}/posts", headers=auth(key), json={
        "text": "x", "title": "T", "targets": [{"platform": "youtube", "account_id": youtube}],
        "media_urls": [video["url"]]}).get_json()["data"]
    detail = client.get(f"{PREFIX}/posts/{post['post_id']}", headers=auth(key)).get_json()["data"]
    assert detail["media"] == [{"id": video["id"], "url": video["url"], "mime_type": "video/mp4"}]


def test_a_lying_content_type_is_refused(pg_app, media_server):
    client = pg_app.test_client()
    _, key = workspace("build", "test")
    page = b"<!doctype html><html><body>not a photo</body></html>" * 10
    details = refused(upload(client, key, media_server.add("/photo.jpg", page, Content_Type="image/jpeg")))
    assert "not an allowed image or video" in details and "image/jpeg" in details


def test_oversized_files_are_refused_before_and_while_reading(pg_app, media_server):
    client = pg_app.test_client()
    _, key = workspace("build", "test")
    big = JPEG + b"\x00" * 3000
    assert "larger than" in refused(upload(client, key, media_server.add("/big.jpg", big, Content_Type="image/jpeg")))
    # No Content-Length: the body is counted as it arrives and the download stops at the cap.
    unsized = media_server.add("/stream.jpg", big, Content_Type="image/jpeg", Content_Length=None, Connection="close")
    assert "larger than" in refused(upload(client, key, unsized))
    assert upload(client, key, media_server.add("/small.jpg", JPEG, Content_Type="image/jpeg")).status_code == 200


def test_private_addresses_are_refused_even_through_a_redirect(pg_app, media_server):
    client = pg_app.test_client()
    _, key = workspace("build", "test")
    port = media_server.server.server_port
    assert "loopback" in refused(upload(client, key, f"https://127.0.0.1:{port}/photo.jpg"))
    assert "link-local" in refused(upload(client, key, "https://169.254.169.254/latest/meta-data/"))
    assert "private" in refused(upload(client, key, "https://10.1.2.3/photo.jpg"))
    assert "https" in refused(upload(client, key, "http://93.184.215.14/photo.jpg"))
    hop = media_server.add("/hop", b"", status=302, Location=f"https://localhost:{port}/photo.jpg")
    assert "loopback" in refused(upload(client, key, hop))
    assert "http(s) URL" in refused(upload(client, key, "file:///etc/passwd"))
