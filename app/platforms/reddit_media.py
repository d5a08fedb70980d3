"""An image for a Reddit post: Reddit's media asset upload, resumable from the checkpoint.

POST /api/media/asset.json (filepath, mimetype) answers an upload lease: `args.action` (a scheme-less URL of
Reddit's S3 bucket) and `args.fields` (form fields S3 checks, among them `key`), plus the asset id. The file is then
POSTed there as multipart form data (fields first, the file last), without our Reddit token. The image's URL for
`/api/submit` (kind=image) is `<action>/<key>`. The lease is saved the moment it arrives, so an interrupted upload
is sent again to the same lease (a lease that expired meanwhile, refused by S3 with 403, is replaced by a new one);
an upload shows nowhere on Reddit, so it is never "may have happened".
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.platforms.base import ErrorKind, MediaItem, PlatformError, PublishContext
from app.platforms.reddit_api import RedditApi

UPLOAD_RETRY_AFTER = 30.0


def _lease(api: RedditApi, media: MediaItem) -> dict:
    body = api.post("/api/media/asset.json", "take the image upload",
                    data={"filepath": media.file_name or "image", "mimetype": media.mime_type})
    try:
        action, fields = body["args"]["action"], body["args"]["fields"]
        asset_id = body["asset"]["asset_id"]
        key = next(field["value"] for field in fields if field["name"] == "key")
    except (KeyError, TypeError, StopIteration) as error:
        raise PlatformError(ErrorKind.RETRY_LATER, "Reddit answered the image upload request without an upload "
                            "lease; will try again", retry_after=UPLOAD_RETRY_AFTER,
                            detail=str(body)[:300]) from error
    if action.startswith("//"):  # scheme-less: the scheme of Reddit's API (https in production)
        action = f"{urlsplit(api.app.api_base).scheme or 'https'}:{action}"
    return {"asset_id": asset_id, "upload_url": action, "fields": [[field["name"], field["value"]] for field in fields],
            "media_url": f"{action.rstrip('/')}/{key}", "uploaded": False}


class _LeaseRefused(Exception):
    """S3 refused the lease's signed policy (it expires): a new lease is needed."""


def _send(api: RedditApi, lease: dict, media: MediaItem) -> None:
    with media.open() as handle:
        response = api.http.write("POST", lease["upload_url"], data=[tuple(field) for field in lease["fields"]],
                                  files={"file": (media.file_name or "image", handle, media.mime_type)})
    if response.status_code in (200, 201, 204):
        return
    if response.status_code == 403:
        raise _LeaseRefused(response.text[:300])
    if 400 <= response.status_code < 500:
        raise PlatformError(ErrorKind.BAD_REQUEST, f"Reddit's media store refused the image "
                            f"{media.file_name or ''} (HTTP {response.status_code})".replace("  ", " "),
                            status=response.status_code, detail=response.text[:300])
    raise PlatformError(ErrorKind.RETRY_LATER, "Reddit's media store could not take the image just now; will try "
                        "again", retry_after=UPLOAD_RETRY_AFTER, status=response.status_code,
                        detail=response.text[:300])


def upload_image(api: RedditApi, ctx: PublishContext, media: MediaItem) -> str:
    """The image's URL on Reddit's media store, uploading it (or finishing the upload) first."""
    lease = dict(ctx.checkpoint.get("asset") or {})
    try:
        for fresh in (not lease, True):
            if fresh:
                ctx.save(step="upload")
                lease = _lease(api, media)
                ctx.save(asset=dict(lease))
            if lease.get("uploaded"):
                break
            try:
                _send(api, lease, media)
            except _LeaseRefused as refused:
                if fresh:  # a lease taken just now refused: not an expiry, Reddit's store will not take it
                    raise PlatformError(ErrorKind.RETRY_LATER, "Reddit's media store refused the image upload; will "
                                        "try again", retry_after=UPLOAD_RETRY_AFTER, status=403,
                                        detail=str(refused)) from refused
                continue  # a lease kept from an earlier attempt expired: take a new one
            lease["uploaded"] = True
            ctx.save(asset=dict(lease))
            break
    except PlatformError as error:
        if not error.maybe_happened:
            raise
        raise PlatformError(ErrorKind.RETRY_LATER, "Reddit: the image upload was interrupted; it will be sent again",
                            retry_after=error.retry_after, status=error.status, detail=error.detail) from error
    return lease["media_url"]
