"""Leads on the wire: what the API shows, and what a client may send."""

from datetime import UTC

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.common.casing import CamelOrSnakeSchema, camel
from app.common.fields import TrimmedString, UtcDateTime
from app.common.schemas import StrictSchema
from app.errors import ApiError
from app.models import LEAD_STATUSES

MAX_BULK_LEADS = 1000
MAX_TAGS = 50
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_KEY = 100
MAX_CUSTOM_VALUE = 1000
MAX_OFFSET = 100_000


def _nullable_text(attribute: str | None = None):
    return fields.String(attribute=attribute, allow_none=True)


class LeadSchema(Schema):
    """A lead as the REST API shows it."""

    class Meta:
        ordered = True

    id = fields.UUID()
    campaignId = fields.UUID(attribute="campaign_id")
    name = fields.String()
    firstName = _nullable_text(attribute="first_name")
    lastName = _nullable_text(attribute="last_name")
    profileUrl = fields.String(attribute="profile_url", metadata={"example": "https://www.linkedin.com/in/ada/"})
    title = _nullable_text()
    company = _nullable_text()
    location = _nullable_text()
    email = _nullable_text()
    phone = _nullable_text()
    headline = _nullable_text()
    status = fields.String(metadata={"enum": list(LEAD_STATUSES)})
    statusReason = _nullable_text(attribute="status_reason")
    notes = _nullable_text()
    tags = fields.List(fields.String())
    customFields = fields.Dict(attribute="custom_fields", keys=fields.String(), values=fields.String())
    invitedAt = UtcDateTime(attribute="invited_at", allow_none=True)
    connectedAt = UtcDateTime(attribute="connected_at", allow_none=True)
    lastMessagedAt = UtcDateTime(attribute="last_messaged_at", allow_none=True)
    repliedAt = UtcDateTime(attribute="replied_at", allow_none=True)
    createdAt = UtcDateTime(attribute="created_at")
    updatedAt = UtcDateTime(attribute="updated_at")


def _tags_field():
    return fields.List(TrimmedString(validate=validate.Length(1, 50)), validate=validate.Length(max=MAX_TAGS))


def _custom_fields_field():
    return fields.Dict(keys=TrimmedString(validate=validate.Length(1, MAX_CUSTOM_KEY)),
                       values=TrimmedString(validate=validate.Length(max=MAX_CUSTOM_VALUE)),
                       validate=validate.Length(max=MAX_CUSTOM_FIELDS))


def loose_key(name: str) -> str:
    """`Job Title`, `job_title` and `jobTitle` are one key: lower-cased letters and digits."""
    return "".join(ch for ch in name.strip().lower() if ch.isalnum())


# How CRMs and spreadsheets name lead fields (by loose_key) -> our field.
FIELD_ALIASES = {
    "name": "name", "fullname": "name",
    "firstname": "firstName", "lastname": "lastName",
    "profileurl": "profileUrl", "linkedinurl": "profileUrl", "linkedinprofile": "profileUrl",
    "linkedinprofileurl": "profileUrl", "url": "profileUrl", "profile": "profileUrl",
    "title": "title", "jobtitle": "title",
    "company": "company", "companyname": "company",
    "location": "location",
    "email": "email", "emailaddress": "email", "workemail": "email",
    "phone": "phone", "phonenumber": "phone", "mobile": "phone",
    "headline": "headline",
    "notes": "notes", "tags": "tags",
}
_EXTRA_VALUE_TYPES = (str, int, float, bool)


_BLANK_IS_ABSENT = ("email", "phone", "headline")  # CRMs send "" for contact details they do not have


