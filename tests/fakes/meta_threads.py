"""A fake of the Threads API (graph.threads.net): OAuth, th_exchange_token / th_refresh_token, containers with
their status and error_message, threads_publish, threads_publishing_limit and insights."""

from __future__ import annotations

from flask import jsonify, request

from tests.fakes.meta_containers import FakeContainers
from tests.fakes.meta_graph import LONG_LIVED_SECONDS, fail


class FakeThreads(FakeContainers):
    name = "threads"
    authorize_paths = ("/oauth/authorize",)
    create_edge, publish_edge, list_edge = "threads", "threads_publish", "threads"
    quota_edge = "threads_publishing_limit"
    status_field, error_field, text_field = "status", "error_message", "text"
    quota_total = 250
    max_children = 20
    owner_id = "25000000000000001"
    video_fetch_error = "FAILED_DOWNLOADING_VIDEO"

    def oauth_routes(self) -> None:
        self.app.add_url_rule("/oauth/access_token", "code", self._code, methods=["POST"])
        self.app.add_url_rule("/access_token", "exchange", self._exchange)
        self.app.add_url_rule("/refresh_access_token", "refresh", self._refresh)

    def _code(self):
        if request.form.get("grant_type") != "authorization_code":
            fail(100, "Invalid grant_type")
        self.redeem_code(request.form)
        return jsonify(access_token=self.issue("code-user"), user_id=int(self.owner_id))

    def _exchange(self):
        args = request.args
        if args.get("grant_type") != "th_exchange_token" or args.get("client_secret") != self.client_secret:
            fail(100, "Invalid grant_type or client_secret")
        self.renewable(request.args.get("access_token"), ("code-user",))
        return jsonify(access_token=self.issue("user"), token_type="bearer", expires_in=LONG_LIVED_SECONDS)

    def _refresh(self):
        if request.args.get("grant_type") != "th_refresh_token":
            fail(100, "Invalid grant_type")
        self.renewable(request.args.get("access_token"), ("user",))
        return jsonify(access_token=self.issue("user"), token_type="bearer", expires_in=LONG_LIVED_SECONDS)

    def media_kind(self, values):
        media_type = values.get("media_type")
        if media_type not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
            fail(100, "Param media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL", kind="THApiException")
        if len(values.get("text") or "") > 500:
            fail(100, "Param text must be at most 500 characters long.", kind="THApiException")
        if media_type == "TEXT" and not values.get("text"):
            fail(100, "Param text is required for a TEXT post", kind="THApiException")
        url = values.get("image_url") if media_type == "IMAGE" else values.get("video_url")
        if media_type in ("IMAGE", "VIDEO") and not url:
            fail(100, f"Param {media_type.lower()}_url is required", kind="THApiException")
        return media_type.lower(), url

    def fetch_failed(self, kind, url):
        if kind == "image":
            fail(100, f"The media could not be fetched from this URI: {url}", subcode=2207052, kind="THApiException")

    def profile(self, fields):
        return jsonify(id=self.owner_id, username=self.username, name="Acme",
                       threads_profile_picture_url="https://example.invalid/p.jpg")

    def owner_edge(self, edge):
        if edge == "threads_insights":
            return jsonify(data=[{"name": "followers_count", "period": "day", "total_value": {"value": 321},
                                  "id": f"{self.owner_id}/insights/followers_count/day"}])
        fail(100, f"(#100) Unknown edge {edge}")

    def permalink(self, media_id):
        return f"https://www.threads.net/@{self.username}/post/{media_id}"
