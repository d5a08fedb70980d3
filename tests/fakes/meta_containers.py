"""Fakes of Instagram's content publishing (IG User Media, IG Container, IG Media Publish, Content Publishing Limit,
Media Insights) and of the Threads API (Threads Media, Threads Publish, threads_publishing_limit, Insights), after
Meta's references. Both publish the same way: a container is created (its media fetched from the URL given; a
failed fetch answers Meta's error), reads of its status answer IN_PROGRESS `processing_reads` times, then FINISHED
(or ERROR), and a publish of a FINISHED container makes the post and marks the container PUBLISHED."""

from __future__ import annotations

from flask import jsonify, request

from tests.fakes.meta_graph import FakeMeta, fail, iso


class FakeContainers(FakeMeta):
    owner_id = "17841400000000000"
    username = "acme"
    create_edge = publish_edge = quota_edge = list_edge = ""
    status_field = error_field = text_field = ""
    quota_total = 0
    max_children = 10
    owner_kinds: tuple[str, ...] = ("user",)

    def __init__(self, **credentials):
        self.containers: dict[str, dict] = {}
        self.media: list[dict] = []
        self.processing_reads = 1
        super().__init__(**credentials)

    def routes(self) -> None:
        app = self.app
        app.add_url_rule("/<node>", "node", self._node)
        app.add_url_rule("/<node>/<edge>", "edge_get", self._edge_get)
        app.add_url_rule("/<node>/<edge>", "edge_post", self._edge_post, methods=["POST"])
        self.oauth_routes()

    def oauth_routes(self) -> None:  # pragma: no cover - each platform adds its own
        raise NotImplementedError

    def published(self) -> list[dict]:
        return [{"id": item["id"], "text": item["text"], "media": item["count"], "kind": item["kind"]}
                for item in self.media]

    # --- containers ---------------------------------------------------------------------------------------------
    def media_kind(self, values) -> tuple[str, str | None]:  # pragma: no cover - per platform
        raise NotImplementedError

    def fetch_failed(self, kind: str, url: str):  # pragma: no cover - per platform
        raise NotImplementedError

    def _create(self, values):
        kind, url = self.media_kind(values)
        container = {"id": self.new_id(), "kind": kind, "text": values.get(self.text_field, ""), "reads": 0,
                     "status": "IN_PROGRESS", "error": "", "child": values.get("is_carousel_item") == "true",
                     "children": [], "count": 0 if kind == "text" else 1}
        if kind == "carousel":
            children = [child for child in (values.get("children") or "").split(",") if child]
            if not 2 <= len(children) <= self.max_children:
                fail(100, "The carousel has too little or too many attachments", subcode=2207028)
            for child in children:
                known = self.containers.get(child)
                if known is None or not known["child"] or known["status"] != "FINISHED":
                    fail(100, f"The carousel item {child} is not a finished carousel item", subcode=2207028)
            container.update(children=children, count=len(children))
        elif kind != "text":
            if self.fetch(url) is None:
                self.fetch_failed(kind, url)
                container["error"] = self.video_fetch_error
        with self.lock:
            self.containers[container["id"]] = container
        return jsonify(id=container["id"])

    video_fetch_error = ""

    def _status(self, container: dict) -> dict:
        with self.lock:
            if container["status"] == "IN_PROGRESS":
                container["reads"] += 1
                if container["reads"] > self.processing_reads:
                    container["status"] = "ERROR" if container["error"] else "FINISHED"
            answer = {"id": container["id"], self.status_field: container["status"]}
            if container["status"] == "ERROR":
                answer[self.error_field] = container["error"]
        return answer

    def _publish(self, values):
        container = self.containers.get(values.get("creation_id") or "")
        if container is None:
            fail(100, "(#100) Param creation_id must be a valid media container id", subcode=2207006)
        if container["status"] != "FINISHED":
            fail(9007, "The media is not ready for publishing, please wait for a moment", subcode=2207027)
        with self.lock:
            if self._used_quota() >= self.quota_total:
                fail(9, "Application request limit reached: the account's publishing limit is reached",
                     subcode=2207042)
            item = {"id": self.new_id(), "text": container["text"], "kind": container["kind"],
                    "count": container["count"], "at": self.now()}
            self.media.append(item)
            container["status"] = "PUBLISHED"
        return jsonify(id=item["id"])

    def _used_quota(self) -> int:
        day_ago = self.now() - 24 * 3600
        return sum(1 for item in self.media if item["at"] >= day_ago)

    # --- routing ------------------------------------------------------------------------------------------------
    def _node(self, node):
        self.caller()
        fields = request.args.get("fields", "")
        if node in self.containers:
            return jsonify(self._status(self.containers[node]))
        if node in (self.owner_id, "me"):
            return self.profile(fields)
        item = self._item(node)
        return jsonify(id=item["id"], permalink=self.permalink(item["id"]))

    def _item(self, media_id: str) -> dict:
        for item in self.media:
            if item["id"] == media_id:
                return item
        fail(100, f"Unsupported get request. Object with ID '{media_id}' does not exist", subcode=33)
        raise AssertionError

    def _edge_get(self, node, edge):
        self.caller()
        if node not in (self.owner_id, "me"):
            self._item(node)
            if edge != "insights":
                fail(100, f"(#100) Unknown edge {edge}")
            return jsonify(data=self.insights(request.args.get("metric", "")))
        if edge == self.quota_edge:
            return jsonify(data=[{"quota_usage": self._used_quota(),
                                  "config": {"quota_total": self.quota_total, "quota_duration": 86400}}])
        if edge == self.list_edge:
            since = self.since()
            return jsonify(data=[{"id": item["id"], self.text_field: item["text"], "timestamp": iso(item["at"]),
                                  "permalink": self.permalink(item["id"])}
                                 for item in reversed(self.media) if item["at"] >= since])
        return self.owner_edge(edge)

    def _edge_post(self, node, edge):
        self.caller(*self.owner_kinds)
        if node not in (self.owner_id, "me"):
            fail(100, f"Unsupported post request. Object with ID '{node}' does not exist", subcode=33)
        if edge == self.create_edge:
            return self._create(request.values)
        if edge == self.publish_edge:
            return self._publish(request.values)
        fail(100, f"(#100) Unknown edge {edge}")

    def profile(self, fields: str):  # pragma: no cover - per platform
        raise NotImplementedError

    def owner_edge(self, edge: str):
        fail(100, f"(#100) Unknown edge {edge}")

    def insights(self, metrics: str) -> list[dict]:
        values = {"reach": 410, "likes": 37, "comments": 5, "shares": 4, "saved": 6, "views": 880, "replies": 5,
                  "reposts": 3, "quotes": 1}
        return [{"name": name, "period": "lifetime", "values": [{"value": values[name]}]}
                for name in metrics.split(",") if name in values]

    def permalink(self, media_id: str) -> str:  # pragma: no cover - per platform
        raise NotImplementedError