class LeadInputSchema(CamelOrSnakeSchema):
    """One lead to add (bulk POST, CSV row, extension scrape).

    What a sales tool sends beyond these fields is kept, not refused: a known spelling of a lead
    field (`job_title`, `Email Address`) goes to that field; anything else into `customFields`.
    """

    # For the OpenAPI document (see app.common.openapi): what is accepted besides the fields.
    openapi_additional_properties = {"nullable": True, "description": "kept in customFields (as text)",
                                     "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}

    name = TrimmedString(validate=validate.Length(max=200))
    firstName = TrimmedString(validate=validate.Length(max=100), allow_none=True)
    lastName = TrimmedString(validate=validate.Length(max=100), allow_none=True)
    profileUrl = TrimmedString(required=True, validate=validate.Length(1, 2000))
    title = TrimmedString(validate=validate.Length(max=300), allow_none=True)
    company = TrimmedString(validate=validate.Length(max=200), allow_none=True)
    location = TrimmedString(validate=validate.Length(max=200), allow_none=True)
    email = TrimmedString(validate=[validate.Length(max=320), validate.Email()], allow_none=True)
    phone = TrimmedString(validate=validate.Length(max=50), allow_none=True)
    headline = TrimmedString(validate=validate.Length(max=300), allow_none=True)
    notes = TrimmedString(validate=validate.Length(max=5000), allow_none=True)
    tags = _tags_field()
    customFields = _custom_fields_field()

    def extra_fields(self, item: dict) -> dict[str, str]:
        """Keys of `item` that are not lead fields -> where they are kept (`title`, `customFields.industry`)."""
        known = set(self.fields)
        given = {camel(key) for key in item if key in known or camel(key) in known}
        where = {}
        for key in item:
            if key in known or camel(key) in known:
                continue
            target = FIELD_ALIASES.get(loose_key(key))
            if target and target not in given:
                given.add(target)
                where[key] = target
            else:
                where[key] = f"customFields.{key.strip()}"
        return where

    @pre_load
    def _camel_keys(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        moved = self.extra_fields(data)
        kept = {key: value for key, value in data.items() if key not in moved}
        custom = {}
        for key, target in moved.items():
            value = data[key]
            if value is None:
                continue  # no value: nothing to keep
            if not isinstance(value, _EXTRA_VALUE_TYPES):
                raise ValidationError("not a lead field, so kept in customFields, which holds text, numbers and "
                                      "true/false only", key)
            if target.startswith("customFields."):
                custom[target.removeprefix("customFields.")] = _as_text(value)
            else:
                kept[target] = value
        for key in _BLANK_IS_ABSENT:
            if isinstance(kept.get(key), str) and not kept[key].strip():
                kept[key] = None
        if custom:
            given = kept.get("customFields", kept.pop("custom_fields", None)) or {}
            if not isinstance(given, dict):
                raise ValidationError("Not a valid mapping type.", "customFields")
            for key in custom.keys() & given.keys():
                raise ValidationError("given twice (as a field and in customFields)", key)
            kept["customFields"] = {**given, **custom}
        return super()._camel_keys(kept, **kwargs)

    @validates_schema
    def _name_required(self, data, **kwargs):
        if not data.get("name") and not (data.get("firstName") or data.get("lastName")):
            raise ValidationError("required: the lead's name (or firstName/lastName)", "name")


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class UncheckedNested(fields.Nested):
    """Documented as the nested schema; loaded as the object given (the service validates each lead)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("must be an object")
        return value


class BulkLeadsSchema(CamelOrSnakeSchema):
    campaignId = fields.UUID(required=True)
    # Items are validated by the service (index and field named in the error).
    leads = fields.List(UncheckedNested(LeadInputSchema), required=True, metadata={"maxItems": MAX_BULK_LEADS})


class RefusedLeadSchema(Schema):
    class Meta:
        ordered = True

    profileUrl = fields.String(metadata={"description": "normalised"})
    reason = fields.String(metadata={"example": "on the team's do-not-contact list"})


def _refusal_fields():
    return (fields.Integer(metadata={"description": "leads not added because the person must not be contacted"}),
            fields.List(fields.Nested(RefusedLeadSchema), metadata={"description": "each person refused, and why"}))


class BulkLeadsResultSchema(Schema):
    class Meta:
        ordered = True

    created = fields.Integer()
    duplicates = fields.Integer()
    refused, refusedLeads = _refusal_fields()
    extraFields = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "each field sent that is not a lead field -> where it was kept: a lead field for a known "
                       "spelling (`job_title` -> `title`), else `customFields.<name>`"})
    leads = fields.List(fields.Nested(LeadSchema))


class LeadListQuerySchema(CamelOrSnakeSchema):
    campaignId = fields.UUID()
    status = fields.String(validate=validate.OneOf(LEAD_STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500, error="must be between 1 and 500"))
    offset = fields.Integer(validate=validate.Range(0, MAX_OFFSET, error=f"must be between 0 and {MAX_OFFSET}"),
                            metadata={"description": "skip this many leads (newest-first listing only; "
                                                     "to go through many leads use updatedSince and cursor)"})
    updatedSince = UtcDateTime(metadata={"description": "only leads changed at or after this time"})
    cursor = fields.String(validate=validate.Length(max=200),
                           metadata={"description": "the nextCursor of the previous page"})

    @pre_load
    def _camel_keys(self, data, **kwargs):
        if "page" in data:
            raise ValidationError("not supported: use offset ((page - 1) * limit) or cursor", "page")
        return super()._camel_keys(data, **kwargs)

    @validates_schema
    def _offset_only_without_sync(self, data, **kwargs):
        if "offset" in data and ("cursor" in data or "updatedSince" in data):
            raise ValidationError("not with cursor or updatedSince: a sync pages with cursor", "offset")


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
    refused, refusedLeads = _refusal_fields()
    failed = fields.Integer()
    errors = fields.List(fields.Nested(ImportRowErrorSchema))
