"""The `post_info` a TikTok post is initialised with: the creator's switches (creator_info/query) and the post's
metadata, every field of which `tiktok_rules.check_metadata` has checked."""

from __future__ import annotations

from app.platforms.base import PublishRequest
from app.platforms.tiktok_rules import caption, check_duration, check_metadata, is_photo_post, refuse

PASSED_THROUGH = ("video_cover_timestamp_ms", "brand_content_toggle", "brand_organic_toggle", "is_aigc")


def post_info(request: PublishRequest, creator: dict) -> dict:
    """`creator` is creator_info/query's data: the privacy levels offered and the switches the creator turned off."""
    check_metadata(request)
    metadata = request.metadata
    options = list(creator.get("privacy_level_options") or [])
    wanted = metadata.get("privacy_level")
    if wanted and wanted not in options:
        raise refuse(f"this account offers the privacy levels {', '.join(options) or 'none'}, not {wanted}")
    privacy = wanted or next((level for level in ("PUBLIC_TO_EVERYONE", "SELF_ONLY") if level in options),
                             options[0] if options else "SELF_ONLY")
    info = {"privacy_level": privacy,
            "disable_comment": bool(creator.get("comment_disabled") or metadata.get("disable_comment"))}
    if is_photo_post(request):
        info["description"] = request.text or ""
        if request.title:
            info["title"] = request.title
        info["auto_add_music"] = metadata.get("auto_add_music") is not False
    else:
        check_duration(request, creator.get("max_video_post_duration_sec"))
        info |= {"title": caption(request),
                 "disable_duet": bool(creator.get("duet_disabled") or metadata.get("disable_duet")),
                 "disable_stitch": bool(creator.get("stitch_disabled") or metadata.get("disable_stitch"))}
    for key in PASSED_THROUGH:
        if metadata.get(key) is not None:
            info[key] = metadata[key]
    return info


def photo_cover_index(request: PublishRequest) -> int:
    return int(request.metadata.get("photo_cover_index") or 0)
