"""Every request example of SocialDock's page (tests/fixtures/socialdock-api.txt, a copy of the page), sent
literally to a live server: only the host and the key change. Then again with real ids in place of the page's
placeholders: each answer has at least the documented response's shape."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from app.clock import ManualClock
from app.socialdock.due import publish_due
from tests.socialdock_helpers import JPEG, PREFIX, MediaServer, auth, connect_sandbox, workspace

PAGE = Path(__file__).parent / "fixtures" / "socialdock-api.txt"
PAGE_HOST = "https://api.socialdock.com"
PAGE_KEY = "sd_live_xxxx..."
# The page's own "now" (its examples schedule posts for April 2026).
PAGE_NOW = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)
DOCUMENTED_ERRORS = {400, 401, 403, 404, 429, 500}


def _balanced_json(text: str, start: int):
    depth, index = 0, start
    while True:
        char = text[index]
        depth += char == "{"
        depth -= char == "}"
        index += 1
        if depth == 0:
            return json.loads(text[start:index])


def page_examples() -> list[dict]:
    """(method, url, headers, body, documented answer) of every `curl` on the page, in its order."""
    text = PAGE.read_text()
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    examples, index = [], 0
    while index < len(lines):
        first = re.search(r'curl -X (\w+) "?([^"\s]+)"?( \\)?\s*$', lines[index])
        if not first:
            index += 1
            continue
        method, url, more = first[1], first[2], bool(first[3])
        headers, body = {}, None
        index += 1
        end = offsets[index]
        while more:
            line = lines[index]
            header = re.match(r'^-H "([^:]+): ([^"]*)"( \\)?', line)
            if header:
                headers[header[1]] = header[2]
                more = bool(header[3])
                end = offsets[index] + header.end()
                index += 1
                continue
            assert line.startswith("-d '"), line
            chunk = [line[4:]]
            index += 1
            while not lines[index].startswith("}'"):
                chunk.append(lines[index])
                index += 1
            chunk.append("}")
            body = "".join(chunk)
            end = offsets[index] + 2
            more = False
            index += 1
        answer_start = text.index("{", end)
        examples.append({"method": method, "url": url, "headers": headers, "body": body,
                         "answer": _balanced_json(text, answer_start)})
    return examples


def test_the_page_has_every_example_we_expect():
    seen = [(example["method"], example["url"].removeprefix(PAGE_HOST).split("?")[0]) for example in page_examples()]
    assert len(seen) == 19
    assert ("PUT", "/api/v1/posts/post_01ha...") in seen and ("POST", "/api/v1/media") in seen


# Objects keyed by platform name: each entry is shaped like the page's first, whichever platforms there are.
PLATFORM_MAPS = ("data.platforms",)


def assert_shape(answer, documented, where="data"):
    """Every key the page documents is in our answer, recursively (lists: each item like the page's first)."""
    if where in PLATFORM_MAPS:
        assert isinstance(answer, dict), f"{where}: {answer!r}"
        for platform, entry in answer.items():
            assert_shape(entry, next(iter(documented.values())), f"{where}.{platform}")
    elif isinstance(documented, dict):
        assert isinstance(answer, dict), f"{where}: {answer!r}"
        for key, value in documented.items():
            assert key in answer, f"{where}.{key} missing in {answer!r}"
            if value is not None and answer[key] is not None:
                assert_shape(answer[key], value, f"{where}.{key}")
    elif isinstance(documented, list) and documented and answer:
        for item in answer:
            assert_shape(item, documented[0], where + "[]")


@pytest.fixture(name="live_app")
def _live_app(pg_app):
    pg_app.config["CLOCK"] = ManualClock(PAGE_NOW)
    return pg_app


@pytest.fixture(name="media_server")
def _media_server(live_app):
    server = MediaServer()
    live_app.config["SOCIALDOCK_MEDIA_TRUSTED_ORIGINS"] = [server.origin]
    yield server
    server.close()


def send(live_url: str, example: dict, key: str, replace: dict | None = None):
    def swap(value: str) -> str:
        for old, new in (replace or {}).items():
            value = value.replace(old, new)
        return value

    url = swap(example["url"]).replace(PAGE_HOST, live_url + "/socialdock")
    headers = {name: swap(value).replace(PAGE_KEY, key) for name, value in example["headers"].items()}
    body = swap(example["body"]) if example["body"] is not None else None
    return requests.request(example["method"], url, headers=headers, data=body, timeout=30)


def test_every_example_sent_literally_gets_a_documented_answer(live_app, live_url):
    _, key = workspace("build", "test")
    for example in page_examples():
        answer = send(live_url, example, key)
        body = answer.json()
        assert set(body) == {"data", "error", "meta"}, body
        assert answer.headers["X-RateLimit-Limit"] == "100" and int(answer.headers["X-RateLimit-Reset"]) > 0
        if answer.status_code == 200:
            assert body["error"] is None
            assert_shape(body["data"], example["answer"]["data"])
        else:
            # The page's placeholder ids (acc_01hx...) exist in no workspace; example.com cannot be fetched.
            assert answer.status_code in DOCUMENTED_ERRORS, (example["method"], example["url"], body)
            assert body["data"] is None and set(body["error"]) >= {"message", "details"}


def test_every_example_with_real_ids_answers_the_documented_shape(live_app, live_url, media_server):
    from tests.test_webhook_helpers import Receiver

    receiver = Receiver()
    try:
        _, key = workspace("build", "test")
        client = live_app.test_client()
        instagram = connect_sandbox(client, key, "instagram")
        linkedin = connect_sandbox(client, key, "linkedin")
        spare = connect_sandbox(client, key, "youtube")
        published = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "Check out our latest update!",
            "targets": [{"platform": "instagram", "account_id": instagram}]}).get_json()["data"]["post_id"]
        publish_due(PAGE_NOW + timedelta(minutes=1))
        scheduled = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "Dropping something big tomorrow!", "targets": [{"platform": "instagram", "account_id": instagram}],
            "publish_now": False, "scheduled_at": "2026-04-01T09:00:00Z"}).get_json()["data"]["post_id"]
        deletable = client.post(f"{PREFIX}/posts", headers=auth(key), json={
            "text": "x", "targets": [{"platform": "instagram", "account_id": instagram}], "publish_now": False,
            "scheduled_at": "2026-05-01T09:00:00Z"}).get_json()["data"]["post_id"]
        webhook = client.post(f"{PREFIX}/webhooks", headers=auth(key), json={
            "url": receiver.url(), "events": ["post_failed"]}).get_json()["data"]["id"]
        photo = media_server.add("/product-photo.jpg", JPEG, Content_Type="image/jpeg")
        common = {"acc_01hy...": linkedin, "post_01hz...": published, "post_01ha...": scheduled,
                  "wh_01hz...": webhook, "https://example.com/product-photo.jpg": photo,
                  "https://example.com/image.jpg": photo,
                  "https://yourapp.com/webhooks/socialdock": receiver.url("/webhooks/socialdock")}
        for example in page_examples():
            replace = dict(common)
            path = example["url"].removeprefix(PAGE_HOST)
            replace["acc_01hx..."] = spare if example["method"] == "DELETE" else instagram
            if example["method"] == "DELETE" and path.startswith("/api/v1/posts/"):
                replace["post_01hz..."] = deletable
            answer = send(live_url, example, key, replace)
            body = answer.json()
            assert answer.status_code == 200, (example["method"], path, body)
            assert body["error"] is None
            assert_shape(body["data"], example["answer"]["data"])
            if "meta" in example["answer"]:
                assert_shape(body["meta"], example["answer"]["meta"], "meta")
    finally:
        receiver.close()
