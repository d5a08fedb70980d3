"""The extension's messages on the wire (docs/extension-protocol.md shows one example of each)."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from app.comments.schemas import CommentSchema
from app.common.casing import CamelOrSnakeSchema
from app.common.fast_dump import dump_plan, dump_row
from app.common.fields import TrimmedString, UtcDateTime
from app.errors import ApiError
from app.leads.schemas import LeadSchema, RefusedLeadSchema
from app.leads.service import MAX_BULK_LEADS
from app.models import ACTION_TYPES
from app.posts.schemas import PostSchema
from extension_bridge.hostile import ScrapedText

MAX_DETAILS_KEYS = 20
MAX_DETAIL_LENGTH = 2000
OBSERVATION_TYPES = ("invite_accepted", "reply_received", "profile_updated", "opted_out")


class LinkedInAccountInputSchema(CamelOrSnakeSchema):
    profileUrl = TrimmedString(required=True, validate=validate.Length(1, 2000),
                               metadata={"example": "https://www.linkedin.com/in/jane-doe/"})
    name = ScrapedText(200, metadata={"example": "Jane Doe"})


class HeartbeatSchema(CamelOrSnakeSchema):
    extensionVersion = TrimmedString(validate=validate.Length(max=40), metadata={"example": "1.4.2"})
    linkedinAccount = fields.Nested(LinkedInAccountInputSchema, required=True)
    timezone = TrimmedString(validate=validate.Length(1, 64), metadata={"example": "Europe/Paris"})


class LimitsSchema(Schema):
    class Meta:
        ordered = True

    invitesLeftToday = fields.Integer()
    messagesLeftToday = fields.Integer()
    invitesPerDay = fields.Integer()
    invitesPerWeek = fields.Integer()
    messagesPerDay = fields.Integer()
    workingNow = fields.Boolean()


class PauseSchema(Schema):
    class Meta:
        ordered = True

    invitesPaused = fields.Boolean()
    invitesPausedUntil = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class HeartbeatAnswerSchema(Schema):
    class Meta:
        ordered = True

    accountId = fields.UUID()
    profileUrl = fields.String()
    pollIntervalSeconds = fields.Integer()
    leaseSeconds = fields.Integer()
    limits = fields.Nested(LimitsSchema)
    paused = fields.Nested(PauseSchema)
    serverTime = UtcDateTime()


class ScrapeSourceSchema(CamelOrSnakeSchema):
    searchUrl = TrimmedString(validate=validate.Length(max=2000), allow_none=True)
    page = fields.Integer(validate=validate.Range(1, 1000), allow_none=True)


class ScrapedLeadsSchema(CamelOrSnakeSchema):
    campaignId = fields.UUID(required=True)
    # Items go through the REST API's lead validation (400 naming index and field).
    leads = fields.List(fields.Dict(), required=True, metadata={"maxItems": MAX_BULK_LEADS})
    source = fields.Nested(ScrapeSourceSchema, load_default=dict)

    @validates("leads")
    def _batch_size(self, value, **kwargs):
        if len(value) > MAX_BULK_LEADS:  # too much at once, not a bad field: 413 in the words of POST /api/v1/leads
            raise ApiError(413, f"leads: at most {MAX_BULK_LEADS} leads per request, got {len(value)}; "
                                "split the batch")


class ScrapedLeadsAnswerSchema(Schema):
    class Meta:
        ordered = True

    campaignId = fields.UUID()
    added = fields.Integer()
    duplicates = fields.Integer()
    refused = fields.Integer(metadata={"description": "people on the team's do-not-contact list, not added"})
    refusedLeads = fields.List(fields.Nested(RefusedLeadSchema), metadata={"description": "each one, and why"})


class PollQuerySchema(CamelOrSnakeSchema):
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 50))
    accountId = fields.String(validate=validate.Length(max=64))


def _dump_with(schema, obj):
    return schema().dump(obj) if obj is not None else None


class LeasedActionSchema(Schema):
    """What the extension receives per leased action: the reference rendering (and the API document) of a
    leased action, a dict of its columns with its `lead`, `post` and `comment` (app.engine.execution.lease).
    Polls render it through LeasedActionList, which must give the same JSON (tests/test_extension_poll_render.py)."""

    class Meta:
        ordered = True

    id = fields.UUID()
    type = fields.String(metadata={"enum": list(ACTION_TYPES)})
    step = fields.Function(lambda a: "verify" if a["status"] == "unknown" else "perform",
                           metadata={"enum": ["perform", "verify"]})
    leaseToken = fields.String(attribute="lease_token")
    leaseExpiresAt = UtcDateTime(attribute="lease_expires_at")
    attempt = fields.Integer(attribute="lease_count")
    dueAt = UtcDateTime(attribute="due_at")
    campaignId = fields.UUID(attribute="campaign_id", allow_none=True)
    text = fields.String(allow_none=True, metadata={"description": "rendered note / message / post / comment"})
    lead = fields.Function(lambda a: _dump_with(LeadSchema, a["lead"]))
    post = fields.Function(lambda a: _dump_with(PostSchema, a["post"]))
    comment = fields.Function(lambda a: _dump_with(CommentSchema, a["comment"]))


class LeasedActionList(fields.List):
    """Renders leased actions exactly like List(Nested(LeasedActionSchema)), with plans built once from the schemas'
    own fields (app.common.fast_dump): marshmallow's per-field calls cost more than the poll's SQL."""

    _plans: dict = {}

    @classmethod
    def plans(cls) -> dict:
        if not cls._plans:
            cls._plans.update({
                "action": dump_plan(LeasedActionSchema(), skip=_SUBJECTS + ("step",)),
                "lead": dump_plan(LeadSchema()), "post": dump_plan(PostSchema()),
                "comment": dump_plan(CommentSchema()),
            })
        return cls._plans

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        plans = self.plans()
        rendered = []
        for action in value:
            out = dump_row(plans["action"], action)
            out["step"] = "verify" if action["status"] == "unknown" else "perform"
            for subject in _SUBJECTS:
                row = action[subject]
                out[subject] = dump_row(plans[subject], row) if row is not None else None
            rendered.append({key: out[key] for key in _ORDER})
        return rendered


_SUBJECTS = ("lead", "post", "comment")
_ORDER = tuple(LeasedActionSchema().fields)


class PollAnswerSchema(Schema):
    class Meta:
        ordered = True

    actions = LeasedActionList(fields.Nested(LeasedActionSchema))
    pollIntervalSeconds = fields.Integer()


class StartSchema(CamelOrSnakeSchema):
    leaseToken = TrimmedString(required=True, validate=validate.Length(1, 64))


class ResultSchema(CamelOrSnakeSchema):
    leaseToken = TrimmedString(required=True, validate=validate.Length(1, 64))
    outcome = fields.String(required=True, validate=validate.OneOf(("done", "failed", "skipped", "not_sent")))
    error = TrimmedString(validate=validate.Regexp(r"^[A-Za-z0-9_.:\- ]{1,100}$", error="must be a short error "
                                                   "code (letters, digits, _ . : -, at most 100)"), allow_none=True)
    occurredAt = UtcDateTime(allow_none=True)
    details = fields.Dict(keys=fields.String(validate=validate.Length(1, 50)), load_default=dict)

    @validates("details")
    def _details_are_small(self, value, **kwargs):
        if len(value) > MAX_DETAILS_KEYS:
            raise ValidationError(f"at most {MAX_DETAILS_KEYS} keys")
        for key, item in value.items():
            if not (item is None or isinstance(item, (bool, int, float)) or isinstance(item, str)):
                raise ValidationError(f"{key}: values must be strings, numbers or booleans")
            if isinstance(item, str) and (len(item) > MAX_DETAIL_LENGTH or any(ord(c) < 32 for c in item)):
                raise ValidationError(f"{key}: at most {MAX_DETAIL_LENGTH} characters, no control characters")
        for key in ("postUrl", "commentUrl"):
            url = value.get(key)
            if url is not None and not (isinstance(url, str) and url.startswith("https://www.linkedin.com/")):
                raise ValidationError(f"{key}: must be an https://www.linkedin.com/ URL")


class ActionStateSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    type = fields.String()
    status = fields.String()
    error = fields.String(allow_none=True)
    completedAt = UtcDateTime(attribute="completed_at")
    replayed = fields.Boolean(metadata={"description": "true when this result had already been recorded"})


class ProfileSchema(CamelOrSnakeSchema):
    name = ScrapedText(200)
    firstName = ScrapedText(100)
    lastName = ScrapedText(100)
    title = ScrapedText(300)
    company = ScrapedText(200)
    location = ScrapedText(200)


class ObservationSchema(CamelOrSnakeSchema):
    type = fields.String(required=True, validate=validate.OneOf(OBSERVATION_TYPES))
    profileUrl = TrimmedString(required=True, validate=validate.Length(1, 2000))
    occurredAt = UtcDateTime(allow_none=True)
    profile = fields.Nested(ProfileSchema, load_default=dict)


class ObservationAnswerSchema(Schema):
    class Meta:
        ordered = True

    profileUrl = fields.String()
    matched = fields.Integer()
    changed = fields.Integer()


class PostMetricsSchema(CamelOrSnakeSchema):
    """What the extension saw under one of the team's LinkedIn posts (the numbers LinkedIn shows)."""

    postUrl = TrimmedString(required=True, validate=validate.Length(1, 2000),
                            metadata={"example": "https://www.linkedin.com/feed/update/urn:li:activity:7130000000000000001/"})
    views = fields.Integer(required=True, validate=validate.Range(0, 10**12), metadata={"example": 1204})
    likes = fields.Integer(required=True, validate=validate.Range(0, 10**12), metadata={"example": 89})
    comments = fields.Integer(required=True, validate=validate.Range(0, 10**12), metadata={"example": 11})
    shares = fields.Integer(required=True, validate=validate.Range(0, 10**12), metadata={"example": 6})
    observedAt = UtcDateTime(allow_none=True)


class PostMetricsAnswerSchema(Schema):
    class Meta:
        ordered = True

    postUrl = fields.String()
    matched = fields.Integer(metadata={"description": "SocialDock targets that took the numbers"})
