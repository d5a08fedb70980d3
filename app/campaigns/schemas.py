"""Campaigns on the wire: targeting, templates, per-campaign limits, and lead counts by status."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from app.campaigns.service import missing_to_start
from app.common.casing import CamelOrSnakeSchema
from app.common.fields import TrimmedString, UtcDateTime
from app.models import CAMPAIGN_STATUSES, LEAD_STATUSES
from app.templating import TEMPLATE_VARIABLES

# LinkedIn's hard ceilings (the same numbers as app.caps.policy.HARD_LIMITS).
SETTING_RANGES = {
    "invitesPerDay": (1, 100),
    "invitesPerWeek": (1, 200),
    "messagesPerDay": (1, 150),
    "inviteExpiryDays": (1, 90),
    "firstMessageDelayHours": (0, 168),
}
MAX_FOLLOW_UPS = 10


def _keywords():
    return fields.List(TrimmedString(validate=validate.Length(1, 100)), validate=validate.Length(max=50))


class TargetingSchema(CamelOrSnakeSchema):
    titleKeywords = _keywords()
    excludeKeywords = _keywords()


class FollowUpSchema(CamelOrSnakeSchema):
    afterDays = fields.Integer(required=True, strict=True, validate=validate.Range(1, 90))
    body = fields.String(required=True, validate=validate.Length(1, 8000))


class TemplatesSchema(CamelOrSnakeSchema):
    note = fields.String(allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "connection note; variables " + ", ".join("{{" + v + "}}" for v in TEMPLATE_VARIABLES)
        + ", fallback {{first_name|there}}; must not be able to render above 300 characters",
        "example": "Hi {{first_name|there}}, ..."})
    message = fields.String(allow_none=True, validate=validate.Length(max=8000),
                            metadata={"description": "first message after the invite is accepted"})
    followUps = fields.List(fields.Nested(FollowUpSchema), validate=validate.Length(max=MAX_FOLLOW_UPS))


def _setting(name):
    low, high = SETTING_RANGES[name]
    return fields.Integer(strict=True, validate=validate.Range(low, high, error=f"must be between {low} and {high}"))


class SettingsSchema(CamelOrSnakeSchema):
    invitesPerDay = _setting("invitesPerDay")
    invitesPerWeek = _setting("invitesPerWeek")
    messagesPerDay = _setting("messagesPerDay")
    inviteExpiryDays = _setting("inviteExpiryDays")
    firstMessageDelayHours = _setting("firstMessageDelayHours")


def _linkedin_url(value):
    if value is None:
        return
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValidationError("must be a LinkedIn URL") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        raise ValidationError("must be a LinkedIn URL (https://www.linkedin.com/search/...)")


class CampaignInputSchema(CamelOrSnakeSchema):
    name = TrimmedString(required=True, validate=validate.Length(1, 200), metadata={"example": "Q4 founders"})
    searchUrl = TrimmedString(allow_none=True, validate=[validate.Length(max=2000), _linkedin_url],
                              metadata={"example": "https://www.linkedin.com/search/results/people/?keywords=founder"})
    status = fields.String(validate=validate.OneOf(("draft", "active")), metadata={
        "description": "draft (default): nothing happens until it is PATCHed to active. active: starts at once. "
                       "Starting needs templates.note or templates.message, else 400 naming what is missing"})
    targeting = fields.Nested(TargetingSchema, metadata={"example": {"titleKeywords": ["founder", "ceo"]}})
    templates = fields.Nested(TemplatesSchema, metadata={"example": {"note": "Hi {{first_name}}, ..."}})
    settings = fields.Nested(SettingsSchema, metadata={"example": {"invitesPerDay": 20, "messagesPerDay": 50}})
    linkedinAccountId = fields.UUID(allow_none=True, metadata={
        "description": "one of your LinkedIn accounts (GET /api/v1/accounts) to work this campaign; "
                       "null or absent: the team's default account"})


class CampaignUpdateSchema(CampaignInputSchema):
    name = TrimmedString(validate=validate.Length(1, 200))
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES), metadata={
        "description": "draft -> active (needs templates.note or templates.message) | archived; "
                       "active -> paused | completed | archived; "
                       "paused -> active | completed | archived; completed -> archived"})

    @validates("name")
    def _not_blank(self, value, **kwargs):
        if not value:
            raise ValidationError("must not be empty")


def _missing_to_start(campaign) -> list[str]:
    return missing_to_start(campaign.templates)


def _stats(campaign):
    counts = getattr(campaign, "lead_counts", None) or {}
    stats = {status: counts.get(status, 0) for status in LEAD_STATUSES}
    stats["total"] = sum(stats.values())
    return stats


class CampaignSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    name = fields.String(metadata={"example": "Q4 founders"})
    status = fields.String(metadata={"enum": list(CAMPAIGN_STATUSES), "example": "active"})
    searchUrl = fields.String(attribute="search_url", allow_none=True)
    targeting = fields.Dict()
    templates = fields.Dict()
    settings = fields.Dict()
    linkedinAccountId = fields.UUID(attribute="linkedin_account_id", allow_none=True,
                                    metadata={"description": "null: worked by the team's default account"})
    stats = fields.Function(_stats, metadata={"description": "lead counts by status, and total",
                                              "example": {"new": 3, "invited": 2, "total": 5}})
    readyToStart = fields.Function(lambda campaign: not _missing_to_start(campaign), metadata={
        "description": "true when it has what it needs to start (a draft still does nothing until set active)"})
    missingToStart = fields.Function(_missing_to_start, metadata={
        "description": "what it lacks before it can start (empty when readyToStart)", "example": [
            "templates.note or templates.message"]})
    createdAt = UtcDateTime(attribute="created_at")
    updatedAt = UtcDateTime(attribute="updated_at")


class CampaignAnalyticsSchema(Schema):
    leadsByStatus = fields.Dict(keys=fields.String(), values=fields.Integer())
    invited = fields.Integer()
    accepted = fields.Integer()
    replied = fields.Integer()
    acceptanceRate = fields.Float(allow_none=True, metadata={"description": "accepted / invited"})
    replyRate = fields.Float(allow_none=True, metadata={"description": "replied / accepted"})
    recentAcceptanceRate = fields.Float(allow_none=True,
                                        metadata={"description": "over the last 50 invites at least 3 days old"})
    invitesThrottled = fields.Boolean(metadata={"description": "invites halved: recent acceptance below 20%"})
    actionsDoneToday = fields.Dict(keys=fields.String(), values=fields.Integer())
    limitsLeftToday = fields.Dict(allow_none=True, metadata={"description": "invites and messages left today"})


class CampaignDetailSchema(CampaignSchema):
    analytics = fields.Nested(CampaignAnalyticsSchema)


class CampaignListSchema(Schema):
    campaigns = fields.List(fields.Nested(CampaignSchema))


class PreviewInputSchema(CamelOrSnakeSchema):
    leadIds = fields.List(fields.UUID(), validate=validate.Length(max=50), metadata={
        "description": "leads of this campaign to render for; default: its 20 most recent leads"})
    sample = fields.Dict(keys=fields.String(validate=validate.OneOf(list(TEMPLATE_VARIABLES))),
                         values=fields.String(allow_none=True, validate=validate.Length(max=300)),
                         metadata={"description": "render for these values instead of leads",
                                   "example": {"first_name": "Ada", "company": "Analytical Engines"}})


class RenderedSchema(Schema):
    class Meta:
        ordered = True

    text = fields.String()
    length = fields.Integer()
    fellBack = fields.List(fields.String(), attribute="fell_back",
                           metadata={"description": "variables with no value that used their fallback"})
    empty = fields.List(fields.String(), metadata={"description": "variables with no value and no fallback"})


class PreviewItemSchema(Schema):
    class Meta:
        ordered = True

    leadId = fields.UUID(allow_none=True)
    name = fields.String(allow_none=True)
    note = fields.Nested(RenderedSchema, allow_none=True)
    message = fields.Nested(RenderedSchema, allow_none=True)
    followUps = fields.List(fields.Nested(RenderedSchema))
    fallsBack = fields.Boolean(metadata={"description": "true when any variable of any template had no value"})


class PreviewSchema(Schema):
    previews = fields.List(fields.Nested(PreviewItemSchema))
    leadsFallingBack = fields.Integer()
