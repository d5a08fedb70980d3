"""Comments on the wire."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from app.common.casing import CamelOrSnakeSchema
from app.common.fields import TrimmedString, UtcDateTime
from app.models import COMMENT_STATUSES
from app.posts.schemas import COMMENT_MAX


class CommentSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    postId = fields.UUID(allow_none=True, attribute="post_id")
    postUrl = fields.String(allow_none=True, attribute="post_url")
    content = fields.String()
    status = fields.String(metadata={"enum": list(COMMENT_STATUSES)})
    statusReason = fields.String(allow_none=True, attribute="status_reason")
    approvedAt = UtcDateTime(allow_none=True, attribute="approved_at")
    postedAt = UtcDateTime(allow_none=True, attribute="posted_at")
    linkedinUrl = fields.String(allow_none=True, attribute="linkedin_url")
    createdAt = UtcDateTime(attribute="created_at")
    updatedAt = UtcDateTime(attribute="updated_at")


class CommentListSchema(Schema):
    comments = fields.List(fields.Nested(CommentSchema))


class CommentInputSchema(CamelOrSnakeSchema):
    postUrl = TrimmedString(required=True, validate=validate.Length(1, 2000),
                            metadata={"example": "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000000/"})
    content = TrimmedString(required=True, validate=validate.Length(1, COMMENT_MAX),
                            metadata={"example": "Great point about pipeline hygiene."})

    @validates("postUrl")
    def _linkedin_post(self, value, **kwargs):
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
        except ValueError:
            raise ValidationError("must be a LinkedIn post URL") from None
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not (host == "linkedin.com" or host.endswith(".linkedin.com")):
            raise ValidationError("must be a LinkedIn post URL (https://www.linkedin.com/...)")
        if not parts.path.strip("/"):
            raise ValidationError("must be a LinkedIn post URL, not the home page")
