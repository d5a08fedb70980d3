"""The do-not-contact list and erasure on the wire."""

from marshmallow import Schema, fields, validate

from app.common.casing import CamelOrSnakeSchema
from app.common.fields import TrimmedString, UtcDateTime
from app.leads.schemas import ImportRowErrorSchema
from app.models import DO_NOT_CONTACT_SOURCES

MAX_URLS_PER_REQUEST = 1000
_PROFILE_URL = {"example": "https://www.linkedin.com/in/ada/"}


class DoNotContactSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    profileUrl = fields.String(attribute="profile_url", allow_none=True, metadata={
        **_PROFILE_URL, "description": "normalised; null once the person's data was erased (they stay listed)"})
    source = fields.String(metadata={"enum": list(DO_NOT_CONTACT_SOURCES)})
    reason = fields.String(allow_none=True)
    createdAt = UtcDateTime(attribute="created_at")


class DoNotContactListQuerySchema(CamelOrSnakeSchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500, error="must be between 1 and 500"))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000,
                                                                    error="must be between 0 and 1000000"))


class DoNotContactListSchema(Schema):
    entries = fields.List(fields.Nested(DoNotContactSchema))
    total = fields.Integer()


class DoNotContactAddSchema(CamelOrSnakeSchema):
    profileUrls = fields.List(TrimmedString(validate=validate.Length(1, 2000)), required=True,
                              validate=validate.Length(1, MAX_URLS_PER_REQUEST),
                              metadata={"description": "LinkedIn profile URLs, normalised like leads'"})
    reason = TrimmedString(validate=validate.Length(max=300), allow_none=True,
                           metadata={"description": "why, for your team (cleared if the person is erased)"})


class DoNotContactAddResultSchema(Schema):
    class Meta:
        ordered = True

    added = fields.Integer(metadata={"description": "people not listed before"})
    alreadyListed = fields.Integer()
    leadsEnded = fields.Integer(metadata={"description": "their leads still in a sequence, now skipped"})
    actionsCancelled = fields.Integer(metadata={"description": "actions not yet started for them, cancelled"})
    profileUrls = fields.List(fields.String(), metadata={"description": "the URLs as listed (normalised)"})


class DoNotContactImportResultSchema(DoNotContactAddResultSchema):
    failed = fields.Integer()
    errors = fields.List(fields.Nested(ImportRowErrorSchema))


class ProfileUrlQuerySchema(CamelOrSnakeSchema):
    profileUrl = TrimmedString(required=True, validate=validate.Length(1, 2000), metadata=_PROFILE_URL)


class ErasedSchema(Schema):
    class Meta:
        ordered = True

    leads = fields.Integer(metadata={"description": "lead rows deleted"})
    actions = fields.Integer(metadata={"description": "actions kept for the caps, without the person's data"})
    archivedActions = fields.Integer()
    webhookEvents = fields.Integer(metadata={"description": "event payloads with the person removed"})
    webhookDeliveries = fields.Integer(metadata={"description": "delivery logs without their response bodies"})
    idempotencyKeys = fields.Integer(metadata={"description": "stored answers that showed the person, deleted"})


class ErasureResultSchema(Schema):
    class Meta:
        ordered = True

    profileUrl = fields.String(metadata=_PROFILE_URL)
    erased = fields.Nested(ErasedSchema)
    actionsCancelled = fields.Integer()
    doNotContact = fields.Boolean(metadata={"description": "always true: the person is on the list from now on"})
