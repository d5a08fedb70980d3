"""Media for a LinkedIn post, uploaded before the post and resumable from the checkpoint.

Images: POST /rest/images?action=initializeUpload -> {uploadUrl, image urn}, then PUT the bytes to uploadUrl.
Video: POST /rest/videos?action=initializeUpload (owner, fileSizeBytes) -> {video urn, uploadToken,
uploadInstructions [{uploadUrl, firstByte, lastByte}]}; PUT each byte range, keeping each part's ETag; then
POST /rest/videos?action=finalizeUpload with the ETags in order, and wait for the video to be AVAILABLE.

`checkpoint["media"]` holds one entry per attachment (urn, upload URLs, which parts are done), saved the moment
LinkedIn hands anything back, so a publish that was cut off resumes where it stopped (unless the upload URLs have
expired meanwhile: that attachment's upload then starts afresh). Nothing here can show up
on the member's feed (an upload is not a post), so an interrupted upload is simply resumed, never "may have
happened".
"""

from __future__ import annotations

import copy
import time

from app.platforms.base import ErrorKind, MediaItem, PlatformError, PublishContext
from app.platforms.linkedin_api import LinkedInApi, urn_path

VIDEO_POLLS = 3  # AppCredentials.extra["video_polls"]: how often to look at a processing video before retrying later
VIDEO_POLL_SECONDS = 2.0
PROCESSING_RETRY_AFTER = 30.0
URL_EXPIRY_MARGIN_MS = 10 * 60 * 1000  # upload URLs this close to their expiry are not used: a new upload starts


def _expired(entry: dict) -> bool:
    """Whether the upload URLs LinkedIn gave for this entry have expired (uploadUrlExpiresAt, epoch ms)."""
    expires = entry.get("expires_at")
    return isinstance(expires, int | float) and expires - URL_EXPIRY_MARGIN_MS < time.time() * 1000


def _value(response, *keys: str) -> dict:
    try:
        value = response.json()["value"]
        for key in keys:
            value[key]  # noqa: B018 - each must be present
    except (ValueError, KeyError, TypeError) as error:
        raise PlatformError(ErrorKind.RETRY_LATER, "LinkedIn answered an upload request without the upload details; "
                            "will try again", retry_after=PROCESSING_RETRY_AFTER,
                            detail=response.text[:300]) from error
    return value


