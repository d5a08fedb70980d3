"""A loopback LinkedIn: OAuth (www.linkedin.com/oauth/v2) and the REST API (api.linkedin.com/rest, /v2/userinfo),
built from LinkedIn's public reference (Posts, Images, Videos, organizationAcls, socialActions, share statistics).

What it holds LinkedIn to: every /rest and /v2 call needs `LinkedIn-Version` (YYYYMM) and
`X-Restli-Protocol-Version: 2.0.0` (400 otherwise); tokens answer 401 with serviceErrorCode 65600 (invalid),
65602 (expired) or 65601 (revoked); a post's author must be the member or an organization the member administers
(403); its media must be uploaded (and a video finalized with every part's ETag); the new post's urn comes in
`x-restli-id`. Video parts are `video_part_size` bytes (LinkedIn uses 4 MB; tests make it small).
"""

from __future__ import annotations

import itertools
import secrets
import time
from urllib.parse import urlencode

from flask import Response, jsonify, redirect, request

from tests.fakes.base import FakePlatform
from tests.fakes.linkedin_posts import LinkedInPosts, error, plain_text


class FakeLinkedIn(LinkedInPosts, FakePlatform):
    name = "linkedin"
    authorize_path = "/oauth/v2/authorization"

    def __init__(self, client_id="test-client", client_secret="test-secret", member_id="m3mb3r",
                 organizations=((2414183, "Acme Corp", "acme", "ADMINISTRATOR"),), video_part_size=4 * 1024 * 1024):
        self.client_id, self.client_secret, self.member_id = client_id, client_secret, member_id
        self.organizations = list(organizations)
        self.video_part_size = video_part_size
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.access: dict[str, str] = {}  # token -> "ok" | "expired" | "revoked"
        self.refresh_tokens: dict[str, str] = {}
        self.images: dict[str, dict] = {}
        self.videos: dict[str, dict] = {}
        self.posts: list[dict] = []
        self.can_read_posts = True
        self.openid = True  # False: the app has r_basicprofile instead (/v2/userinfo 403, /v2/me answers)
        self._ids = itertools.count(7130000000000000001)
        super().__init__()

    # --- what tests look at ---------------------------------------------------------------------------------------
    def published(self) -> list[dict]:
        return [{"id": post["id"], "text": plain_text(post["commentary"]), "author": post["author"],
                 "media": len(post["media"]), "kind": post["kind"]} for post in self.posts]

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token, state in self.access.items():
                if state == "ok":
                    self.access[token] = "expired"

    def revoke(self) -> None:
        with self.lock:
            for token in self.access:
                self.access[token] = "revoked"
            for token in self.refresh_tokens:
                self.refresh_tokens[token] = "revoked"

    def issue_tokens(self) -> tuple[str, str]:
        """An access and refresh token as a finished OAuth grant would hold (for tests that skip the round trip)."""
        access, refresh = "AQV" + secrets.token_hex(12), "AQX" + secrets.token_hex(12)
        with self.lock:
            self.access[access], self.refresh_tokens[refresh] = "ok", "ok"
        return access, refresh

    @property
    def member_urn(self) -> str:
        return f"urn:li:person:{self.member_id}"

    # --- routes ---------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        app = self.app
        app.before_request(self._api_gate)
        app.add_url_rule("/oauth/v2/authorization", view_func=self._authorize)
        app.add_url_rule("/oauth/v2/accessToken", view_func=self._token, methods=["POST"])
        app.add_url_rule("/v2/userinfo", view_func=self._userinfo)
        app.add_url_rule("/v2/me", view_func=self._me)
        app.add_url_rule("/rest/organizationAcls", view_func=self._acls)
        app.add_url_rule("/rest/organizations/<int:org_id>", view_func=self._organization)
        app.add_url_rule("/rest/images", view_func=self._images, methods=["POST"])
        app.add_url_rule("/dms-uploads/image/<image_id>", view_func=self._image_bytes, methods=["PUT"])
        app.add_url_rule("/rest/videos", view_func=self._videos, methods=["POST"])
        app.add_url_rule("/rest/videos/<path:urn>", view_func=self._video)
        app.add_url_rule("/dms-uploads/part/<int:number>", view_func=self._video_part, methods=["PUT"])
        app.add_url_rule("/rest/posts", view_func=self._create_post, methods=["POST"])
        app.add_url_rule("/rest/posts", view_func=self._find_posts, methods=["GET"])
        app.add_url_rule("/rest/socialActions/<path:urn>", view_func=self._social_actions)
        app.add_url_rule("/rest/organizationalEntityShareStatistics", view_func=self._share_statistics)
        app.add_url_rule("/rest/networkSizes/<path:urn>", view_func=self._network_size)
        app.add_url_rule("/rest/memberFollowersCount", view_func=self._member_followers)

    def _api_gate(self):
        if not request.path.startswith(("/rest/", "/v2/", "/dms-uploads/")):
            return None
        if request.path.startswith("/rest/"):
            version = request.headers.get("LinkedIn-Version", "")
            if not (len(version) == 6 and version.isdigit()):
                return error(400, "A version must be present. Please specify a version by adding the "
                              "LinkedIn-Version header.", "VERSION_MISSING")
            if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
                return error(400, "X-Restli-Protocol-Version 2.0.0 is required", "ILLEGAL_ARGUMENT")
        if request.path.startswith("/dms-uploads/part/"):
            return None  # pre-signed upload URLs carry their own authorization
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        state = self.access.get(token)
        if state is None:
            return error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if state == "expired":
            return error(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65602)
        if state == "revoked":
            return error(401, "The token used in the request has been revoked by the user", "REVOKED_ACCESS_TOKEN",
                          65601)
        return None

    def _authorize(self):
        args = request.args
        if args.get("client_id") != self.client_id or args.get("response_type") != "code":
            return Response("LinkedIn: invalid client_id or response_type", status=400)
        if not args.get("redirect_uri") or not args.get("state") or "w_member_social" not in args.get("scope", ""):
            return Response("LinkedIn: redirect_uri, state and scope are required", status=400)
        code = "AQT" + secrets.token_hex(8)
        self.codes[code] = args["redirect_uri"]
        return redirect(args["redirect_uri"] + ("&" if "?" in args["redirect_uri"] else "?")
                        + urlencode({"code": code, "state": args["state"]}))

    def _token(self):
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return jsonify(error="invalid_client", error_description="Client authentication failed"), 401
        if form.get("grant_type") == "authorization_code":
            with self.lock:
                redirect_uri = self.codes.pop(form.get("code", ""), None)
            if redirect_uri is None or redirect_uri != form.get("redirect_uri"):
                return jsonify(error="invalid_request", error_description="Unable to retrieve access token: appid/"
                               "redirect uri/code verifier does not match authorization code. Or authorization code "
                               "expired."), 400
            access, refresh = self.issue_tokens()
        elif form.get("grant_type") == "refresh_token":
            refresh = form.get("refresh_token", "")
            if self.refresh_tokens.get(refresh) != "ok":
                return jsonify(error="invalid_grant", error_description="The provided authorization grant or refresh "
                               "token is invalid, expired or revoked."), 400
            access = "AQV" + secrets.token_hex(12)
            with self.lock:
                self.access[access] = "ok"
        else:
            return jsonify(error="unsupported_grant_type", error_description="grant_type is not supported"), 400
        return jsonify(access_token=access, expires_in=5184000, refresh_token=refresh,
                       refresh_token_expires_in=31536000, scope="email,openid,profile,w_member_social")

    def _me(self):
        if self.openid:
            return error(403, "Not enough permissions to access: me.GET.NO_VERSION", "ACCESS_DENIED", 100)
        return jsonify(id=self.member_id, localizedFirstName="Ada", localizedLastName="Lovelace", vanityName="ada")

    def _userinfo(self):
        if not self.openid:
            return error(403, "Not enough permissions to access: userinfo.GET.NO_VERSION", "ACCESS_DENIED", 100)
        return jsonify(sub=self.member_id, name="Ada Lovelace", given_name="Ada", family_name="Lovelace",
                       picture="https://media.licdn.com/ada.jpg", locale={"country": "GB", "language": "en"})

    def _acls(self):
        if request.args.get("q") != "roleAssignee":
            return error(400, "q=roleAssignee is required", "ILLEGAL_ARGUMENT")
        return jsonify(paging={"count": 100, "start": 0, "links": []}, elements=[
            {"roleAssignee": self.member_urn, "state": "APPROVED", "role": role,
             "organization": f"urn:li:organization:{org_id}"} for org_id, _, _, role in self.organizations])

    def _organization(self, org_id: int):
        for known, name, vanity, _ in self.organizations:
            if known == org_id:
                return jsonify(id=org_id, localizedName=name, vanityName=vanity)
        return error(404, f"Organization {org_id} not found", "NOT_FOUND")

    def _owner_allowed(self, owner: str) -> bool:
        return owner == self.member_urn or any(owner == f"urn:li:organization:{org_id}"
                                               for org_id, _, _, role in self.organizations
                                               if role in ("ADMINISTRATOR", "CONTENT_ADMINISTRATOR"))

    def _images(self):
        if request.args.get("action") != "initializeUpload":
            return error(400, "Unsupported action", "ILLEGAL_ARGUMENT")
        owner = ((request.get_json(silent=True) or {}).get("initializeUploadRequest") or {}).get("owner", "")
        if not self._owner_allowed(owner):
            return error(403, f"Not enough permissions to upload as {owner}", "ACCESS_DENIED", 100)
        image_id = f"D4E10AQ{next(self._ids)}"
        self.images[image_id] = {"owner": owner, "bytes": 0}
        return jsonify(value={"uploadUrlExpiresAt": int(time.time() * 1000) + 86400000,
                              "uploadUrl": f"{self.url}/dms-uploads/image/{image_id}",
                              "image": f"urn:li:image:{image_id}"})

    def _image_bytes(self, image_id: str):
        if image_id not in self.images:
            return error(404, "Unknown upload", "NOT_FOUND")
        self.images[image_id]["bytes"] = len(request.get_data())
        return Response(status=201)

    def _videos(self):
        body = request.get_json(silent=True) or {}
        if request.args.get("action") == "initializeUpload":
            init = body.get("initializeUploadRequest") or {}
            size = int(init.get("fileSizeBytes") or 0)
            if not self._owner_allowed(init.get("owner", "")) or size <= 0:
                return error(403 if size > 0 else 400, "Cannot upload a video for this owner / size", "ACCESS_DENIED")
            video_id = f"C5F10AQ{next(self._ids)}"
            parts = [(first, min(first + self.video_part_size, size) - 1)
                     for first in range(0, size, self.video_part_size)]
            self.videos[video_id] = {"size": size, "parts": {}, "status": "WAITING_UPLOAD", "count": len(parts)}
            return jsonify(value={"uploadUrlsExpireAt": int(time.time() * 1000) + 86400000,
                                  "video": f"urn:li:video:{video_id}", "uploadToken": "tok-" + video_id,
                                  "uploadInstructions": [
                                      {"uploadUrl": f"{self.url}/dms-uploads/part/{n}?video={video_id}",
                                       "firstByte": first, "lastByte": last} for n, (first, last) in enumerate(parts)]})
        if request.args.get("action") == "finalizeUpload":
            final = body.get("finalizeUploadRequest") or {}
            video = self.videos.get(str(final.get("video", "")).rsplit(":", 1)[-1])
            if video is None:
                return error(404, "Unknown video", "NOT_FOUND")
            expected = [video["parts"].get(n) for n in range(video["count"])]
            if None in expected or final.get("uploadedPartIds") != expected:
                return error(400, "uploadedPartIds do not match the uploaded parts", "ILLEGAL_ARGUMENT")
            video["status"] = "AVAILABLE"
            return Response(status=200)
        return error(400, "Unsupported action", "ILLEGAL_ARGUMENT")

    def _video(self, urn: str):
        video = self.videos.get(urn.rsplit(":", 1)[-1])
        if video is None:
            return error(404, "Unknown video", "NOT_FOUND")
        return jsonify(id=urn, status=video["status"])

    def _video_part(self, number: int):
        video = self.videos.get(request.args.get("video", ""))
        if video is None or number >= video["count"]:
            return error(404, "Unknown upload", "NOT_FOUND")
        etag = f'"etag-{request.args["video"]}-{number}-{len(request.get_data())}"'
        video["parts"][number] = etag
        return Response(status=200, headers={"ETag": etag})


FAKE_CLASSES = (FakeLinkedIn,)
