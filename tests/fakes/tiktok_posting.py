"""The Content Posting API half of the loopback TikTok (tests/fakes/tiktok.py): creator_info's switches are there,
the posting itself is here. video/init with FILE_UPLOAD (6 a minute per token), chunked PUT to the upload URL by the
Media Transfer Guide's rules, content/init for photos pulled from URLs, and status/fetch, all in TikTok's
`{"data", "error": {"code", "message", "log_id"}}` envelope."""

from __future__ import annotations

import re
import secrets
import time

from flask import jsonify, request


def envelope(data=None, code="ok", message="", status=200):
    response = jsonify({"data": data or {}, "error": {"code": code, "message": message, "log_id": "fake-log"}})
    response.status_code = status
    return response


SWITCHES = ("disable_comment", "disable_duet", "disable_stitch", "auto_add_music", "brand_content_toggle",
            "brand_organic_toggle", "is_aigc")


def post_info_error(info: dict):
    """TikTok's invalid_params for a post_info field of the wrong type (the reference's types)."""
    wrong = [key for key in SWITCHES if key in info and not isinstance(info[key], bool)]
    cover = info.get("video_cover_timestamp_ms")
    if cover is not None and (isinstance(cover, bool) or not isinstance(cover, int) or cover < 0):
        wrong.append("video_cover_timestamp_ms")
    if not isinstance(info.get("title", ""), str) or not isinstance(info.get("description", ""), str):
        wrong.append("title/description")
    return envelope(code="invalid_params", message=f"post_info: {', '.join(wrong)}", status=400) if wrong else None


