"""Webhook request and response bodies (camelCase out; the secret only on create and rotate)."""

from marshmallow import Schema, fields, validate

from app.common.fields import TrimmedString, UtcDateTime
from app.common.schemas import StrictSchema
from app.models.webhooks import DELIVERY_STATUSES
from app.webhooks.outbox import ALL_EVENTS, EVENT_NAMES

_EVENTS_HELP = f"event names to receive: {', '.join(EVENT_NAMES)}, or {ALL_EVENTS} for all"


class WebhookCreateSchema(StrictSchema):
    url = TrimmedString(required=True, validate=validate.Length(min=1, max=2000),
                        metadata={"description": "https URL (http only with WEBHOOKS_ALLOW_PRIVATE)"})
    events = fields.List(TrimmedString(validate=validate.Length(max=60)), required=True,
                         validate=validate.Length(min=1, max=20), metadata={"description": _EVENTS_HELP})
    secret = TrimmedString(validate=validate.Length(min=16, max=200), allow_none=True,
                           metadata={"description": "your own signing secret; generated (32 random bytes) if absent"})
    description = TrimmedString(validate=validate.Length(max=500), allow_none=True)


class WebhookUpdateSchema(StrictSchema):
    url = TrimmedString(validate=validate.Length(min=1, max=2000))
    events = fields.List(TrimmedString(validate=validate.Length(max=60)), validate=validate.Length(min=1, max=20),
                         metadata={"description": _EVENTS_HELP})
    description = TrimmedString(validate=validate.Length(max=500), allow_none=True)
    active = fields.Boolean(metadata={"description": "false stops deliveries and gives up pending ones"})


class WebhookSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    deactivatedReason = fields.String(attribute="deactivated_reason", allow_none=True)
    failingSince = UtcDateTime(attribute="failing_since", allow_none=True)
    createdAt = UtcDateTime(attribute="created_at")
    updatedAt = UtcDateTime(attribute="updated_at")


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(metadata={"description": "the signing secret; shown only in this answer"})


class WebhookListSchema(Schema):
    webhooks = fields.List(fields.Nested(WebhookSchema))


class TestResultSchema(Schema):
    class Meta:
        ordered = True

    event = fields.String()
    deliveryId = fields.UUID()
    delivered = fields.Boolean(metadata={"description": "true when the endpoint answered 2xx"})
    statusCode = fields.Integer(allow_none=True)
    latencyMs = fields.Integer()
    responseBody = fields.String(allow_none=True, metadata={"description": "the first 1 KiB of the answer"})
    error = fields.String(allow_none=True)


class DeliveryQuerySchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class DeliverySchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID(metadata={"description": "also the X-SocialScalr-Delivery header of every attempt"})
    eventId = fields.UUID(attribute="event_id")
    event = fields.String(attribute="event_name")
    status = fields.String(metadata={"description": "pending | delivered | failed"})
    attempts = fields.Integer()
    lastStatusCode = fields.Integer(attribute="last_status_code", allow_none=True)
    lastError = fields.String(attribute="last_error", allow_none=True)
    lastResponseBody = fields.String(attribute="last_response_body", allow_none=True)
    latencyMs = fields.Integer(attribute="latency_ms", allow_none=True)
    lastAttemptAt = UtcDateTime(attribute="last_attempt_at", allow_none=True)
    nextAttemptAt = UtcDateTime(attribute="next_attempt_at", allow_none=True,
                                metadata={"description": "when the next retry is due (pending only)"})
    deliveredAt = UtcDateTime(attribute="delivered_at", allow_none=True)
    createdAt = UtcDateTime(attribute="created_at")


class DeliveryListSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema))
