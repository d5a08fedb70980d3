"""A fake of Facebook's Graph API for Pages (after the Pages API, Page Feed, Page Photos, Page Videos and Facebook
Login references): the OAuth dialog, the code and fb_exchange_token exchanges, /me/accounts with page tokens, and a
page's /feed, /photos (published or not), /videos, /posts and a post's reactions, comments and shares. Publishing
needs a page token, as Facebook's does; photos and videos are fetched from their URL."""

from __future__ import annotations

import json

from flask import jsonify, request

from tests.fakes.meta_graph import LONG_LIVED_SECONDS, FakeMeta, fail, iso

MAX_PHOTO_BYTES = 4 * 1024 * 1024


class FakeFacebook(FakeMeta):
    name = "facebook"
    require_proof = True

    def __init__(self, **credentials):
        self.pages = {"1000001": {"id": "1000001", "name": "Acme Bakery", "username": "acmebakery"}}
        self.posts: list[dict] = []  # published feed posts, photo posts and videos
        self.photos: dict[str, dict] = {}  # photo id -> {"page", "published", "size"}
        super().__init__(**credentials)

    def routes(self) -> None:
        app = self.app
        app.add_url_rule("/oauth/access_token", "token", self._token)
        app.add_url_rule("/me/accounts", "accounts", self._accounts)
        app.add_url_rule("/<node>", "node", self._node)
        app.add_url_rule("/<node>/<edge>", "edge_get", self._edge_get)
        app.add_url_rule("/<node>/<edge>", "edge_post", self._edge_post, methods=["POST"])

    # --- what a test asserts ------------------------------------------------------------------------------------
    def published(self) -> list[dict]:
        return [{"id": post["id"], "text": post["message"], "media": post["media"], "kind": post["kind"]}
                for post in self.posts]

    # --- OAuth --------------------------------------------------------------------------------------------------
    def _token(self):
        args = request.args
        if args.get("grant_type") == "fb_exchange_token":
            if args.get("client_id") != self.client_id or args.get("client_secret") != self.client_secret:
                fail(101, "Error validating client secret.")
            self.renewable(args.get("fb_exchange_token"), ("code-user", "user"))
            token = self.issue("user", LONG_LIVED_SECONDS)
            return jsonify(access_token=token, token_type="bearer", expires_in=LONG_LIVED_SECONDS)
        self.redeem_code(args)
        return jsonify(access_token=self.issue("code-user", 5400), token_type="bearer", expires_in=5400)

    def _accounts(self):
        self.caller("user", "code-user")
        data = [{**page, "access_token": self.issue("page", page_id=page["id"]), "category": "Bakery",
                 "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]}
                for page in self.pages.values()]
        return jsonify(data=data, paging={"cursors": {"before": "b", "after": "a"}})

    # --- nodes --------------------------------------------------------------------------------------------------
    def _node(self, node):
        if node in self.pages:
            fields = request.args.get("fields", "")
            token = self.caller("user", "page")
            if "access_token" in fields:
                if token["kind"] != "user":
                    fail(190, "A user access token is required to request this resource.")
                return jsonify(id=node, access_token=self.issue("page", page_id=node))
            return jsonify(id=node, name=self.pages[node]["name"], followers_count=1520, fan_count=1490)
        post = self._post(node)
        self.caller("page", "user")
        return jsonify(id=post["id"], message=post["message"],
                       reactions={"data": [], "summary": {"total_count": 12}},
                       comments={"data": [], "summary": {"total_count": 3}}, shares={"count": 2})

    def _post(self, post_id: str) -> dict:
        for post in self.posts:
            if post["id"] == post_id:
                return post
        fail(100, f"Unsupported get request. Object with ID '{post_id}' does not exist", subcode=33)
        raise AssertionError

    def _page(self, node: str) -> dict:
        if node not in self.pages:
            fail(100, f"Unsupported request. Object with ID '{node}' does not exist", subcode=33)
        return self.pages[node]

    def _edge_get(self, node, edge):
        self._page(node)
        self.caller("page", "user")
        since = self.since()
        if edge == "posts":
            return jsonify(data=[{"id": post["id"], "message": post["message"], "created_time": iso(post["at"]),
                                  "permalink_url": f"https://www.facebook.com/{post['id']}"}
                                 for post in reversed(self.posts) if post["at"] >= since and post["kind"] != "video"])
        if edge == "videos":
            return jsonify(data=[{"id": post["id"], "description": post["message"], "created_time": iso(post["at"])}
                                 for post in reversed(self.posts) if post["at"] >= since and post["kind"] == "video"])
        fail(100, f"(#100) Unknown edge {edge}")

    def _edge_post(self, node, edge):
        self._page(node)
        token = self.caller("page", "user")
        if token["kind"] != "page" or token.get("page_id") != node:
            fail(200, "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an "
                 "admin with sufficient administrative permission", status=403)
        values = request.form
        if edge == "feed":
            return self._feed(node, values)
        if edge == "photos":
            return self._photo(node, values)
        if edge == "videos":
            return self._video(node, values)
        fail(100, f"(#100) Unknown edge {edge}")

    def _new_post(self, node: str, message: str, kind: str, media: int, post_id: str | None = None) -> dict:
        with self.lock:
            post = {"id": post_id or f"{node}_{self.new_id()}", "message": message, "kind": kind, "media": media,
                    "at": self.now()}
            self.posts.append(post)
        return post

    def _feed(self, node, values):
        attached = [json.loads(value)["media_fbid"] for key, value in sorted(values.items())
                    if key.startswith("attached_media[")]
        for photo in attached:
            known = self.photos.get(photo)
            if known is None or known["page"] != node or known["published"]:
                fail(100, "(#100) attached_media must be unpublished photos of this page")
        if not values.get("message") and not attached:
            fail(100, "(#100) Missing message or attachment")
        post = self._new_post(node, values.get("message", ""), "image" if attached else "text", len(attached))
        return jsonify(id=post["id"])

    def _photo(self, node, values):
        fetched = self.fetch(values.get("url"))
        if fetched is None:
            fail(324, "(#324) Missing or invalid image file")
        if fetched["size"] > MAX_PHOTO_BYTES:
            fail(100, "Photos should be smaller than 4 MB and saved as JPG, PNG, GIF, TIFF, HEIF or WebP files.",
                 subcode=1366046)
        photo_id = self.new_id()
        published = values.get("published", "true") != "false"
        self.photos[photo_id] = {"page": node, "published": published, "size": fetched["size"]}
        if not published:
            return jsonify(id=photo_id)
        post = self._new_post(node, values.get("message", ""), "image", 1)
        return jsonify(id=photo_id, post_id=post["id"])

    def _video(self, node, values):
        if self.fetch(values.get("file_url")) is None:
            fail(389, "Unable to fetch video file from URL.")
        post = self._new_post(node, values.get("description", ""), "video", 1, post_id=self.new_id())
        return jsonify(id=post["id"])
