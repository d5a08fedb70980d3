"""Posts on the wire."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from app import clock
from app.common.casing import CamelOrSnakeSchema
from app.common.fields import TrimmedString, UtcDateTime
from app.models import POST_STATUSES

CONTENT_MAX = 3000  # LinkedIn's limit for a post
COMMENT_MAX = 1250  # LinkedIn's limit for a comment


class PostSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    content = fields.String(metadata={"example": "Thoughts on Q4..."})
    scheduledFor = UtcDateTime(allow_none=True, attribute="scheduled_for",
                               metadata={"example": "2026-06-01T13:00:00.000Z"})
    linkUrl = fields.String(allow_none=True, attribute="link_url")
    firstComment = fields.String(allow_none=True, attribute="first_comment")
    status = fields.String(metadata={"enum": list(POST_STATUSES)})
    statusReason = fields.String(allow_none=True, attribute="status_reason")
    publishedAt = UtcDateTime(allow_none=True, attribute="published_at")
    linkedinUrl = fields.String(allow_none=True, attribute="linkedin_url")
    createdAt = UtcDateTime(attribute="created_at")
    updatedAt = UtcDateTime(attribute="updated_at")


class PostListSchema(Schema):
    posts = fields.List(fields.Nested(PostSchema))


def _http_url(value):
    if value is None:
        return
    if not (value.lower().startswith("http://") or value.lower().startswith("https://")) or " " in value:
        raise ValidationError("must be an http(s) URL")
    if not value.split("://", 1)[1].split("/", 1)[0]:
        raise ValidationError("must be an http(s) URL with a host")


class PostInputSchema(CamelOrSnakeSchema):
    """Body of POST /posts (and of PUT, where every field is optional)."""

    content = TrimmedString(required=True, validate=validate.Length(1, CONTENT_MAX),
                            metadata={"example": "Thoughts on Q4..."})
    scheduledFor = UtcDateTime(allow_none=True, metadata={
        "description": "ISO 8601 with a time zone, in the future; absent = as soon as the extension is online",
        "example": "2026-06-01T13:00:00Z"})
    linkUrl = TrimmedString(allow_none=True, validate=[validate.Length(max=2000), _http_url],
                            metadata={"example": "https://socialscalr.com"})
    firstComment = TrimmedString(allow_none=True, validate=validate.Length(1, COMMENT_MAX),
                                 metadata={"example": "More on this..."})

    @validates("scheduledFor")
    def _future(self, value, **kwargs):
        if value is not None and value <= clock.now():
            raise ValidationError("must be in the future")


class PostUpdateSchema(PostInputSchema):
    content = TrimmedString(validate=validate.Length(1, CONTENT_MAX))