class _Uploads:
    def __init__(self, api: LinkedInApi, ctx: PublishContext, owner: str):
        self.api, self.ctx, self.owner = api, ctx, owner
        self.entries: list[dict] = copy.deepcopy(ctx.checkpoint.get("media") or [])

    def save(self, **values) -> None:
        self.ctx.save(media=copy.deepcopy(self.entries), **values)

    def image(self, entry: dict, media: MediaItem) -> None:
        if entry.get("urn") and not entry.get("uploaded") and _expired(entry):
            entry.clear()  # the upload URL from an earlier attempt expired: start this image's upload afresh
        if not entry.get("urn"):
            self.ctx.save(step="upload")
            value = _value(self.api.send("POST", "/rest/images?action=initializeUpload", "start an image upload",
                                         json={"initializeUploadRequest": {"owner": self.owner}}),
                           "image", "uploadUrl")
            entry.update(urn=value["image"], upload_url=value["uploadUrl"], uploaded=False,
                         expires_at=value.get("uploadUrlExpiresAt"))
            self.save()
        if not entry.get("uploaded"):
            with media.open() as handle:
                data = handle.read()
            self.api.send("PUT", entry["upload_url"], f"upload the image {media.file_name or ''}".rstrip(),
                          headers={"Authorization": f"Bearer {self.ctx.tokens.access_token}",
                                   "Content-Type": media.mime_type}, data=data)
            entry["uploaded"] = True
            self.save()

    def video(self, entry: dict, media: MediaItem) -> None:
        if entry.get("urn") and not entry.get("finalize_sent") and _expired(entry):
            entry.clear()  # the part URLs from an earlier attempt expired: upload the video afresh
        if not entry.get("urn"):
            self.ctx.save(step="upload")
            request = {"owner": self.owner, "fileSizeBytes": media.size_bytes, "uploadCaptions": False,
                       "uploadThumbnail": False}
            value = _value(self.api.send("POST", "/rest/videos?action=initializeUpload", "start a video upload",
                                         json={"initializeUploadRequest": request}),
                           "video", "uploadInstructions")
            parts = [{"url": part["uploadUrl"], "first": int(part["firstByte"]), "last": int(part["lastByte"])}
                     for part in value["uploadInstructions"]]
            entry.update(urn=value["video"], upload_token=value.get("uploadToken") or "", parts=parts,
                         etags=[None] * len(parts), finalized=False, expires_at=value.get("uploadUrlsExpireAt"))
            self.save()
        self._parts(entry, media)
        if not entry.get("finalized"):
            self._finalize(entry)
        self._wait_available(entry["urn"])

    def _parts(self, entry: dict, media: MediaItem) -> None:
        total = len(entry["parts"])
        with media.open() as handle:
            for index, part in enumerate(entry["parts"]):
                if entry["etags"][index]:
                    continue  # sent in an earlier attempt: LinkedIn has it
                handle.seek(part["first"])
                data = handle.read(part["last"] - part["first"] + 1)
                response = self.api.send("PUT", part["url"], f"upload part {index + 1} of {total} of the video",
                                         headers={"Content-Type": "application/octet-stream"}, data=data)
                etag = response.headers.get("ETag")
                if not etag:
                    raise PlatformError(ErrorKind.RETRY_LATER, f"LinkedIn took part {index + 1} of the video without "
                                        "an ETag; it will be sent again", retry_after=PROCESSING_RETRY_AFTER)
                entry["etags"][index] = etag
                self.save()

    def _status(self, urn: str) -> str:
        return str(self.api.get(f"/rest/videos/{urn_path(urn)}", "look at the uploaded video").get("status") or "")

    def _finalize(self, entry: dict) -> None:
        # A finalize whose answer was lost may have worked: the video's status says whether it still waits.
        if not entry.get("finalize_sent") or self._status(entry["urn"]) == "WAITING_UPLOAD":
            entry["finalize_sent"] = True
            self.save()
            self.api.send("POST", "/rest/videos?action=finalizeUpload", "finish the video upload",
                          json={"finalizeUploadRequest": {"video": entry["urn"], "uploadToken": entry["upload_token"],
                                                          "uploadedPartIds": entry["etags"]}})
        entry["finalized"] = True
        self.save()

    def _wait_available(self, urn: str) -> None:
        polls = int(self.ctx.app.extra.get("video_polls", VIDEO_POLLS))
        for attempt in range(max(1, polls)):
            status = self._status(urn)
            if status == "AVAILABLE":
                return
            if status == "PROCESSING_FAILED":
                raise PlatformError(ErrorKind.BAD_REQUEST, "LinkedIn could not process the video (check its format: "
                                    "MP4, 3 s to 30 min)", detail=status)
            if attempt + 1 < polls:
                time.sleep(float(self.ctx.app.extra.get("video_poll_seconds", VIDEO_POLL_SECONDS)))
        raise PlatformError(ErrorKind.RETRY_LATER, "LinkedIn is still processing the video; the post follows when it "
                            "is ready", retry_after=PROCESSING_RETRY_AFTER, detail=status)


def upload_media(api: LinkedInApi, ctx: PublishContext, owner: str) -> list[str]:
    """Upload (or finish uploading) every attachment; the media urns in order."""
    uploads = _Uploads(api, ctx, owner)
    for index, media in enumerate(ctx.request.media):
        if index >= len(uploads.entries):
            uploads.entries.append({"kind": media.kind})
        try:
            if media.kind == "video":
                uploads.video(uploads.entries[index], media)
            else:
                uploads.image(uploads.entries[index], media)
        except PlatformError as error:
            if not error.maybe_happened:
                raise
            raise PlatformError(ErrorKind.RETRY_LATER, f"LinkedIn: the upload of {media.file_name or media.kind} was "
                                "interrupted; it resumes where it stopped", retry_after=error.retry_after,
                                status=error.status, detail=error.detail) from error
    return [entry["urn"] for entry in uploads.entries[:len(ctx.request.media)]]