class ContentPosting:
    """Mixed into FakeTikTok, whose state (`access`, `publishes`, `posts`, `privacy_options`, `min_chunk`,
    `fail_reasons`, `processing_polls`, `in_moderation`, `pulled`, `ids`, `lock`) it reads and changes."""

    def _authorized(self):
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        if self.access.get(token) != "ok":
            return envelope(code="access_token_invalid", message="The access token is invalid or not found in the "
                            "request.", status=401)
        return None

    def _json_body(self):
        if not (request.content_type or "").startswith("application/json"):
            return None, envelope(code="invalid_params", message="Content-Type must be application/json",
                                  status=400)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None, envelope(code="invalid_params", message="body is not a JSON object", status=400)
        return body, None

    def _video_init(self):
        refused = self._authorized()
        if refused:
            return refused
        token = request.headers["Authorization"].removeprefix("Bearer ")
        now = time.monotonic()
        with self.lock:
            recent = [when for who, when in self.inits if who == token and now - when < 60]
            if len(recent) >= 6:
                return envelope(code="rate_limit_exceeded", message="6 requests a minute", status=429)
            self.inits.append((token, now))
        body, bad = self._json_body()
        if bad:
            return bad
        info, source = body.get("post_info") or {}, body.get("source_info") or {}
        if info.get("privacy_level") not in self.privacy_options:
            return envelope(code="privacy_level_option_mismatch", message="privacy_level", status=400)
        if post_info_error(info) is not None:
            return post_info_error(info)
        if source.get("source") != "FILE_UPLOAD":
            return envelope(code="invalid_params", message="this fake takes FILE_UPLOAD", status=400)
        size, chunk, count = (source.get(key) for key in ("video_size", "chunk_size", "total_chunk_count"))
        if not all(isinstance(value, int) and value > 0 for value in (size, chunk, count)):
            return envelope(code="invalid_params", message="video_size, chunk_size, total_chunk_count", status=400)
        whole = chunk == size and count == 1
        if not whole and (chunk < self.min_chunk or chunk > 64 * 1024 * 1024 or count != size // chunk
                          or count > 1000):
            return envelope(code="invalid_params", message="chunk_size/total_chunk_count break the chunk rules",
                            status=400)
        publish_id = "v_pub_file~v2-1." + secrets.token_hex(6)
        upload_id = secrets.token_hex(6)
        self.publishes[publish_id] = {"upload_id": upload_id, "size": size, "chunk": chunk, "count": count,
                                      "received": 0, "status": "PROCESSING_UPLOAD", "title": info.get("title", ""),
                                      "polls_left": self.processing_polls, "post": None}
        return envelope({"publish_id": publish_id, "upload_url": f"{self.url}/video/?upload_id={upload_id}"
                         f"&upload_token={secrets.token_hex(4)}"})

    def _new_post(self, title: str, kind: str, media: int) -> dict:
        post = {"id": str(next(self.ids)), "title": title, "create_time": int(time.time()), "kind": kind,
                "media": media, "hidden": self.in_moderation}
        self.posts.append(post)
        return post

    def _content_init(self):
        refused = self._authorized()
        if refused:
            return refused
        body, bad = self._json_body()
        if bad:
            return bad
        info, source = body.get("post_info") or {}, body.get("source_info") or {}
        images = source.get("photo_images")
        if body.get("post_mode") != "DIRECT_POST" or body.get("media_type") != "PHOTO":
            return envelope(code="invalid_params", message="post_mode and media_type", status=400)
        if source.get("source") != "PULL_FROM_URL" or not isinstance(images, list) or not 1 <= len(images) <= 35:
            return envelope(code="invalid_params", message="photo_images: 1-35 URLs pulled from a verified domain",
                            status=400)
        if not all(isinstance(url, str) and url.startswith(("http://", "https://")) for url in images) or not (
                0 <= int(source.get("photo_cover_index") or 0) < len(images)):
            return envelope(code="invalid_params", message="photo_images / photo_cover_index", status=400)
        if info.get("privacy_level") not in self.privacy_options:
            return envelope(code="privacy_level_option_mismatch", message="privacy_level", status=400)
        if post_info_error(info) is not None:
            return post_info_error(info)
        publish_id = "p_pub_url~v2." + secrets.token_hex(6)
        with self.lock:
            self.pulled.append(images)
            post = self._new_post(info.get("description") or info.get("title") or "", "image", len(images))
            self.publishes[publish_id] = {"upload_id": None, "size": 0, "received": 0, "title": post["title"],
                                          "status": "PROCESSING_DOWNLOAD", "polls_left": self.processing_polls,
                                          "post": post}
        return envelope({"publish_id": publish_id})

    def _chunk(self):
        upload_id = request.args.get("upload_id")
        publish = next((item for item in self.publishes.values() if upload_id and item["upload_id"] == upload_id),
                       None)
        if publish is None:
            return envelope(code="invalid_params", message="unknown upload", status=404)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("Content-Range", ""))
        if not match or not (request.content_type or "").startswith("video/"):
            return envelope(code="invalid_params", message="Content-Range and a video Content-Type", status=400)
        first, last, total = (int(group) for group in match.groups())
        data = request.get_data()
        index = first // publish["chunk"]
        expected_last = publish["size"] - 1 if index == publish["count"] - 1 else first + publish["chunk"] - 1
        if (total != publish["size"] or first % publish["chunk"] or index >= publish["count"]
                or last != expected_last or len(data) != last - first + 1):
            return envelope(code="invalid_params", message="Content-Range does not match the chunk plan",
                            status=416)
        with self.lock:
            if first > publish["received"]:  # chunks go in order
                return envelope(code="invalid_params", message="chunks must be uploaded sequentially", status=416)
            publish["received"] = max(publish["received"], last + 1)
            if publish["received"] == publish["size"] and publish["status"] == "PROCESSING_UPLOAD":
                if self.fail_reasons:  # TikTok's processing refuses the video
                    publish["status"], publish["fail_reason"] = "FAILED", self.fail_reasons.pop(0)
                else:
                    publish["post"] = self._new_post(publish["title"], "video", 1)
                    publish["status"] = "PROCESSING_DOWNLOAD"
        return ("", 201) if publish["received"] == publish["size"] else ("", 206)

    def _status_fetch(self):
        refused = self._authorized()
        if refused:
            return refused
        body, bad = self._json_body()
        if bad:
            return bad
        publish = self.publishes.get(str(body.get("publish_id")))
        if publish is None:
            return envelope(code="invalid_publish_id", message="publish_id does not exist", status=400)
        data = {"status": publish["status"], "uploaded_bytes": publish["received"]}
        if publish.get("fail_reason"):
            data["fail_reason"] = publish["fail_reason"]
        if publish["status"] == "PROCESSING_DOWNLOAD":
            if publish["polls_left"] > 0:
                publish["polls_left"] -= 1
            else:
                publish["status"] = "PUBLISH_COMPLETE"
                data["status"] = "PUBLISH_COMPLETE"
        if data["status"] == "PUBLISH_COMPLETE":
            data["publicaly_available_post_id"] = [int(publish["post"]["id"])]
        return envelope(data)
