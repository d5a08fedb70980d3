"""A fake of Instagram's Graph API content publishing, reached through Facebook Login (graph.facebook.com) or
Instagram Login (graph.instagram.com): containers, their status_code, media_publish, content_publishing_limit, the
account's media and insights (tests.fakes.meta_containers has the shared container life)."""

from __future__ import annotations

from flask import jsonify, request

from tests.fakes.meta_containers import FakeContainers
from tests.fakes.meta_graph import LONG_LIVED_SECONDS, fail


class FakeInstagram(FakeContainers):
    """Instagram through Facebook Login (graph.facebook.com: /dialog/oauth, /oauth/access_token, /me/accounts) and
    through Instagram Login (/oauth/authorize, POST /oauth/access_token, ig_exchange_token, ig_refresh_token)."""

    name = "instagram"
    require_proof = True
    authorize_paths = ("/dialog/oauth", "/oauth/authorize")
    create_edge, publish_edge, quota_edge, list_edge = "media", "media_publish", "content_publishing_limit", "media"
    status_field, error_field, text_field = "status_code", "status", "caption"
    quota_total = 50
    owner_kinds = ("user", "ig-user")
    video_fetch_error = "2207077"

    def oauth_routes(self) -> None:
        self.app.add_url_rule("/oauth/access_token", "fb_token", self._facebook_token)
        self.app.add_url_rule("/oauth/access_token", "ig_token", self._instagram_code, methods=["POST"])
        self.app.add_url_rule("/access_token", "ig_exchange", self._instagram_exchange)
        self.app.add_url_rule("/refresh_access_token", "ig_refresh", self._instagram_refresh)
        self.app.add_url_rule("/me/accounts", "accounts", self._accounts)

    def _facebook_token(self):
        args = request.args
        if args.get("grant_type") == "fb_exchange_token":
            if args.get("client_secret") != self.client_secret:
                fail(101, "Error validating client secret.")
            self.renewable(args.get("fb_exchange_token"), ("code-user", "user"))
            return jsonify(access_token=self.issue("user"), token_type="bearer", expires_in=LONG_LIVED_SECONDS)
        self.redeem_code(args)
        return jsonify(access_token=self.issue("code-user"), token_type="bearer", expires_in=5400)

    def _instagram_code(self):
        if request.form.get("grant_type") != "authorization_code":
            fail(100, "Invalid grant_type")
        self.redeem_code(request.form)
        return jsonify(access_token=self.issue("ig-code"), user_id=int(self.owner_id), permissions=["x"])

    def _instagram_exchange(self):
        args = request.args
        if args.get("grant_type") != "ig_exchange_token" or args.get("client_secret") != self.client_secret:
            fail(100, "Invalid grant_type or client_secret")
        self.renewable(request.args.get("access_token"), ("ig-code",))
        return jsonify(access_token=self.issue("ig-user"), token_type="bearer", expires_in=LONG_LIVED_SECONDS)

    def _instagram_refresh(self):
        if request.args.get("grant_type") != "ig_refresh_token":
            fail(100, "Invalid grant_type")
        self.renewable(request.args.get("access_token"), ("ig-user",))
        return jsonify(access_token=self.issue("ig-user"), token_type="bearer", expires_in=LONG_LIVED_SECONDS)

    def _accounts(self):
        self.caller("user")
        return jsonify(data=[
            {"id": "1000001", "name": "Acme Bakery",
             "instagram_business_account": {"id": self.owner_id, "username": self.username, "name": "Acme"}},
            {"id": "1000002", "name": "A page without Instagram"}])

    def media_kind(self, values):
        if values.get("media_type") == "CAROUSEL":
            return "carousel", None
        if values.get("video_url"):
            if values.get("media_type") not in ("REELS", "VIDEO", "STORIES"):
                fail(100, "The parameter media_type must be REELS for a video", subcode=2207023)
            if values.get("media_type") == "VIDEO" and values.get("is_carousel_item") != "true":
                fail(100, "media_type=VIDEO is only for carousel items; use REELS", subcode=2207023)
            return "video", values["video_url"]
        if values.get("image_url"):
            return "image", values["image_url"]
        fail(100, "(#100) One of image_url, video_url or children is required", subcode=2207023)

    def fetch_failed(self, kind, url):
        if kind == "image":  # images are fetched at once; videos fail later, in the container's status
            fail(9004, "Only photo or video can be accepted as media type.", subcode=2207052,
                 error_user_title="Media download has failed.",
                 error_user_msg=f"The media could not be fetched from this uri: {url}")

    def profile(self, fields):
        if "user_id" in fields:
            return jsonify(id="9990001", user_id=self.owner_id, username=self.username, name="Acme")
        return jsonify(id=self.owner_id, followers_count=2048, follows_count=150, media_count=len(self.media) + 40)

    def permalink(self, media_id):
        return f"https://www.instagram.com/p/{media_id}/"
