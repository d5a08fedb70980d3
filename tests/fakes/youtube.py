"""A loopback YouTube: Google OAuth 2 (authorize with PKCE, /token for codes and refreshes, no refresh token on a
refresh, invalid_grant once revoked), the Data API's channels, playlistItems and videos lists, and videos.insert's
resumable upload protocol (session in Location, 256 KiB chunks, 308 Resume Incomplete with Range, the
`bytes */TOTAL` probe, 200/201 with the video), built from developers.google.com's reference and Google's error
shape `{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}`."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime

from flask import jsonify, redirect, request

from tests.fakes.base import FakePlatform

CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
CHANNEL, UPLOADS = "UCfakechannel0000000001", "UUfakechannel0000000001"
CHUNK_UNIT = 256 * 1024
PRIVACY = ("public", "unlisted", "private")


def google_error(status: int, reason: str, message: str, domain: str = "youtube.api"):
    response = jsonify({"error": {"code": status, "message": message,
                                  "errors": [{"message": message, "domain": domain, "reason": reason}]}})
    response.status_code = status
    return response


def _metadata_error(body: dict):
    """videos.insert's refusals of a snippet or status it cannot take (the video resource's documented types)."""
    snippet, status = body.get("snippet") or {}, body.get("status") or {}
    tags = snippet.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags) or len(",".join(tags)) > 500:
        return google_error(400, "invalidTags", "The request metadata specifies invalid video keywords.")
    if not str(snippet.get("categoryId", "22")).isdigit():
        return google_error(400, "invalidCategoryId", "The snippet.categoryId property specifies an invalid ID.")
    if status.get("privacyStatus", "public") not in PRIVACY:
        return google_error(400, "invalidVideoMetadata", "The request metadata is invalid (status.privacyStatus).")
    if not isinstance(status.get("selfDeclaredMadeForKids", False), bool):
        return google_error(400, "invalidVideoMetadata", "status.selfDeclaredMadeForKids must be a boolean.")
    return None


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FakeYouTube(FakePlatform):
    name = "youtube"
    authorize_path = "/o/oauth2/v2/auth"

    def __init__(self):
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET  # what the app credentials must carry
        self.codes: dict[str, dict] = {}
        self.access: dict[str, str] = {}
        self.refresh_tokens: set[str] = set()
        self.sessions: dict[str, dict] = {}
        self.videos: list[dict] = []
        self.quota_spent = False
        super().__init__()

    # --- what a test reads or arms --------------------------------------------------------------------------------
    def published(self) -> list[dict]:
        return [{"id": video["id"], "text": video["snippet"]["description"], "title": video["snippet"]["title"],
                 "media": 1, "kind": "video", "size": video["size"]} for video in self.videos]

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access:
                self.access[token] = "expired"

    def revoke(self) -> None:
        with self.lock:
            self.access.clear()
            self.refresh_tokens.clear()

    def expire_sessions(self) -> None:
        with self.lock:
            self.sessions.clear()

    def _access_token(self) -> dict:
        token = "ya29." + secrets.token_hex(8)
        self.access[token] = "ok"
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/youtube.upload "
                         "https://www.googleapis.com/auth/youtube.readonly"}

    def _authorized(self):
        header = request.headers.get("Authorization", "")
        if self.access.get(header.removeprefix("Bearer ")) != "ok" or not header.startswith("Bearer "):
            response = google_error(401, "authError", "Request had invalid authentication credentials. Expected "
                                    "OAuth 2 access token.", domain="global")
            response.headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
            return response
        return None

    # --- routes ---------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        app = self.app

        @app.get("/o/oauth2/v2/auth")
        def authorize():
            args = request.args
            if args.get("client_id") != self.client_id or args.get("response_type") != "code":
                return "Error 401: invalid_client", 401
            if not args.get("redirect_uri") or not args.get("scope") or not args.get("state"):
                return "Error 400: invalid_request", 400
            if args.get("code_challenge") and args.get("code_challenge_method") != "S256":
                return "Error 400: invalid_request (code_challenge_method)", 400
            code = "4/" + secrets.token_hex(8)
            self.codes[code] = {"redirect_uri": args["redirect_uri"], "challenge": args.get("code_challenge"),
                                "offline": args.get("access_type") == "offline"}
            return redirect(f"{args['redirect_uri']}?state={args['state']}&code={code}&scope={args['scope']}")

        @app.post("/token")
        def token():
            form = request.form
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return jsonify(error="invalid_client", error_description="Unauthorized"), 401
            with self.lock:
                if form.get("grant_type") == "authorization_code":
                    issued = self.codes.pop(form.get("code", ""), None)
                    if issued is None or issued["redirect_uri"] != form.get("redirect_uri"):
                        return jsonify(error="invalid_grant", error_description="Bad Request"), 400
                    if issued["challenge"] and _s256(form.get("code_verifier", "")) != issued["challenge"]:
                        return jsonify(error="invalid_grant", error_description="Invalid code verifier."), 400
                    answer = self._access_token()
                    if issued["offline"]:
                        answer["refresh_token"] = "1//" + secrets.token_hex(8)
                        self.refresh_tokens.add(answer["refresh_token"])
                    return jsonify(answer)
                if form.get("grant_type") == "refresh_token":
                    if form.get("refresh_token") not in self.refresh_tokens:
                        return jsonify(error="invalid_grant", error_description="Token has been expired or "
                                       "revoked."), 400
                    return jsonify(self._access_token())  # Google sends no new refresh token
            return jsonify(error="unsupported_grant_type", error_description="Invalid grant_type"), 400

        @app.get("/youtube/v3/channels")
        def channels():
            refused = self._authorized()
            if refused:
                return refused
            if request.args.get("mine") != "true" and request.args.get("id") != CHANNEL:
                return jsonify(kind="youtube#channelListResponse", items=[])
            channel = {"kind": "youtube#channel", "id": CHANNEL,
                       "snippet": {"title": "Fake Channel", "customUrl": "@fakechannel"},
                       "contentDetails": {"relatedPlaylists": {"uploads": UPLOADS}},
                       "statistics": {"viewCount": "90000", "subscriberCount": "2500", "hiddenSubscriberCount": False,
                                      "videoCount": str(40 + len(self.videos))}}
            return jsonify(kind="youtube#channelListResponse", items=[channel])

        @app.get("/youtube/v3/playlistItems")
        def playlist_items():
            refused = self._authorized()
            if refused:
                return refused
            if request.args.get("playlistId") != UPLOADS:
                return google_error(404, "playlistNotFound", "The playlist cannot be found.")
            items = [{"kind": "youtube#playlistItem", "snippet": {
                "publishedAt": video["snippet"]["publishedAt"], "title": video["snippet"]["title"],
                "description": video["snippet"]["description"],
                "resourceId": {"kind": "youtube#video", "videoId": video["id"]}}} for video in reversed(self.videos)]
            return jsonify(kind="youtube#playlistItemListResponse", items=items[:int(request.args.get("maxResults",
                                                                                                        5))])

        @app.get("/youtube/v3/videos")
        def videos():
            refused = self._authorized()
            if refused:
                return refused
            wanted = set((request.args.get("id") or "").split(","))
            items = [{"kind": "youtube#video", "id": video["id"], "statistics": {
                "viewCount": "4200", "likeCount": "310", "favoriteCount": "0", "commentCount": "27"}}
                for video in self.videos if video["id"] in wanted]
            return jsonify(kind="youtube#videoListResponse", items=items)

        @app.post("/upload/youtube/v3/videos")
        def start_session():
            return self._start_session()

        @app.put("/upload/youtube/v3/videos")
        def upload():
            return self._put()

    def _start_session(self):
        refused = self._authorized()
        if refused:
            return refused
        if request.args.get("uploadType") != "resumable" or "snippet" not in (request.args.get("part") or ""):
            return google_error(400, "invalidParameter", "uploadType=resumable and part=snippet,status expected")
        if self.quota_spent:
            return google_error(403, "quotaExceeded", "The request cannot be completed because you have exceeded "
                                "your quota.", domain="youtube.quota")
        length = request.headers.get("X-Upload-Content-Length", "")
        body = request.get_json(silent=True) if (request.content_type or "").startswith("application/json") else None
        if not length.isdigit() or not isinstance(body, dict):
            return google_error(400, "badRequest", "X-Upload-Content-Length and a JSON video resource expected")
        title = str((body.get("snippet") or {}).get("title") or "")
        if not title or len(title) > 100 or "<" in title or ">" in title:
            return google_error(400, "invalidTitle", "The request metadata specifies an invalid video title.")
        refused = _metadata_error(body)
        if refused is not None:
            return refused
        upload_id = secrets.token_urlsafe(12)
        self.sessions[upload_id] = {"size": int(length), "received": bytearray(), "resource": body, "video": None,
                                    "type": request.headers.get("X-Upload-Content-Type", "video/*")}
        response = jsonify()
        response.headers["Location"] = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        return response

    def _incomplete(self, session):
        response = self.app.response_class(status=308)
        if session["received"]:
            response.headers["Range"] = f"bytes=0-{len(session['received']) - 1}"
        return response

    def _put(self):
        session = self.sessions.get(request.args.get("upload_id", ""))
        if session is None:
            return google_error(404, "notFound", "The upload session was not found or has expired.")
        content_range = request.headers.get("Content-Range", "")
        data = request.get_data()
        with self.lock:
            if content_range == f"bytes */{session['size']}":  # the status probe
                if session["video"] is not None:
                    return jsonify(session["video"]), 200
                return self._incomplete(session)
            match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
            if not match:
                return google_error(400, "badContent", "Content-Range is missing or malformed")
            first, last, total = (int(group) for group in match.groups())
            final = last + 1 == session["size"]
            if (total != session["size"] or len(data) != last - first + 1 or first > len(session["received"])
                    or (not final and len(data) % CHUNK_UNIT)):
                return google_error(400, "badContent", "the chunk does not continue the upload in 256 KiB units")
            if session["video"] is not None:
                return jsonify(session["video"]), 200
            session["received"][first:] = data
            if not final:
                return self._incomplete(session)
            session["video"] = self._create_video(session)
            return jsonify(session["video"]), 201

    def _create_video(self, session) -> dict:
        resource = session["resource"]
        video = {"kind": "youtube#video", "id": secrets.token_urlsafe(8)[:11],
                 "snippet": {**resource.get("snippet", {}), "channelId": CHANNEL,
                             "publishedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
                 "status": {"uploadStatus": "uploaded", **resource.get("status", {})},
                 "size": len(session["received"])}
        self.videos.append(video)
        return {key: value for key, value in video.items() if key != "size"}


FAKE_CLASSES = (FakeYouTube,)
