"""Leads on the wire: what the API shows, and what a client may send."""

from datetime import UTC

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.common.casing import CamelOrSnakeSchema
from app.common.fields import TrimmedString, UtcDateTime
from app.common.schemas import StrictSchema
from app.models import LEAD_STATUSES

MAX_BULK_LEADS = 1000
MAX_TAGS = 50


class LeadSchema(Schema):
    """A lead as the REST API shows it."""

    class Meta:
        ordered = True

    id = fields.UUID()
    campaignId = fields.UUID(attribute="campaign_id")
    name = fields.String()
    firstName = fields.String(attribute="first_name")
    lastName = fields.String(attribute="last_name")
    profileUrl = fields.String(attribute="profile_url", metadata={"example": "https://www.linkedin.com/in/ada/"})
    title = fields.String()
    company = fields.String()
    location = fields.String()
    status = fields.String(metadata={"enum": list(LEAD_STATUSES)})
    statusReason = fields.String(attribute="status_reason")
    notes = fields.String()
    tags = fields.List(fields.String())
    customFields = fields.Dict(attribute="custom_fields", keys=fields.String(), values=fields.String())
    invitedAt = UtcDateTime(attribute="invited_at")
    connectedAt = UtcDateTime(attribute="connected_at")
    lastMessagedAt = UtcDateTime(attribute="last_messaged_at")
    repliedAt = UtcDateTime(attribute="replied_at")
    createdAt = UtcDateTime(attribute="created_at")
    updatedAt = UtcDateTime(attribute="updated_at")


def _tags_field():
    return fields.List(TrimmedString(validate=validate.Length(1, 50)), validate=validate.Length(max=MAX_TAGS))


def _custom_fields_field():
    return fields.Dict(keys=TrimmedString(validate=validate.Length(1, 100)),
                       values=TrimmedString(validate=validate.Length(max=1000)), validate=validate.Length(max=50))


class LeadInputSchema(CamelOrSnakeSchema):
    """One lead to add (bulk POST, CSV row, extension scrape)."""

    name = TrimmedString(validate=validate.Length(max=200))
    firstName = TrimmedString(validate=validate.Length(max=100), allow_none=True)
    lastName = TrimmedString(validate=validate.Length(max=100), allow_none=True)
    profileUrl = TrimmedString(required=True, validate=validate.Length(1, 2000))
    title = TrimmedString(validate=validate.Length(max=300), allow_none=True)
    company = TrimmedString(validate=validate.Length(max=200), allow_none=True)
    location = TrimmedString(validate=validate.Length(max=200), allow_none=True)
    notes = TrimmedString(validate=validate.Length(max=5000), allow_none=True)
    tags = _tags_field()
    customFields = _custom_fields_field()

    @validates_schema
    def _name_required(self, data, **kwargs):
        if not data.get("name") and not (data.get("firstName") or data.get("lastName")):
            raise ValidationError("required: the lead's name (or firstName/lastName)", "name")


class BulkLeadsSchema(CamelOrSnakeSchema):
    campaignId = fields.UUID(required=True)
    # Items are validated by the service (index and field named in the error).
    leads = fields.List(fields.Dict(), required=True, metadata={"maxItems": MAX_BULK_LEADS})


class BulkLeadsResultSchema(Schema):
    class Meta:
        ordered = True

    created = fields.Integer()
    duplicates = fields.Integer()
    leads = fields.List(fields.Nested(LeadSchema))


class LeadListQuerySchema(CamelOrSnakeSchema):
    campaignId = fields.UUID()
    status = fields.String(validate=validate.OneOf(LEAD_STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500, error="must be between 1 and 500"))
    updatedSince = UtcDateTime(metadata={"description": "only leads changed at or after this time"})
    cursor = fields.String(validate=validate.Length(max=200),
                           metadata={"description": "the nextCursor of the previous page"})


def _iso_z(value) -> str:
    # The same text as UtcDateTime, without building a field per value.
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FastLeadList(fields.List):
    """Dumps exactly like List(Nested(LeadSchema)), without marshmallow's per-field calls.

    A 500-lead page spent most of its time in marshmallow; the plan below is built once from
    LeadSchema's own fields, so the two cannot drift apart.
    """

    _plan = None

    @classmethod
    def plan(cls):
        if cls._plan is None:
            plan = []
            for name, field in LeadSchema().fields.items():
                if isinstance(field, UtcDateTime):
                    convert = _iso_z
                elif isinstance(field, fields.UUID):
                    convert = str
                else:
                    convert = None
                plan.append((field.data_key or name, field.attribute or name, convert))
            cls._plan = plan
        return cls._plan

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        plan = self.plan()
        rows = []
        for lead in value:
            row = {}
            for key, attribute, convert in plan:
                item = getattr(lead, attribute)
                row[key] = convert(item) if convert is not None and item is not None else item
            rows.append(row)
        return rows


class LeadListSchema(Schema):
    leads = FastLeadList(fields.Nested(LeadSchema))
    nextCursor = fields.String(allow_none=True, metadata={
        "description": "pass as `cursor` for the next page; present whenever a cursor or updatedSince was given"})


class LeadUpdateSchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(LEAD_STATUSES))
    notes = TrimmedString(validate=validate.Length(max=5000), allow_none=True)
    tags = _tags_field()
    customFields = _custom_fields_field()


class LeadExportQuerySchema(CamelOrSnakeSchema):
    campaignId = fields.UUID()
    status = fields.String(validate=validate.OneOf(LEAD_STATUSES))


class ImportQuerySchema(CamelOrSnakeSchema):
    campaignId = fields.UUID(metadata={"description": "the campaign to import into (or send it as a form field)"})


def load_form_campaign_id(form) -> object:
    """campaignId from the multipart form, validated like the query parameter (400 naming it)."""
    from app.errors import ApiError

    try:
        data = ImportQuerySchema().load({key: form[key] for key in form if key in ("campaignId", "campaign_id")})
    except ValidationError as error:
        raise ApiError(400, "campaignId: " + str(next(iter(error.messages.values()))[0])) from None
    if "campaignId" not in data:
        raise ApiError(400, "campaignId: required (query parameter or form field)")
    return data["campaignId"]


class ImportRowErrorSchema(Schema):
    row = fields.Integer(metadata={"description": "line number in the file (the header is line 1)"})
    error = fields.String()


class ImportResultSchema(Schema):
    class Meta:
        ordered = True

    created = fields.Integer()
    duplicates = fields.Integer()
    failed = fields.Integer()
    errors = fields.List(fields.Nested(ImportRowErrorSchema))
