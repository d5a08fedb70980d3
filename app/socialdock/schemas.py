"""SocialDock on the wire: snake_case, public ids (`acc_`, `post_`, `med_`, `wh_`), every answer in the envelope
`{"data", "error", "meta"}`."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from app import clock
from app.common.fields import TrimmedString, UtcDateTime
from app.models import DOCK_PLATFORMS, TARGET_STATUSES
from app.socialdock.ids import public_id
from app.webhooks.outbox import DOCK_EVENT_NAMES

TEXT_MAX = 63206  # the longest any platform takes (Facebook); each platform's own cap is checked per target
URL_MAX = 2000


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


def _id(kind: str, attribute: str = "id"):
    return fields.Function(lambda row: public_id(kind, getattr(row, attribute)), metadata={"type": "string"})


def _http_url(value: str) -> None:
    lowered = value.lower()
    if not (lowered.startswith("https://") or lowered.startswith("http://")) or any(ch.isspace() for ch in value):
        raise ValidationError("must be an http(s) URL")


class ErrorBodySchema(Schema):
    message = fields.String(metadata={"example": "Account not found"})
    details = fields.String(metadata={"example": "No account with id acc_01hx... exists in this workspace."})


class EnvelopeErrorSchema(Schema):
    """Every refusal: `data` null, `error` set."""

    data = fields.Raw(allow_none=True, metadata={"example": None})
    error = fields.Nested(ErrorBodySchema)
    meta = fields.Dict(metadata={"example": {}})


def envelope(data_schema, name: str, meta_schema=None):
    """A response schema `{"data": <data_schema>, "error": null, "meta": {...}}`."""
    return Schema.from_dict({
        "data": fields.Nested(data_schema),
        "error": fields.Raw(allow_none=True, dump_default=None, metadata={"example": None}),
        "meta": fields.Nested(meta_schema) if meta_schema else fields.Dict(dump_default=dict),
    }, name=name)


class SuccessSchema(Schema):
    success = fields.Boolean()


# Accounts


class ConnectInputSchema(Strict):
    platform = fields.String(required=True, validate=validate.OneOf(DOCK_PLATFORMS))
    redirect_url = TrimmedString(validate=[validate.Length(max=URL_MAX), _http_url])


class ConnectSchema(Schema):
    connect_url = fields.String()
    token = fields.String()
    expires_at = UtcDateTime()
    platform = fields.String()


class AccountSchema(Schema):
    id = _id("account")
    platform = fields.String()
    username = fields.String(allow_none=True)
    display_name = fields.String(allow_none=True)
    connected_at = UtcDateTime()
    status = fields.String()


class AccountListSchema(Schema):
    accounts = fields.List(fields.Nested(AccountSchema))


class AccountStatusQuerySchema(Strict):
    platform = fields.String(validate=validate.OneOf(DOCK_PLATFORMS))


class AccountStatusItemSchema(Schema):
    id = _id("account")
    platform = fields.String()
    status = fields.String()
    reason = fields.String(attribute="status_reason", allow_none=True)


class AccountStatusSchema(Schema):
    accounts = fields.List(fields.Nested(AccountStatusItemSchema))
    connected_platforms = fields.List(fields.String())


class DisconnectSchema(Schema):
    success = fields.Boolean()
    withdrawn_targets = fields.Integer(metadata={"description": "scheduled targets of the account, now failed"})
    still_publishing = fields.Integer(metadata={"description": "targets already in the platform's hands"})


# Posts


class TargetInputSchema(Strict):
    platform = fields.String(required=True, validate=validate.OneOf(DOCK_PLATFORMS))
    account_id = fields.String(required=True, validate=validate.Length(1, 80))
    metadata = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)), load_default=dict)


class PostInputSchema(Strict):
    text = TrimmedString(required=True, validate=validate.Length(1, TEXT_MAX))
    title = TrimmedString(allow_none=True, validate=validate.Length(max=300))
    targets = fields.List(fields.Nested(TargetInputSchema), required=True, validate=validate.Length(1, 20))
    media_urls = fields.List(TrimmedString(validate=[validate.Length(max=URL_MAX), _http_url]),
                             load_default=list, validate=validate.Length(max=10))
    tags = fields.List(TrimmedString(validate=validate.Length(1, 100)), load_default=list,
                       validate=validate.Length(max=30))
    scheduled_at = UtcDateTime(allow_none=True)
    publish_now = fields.Boolean(load_default=True)


class PostUpdateSchema(Strict):
    text = TrimmedString(validate=validate.Length(1, TEXT_MAX))
    title = TrimmedString(allow_none=True, validate=validate.Length(max=300))
    tags = fields.List(TrimmedString(validate=validate.Length(1, 100)), validate=validate.Length(max=30))
    scheduled_at = UtcDateTime()

    @validates("scheduled_at")
    def _future(self, value, **kwargs):
        if value <= clock.now():
            raise ValidationError("must be in the future")


class TargetSchema(Schema):
    class Meta:
        ordered = True

    platform = fields.String()
    account_id = _id("account", "account_id")
    status = fields.Function(lambda row: getattr(row, "shown_status", None) or row.status,
                             metadata={"type": "string", "enum": list(TARGET_STATUSES)})
    platform_post_id = fields.String(allow_none=True)
    platform_post_url = fields.String(allow_none=True)
    published_at = UtcDateTime(allow_none=True)
    error = fields.String(allow_none=True)


class CreatedPostSchema(Schema):
    class Meta:
        ordered = True

    post_id = _id("post")
    status = fields.Function(lambda post: getattr(post, "shown_status", None) or post.status,
                             metadata={"type": "string"})
    targets = fields.List(fields.Nested(TargetSchema))


class PostSummarySchema(Schema):
    class Meta:
        ordered = True

    id = _id("post")
    status = fields.Function(lambda post: getattr(post, "shown_status", None) or post.status,
                             metadata={"type": "string"})
    text = fields.String()
    title = fields.String(allow_none=True)
    scheduled_at = UtcDateTime(allow_none=True)
    published_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class PostListSchema(Schema):
    posts = fields.List(fields.Nested(PostSummarySchema))


class PostListQuerySchema(Strict):
    status = fields.String(validate=validate.OneOf(("published", "scheduled", "publishing", "failed")))
    platform = fields.String(validate=validate.OneOf(DOCK_PLATFORMS))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class ListMetaSchema(Schema):
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class MediaRefSchema(Schema):
    id = fields.String(allow_none=True)
    url = fields.String()
    mime_type = fields.String(allow_none=True)


class PostDetailSchema(PostSummarySchema):
    body = fields.Function(lambda post: post.text, metadata={"type": "string", "description": "same as text"})
    tags = fields.List(fields.String())
    targets = fields.List(fields.Nested(TargetSchema))
    media = fields.List(fields.Nested(MediaRefSchema))


class UpdatedPostSchema(Schema):
    post = fields.Nested(PostSummarySchema)


# Analytics


class PostMetricsSchema(Schema):
    views = fields.Integer(allow_none=True)
    likes = fields.Integer(allow_none=True)
    comments = fields.Integer(allow_none=True)
    shares = fields.Integer(allow_none=True)


class TargetAnalyticsSchema(Schema):
    platform = fields.String()
    account_id = fields.String()
    metrics = fields.Nested(PostMetricsSchema)
    fetched_at = UtcDateTime(allow_none=True)
    sandbox = fields.Boolean()


class PostAnalyticsSchema(Schema):
    post_id = fields.String()
    targets = fields.List(fields.Nested(TargetAnalyticsSchema))


class AccountMetricsSchema(Schema):
    followers = fields.Integer(allow_none=True)
    following = fields.Integer(allow_none=True)
    posts = fields.Integer(allow_none=True)
    followers_growth_pct = fields.Float(allow_none=True)
    avg_engagement_rate = fields.Float(allow_none=True)


class AccountAnalyticsSchema(Schema):
    platform = fields.String()
    metrics = fields.Nested(AccountMetricsSchema)
    fetched_at = UtcDateTime(allow_none=True)
    sandbox = fields.Boolean()


class OverviewQuerySchema(Strict):
    period = fields.String(load_default="30d", validate=validate.OneOf(("7d", "30d", "90d")))


class OverviewSchema(Schema):
    summary = fields.Dict()
    platforms = fields.Dict()
    recent_posts = fields.List(fields.Dict())


# Media


class MediaInputSchema(Strict):
    url = TrimmedString(required=True, validate=[validate.Length(1, URL_MAX), _http_url])
    file_name = TrimmedString(validate=validate.Length(1, 255))


class MediaSchema(Schema):
    id = _id("media")
    url = fields.String()
    mime_type = fields.String()
    size_bytes = fields.Integer()
    file_name = fields.String(allow_none=True)


# Webhooks


class WebhookInputSchema(Strict):
    url = TrimmedString(required=True, validate=validate.Length(1, URL_MAX))
    events = fields.List(fields.String(validate=validate.OneOf(DOCK_EVENT_NAMES)), required=True,
                         validate=validate.Length(min=1))
    secret = fields.String(validate=validate.Length(8, 200))


class WebhookSchema(Schema):
    id = _id("webhook")
    url = fields.String()
    events = fields.List(fields.String())
    active = fields.Boolean()


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(metadata={"description": "only when SocialDock generated it (no `secret` was sent)"})


class WebhookListSchema(Schema):
    webhooks = fields.List(fields.Nested(WebhookSchema))
