"""LinkedIn accounts on the wire: their settings in, their effective limits and pause out."""

import re

from marshmallow import Schema, ValidationError, fields, post_load, validate

from app.caps.policy import HARD_LIMITS
from app.common.casing import CamelOrSnakeSchema
from app.common.fields import TrimmedString, UtcDateTime

MAX_GAP_MINUTES = 120
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _limit(name):
    high = HARD_LIMITS[name]
    return fields.Integer(strict=True, validate=validate.Range(1, high, error=f"must be between 1 and {high}"),
                          metadata={"description": f"1-{high}, LinkedIn's ceiling"})


def _clock_time(value):
    if not _CLOCK.fullmatch(value):
        raise ValidationError('must be a time of day "HH:MM" (00:00-23:59)')


class WorkingHoursInputSchema(CamelOrSnakeSchema):
    start = fields.String(validate=_clock_time, metadata={"example": "09:00"})
    end = fields.String(validate=_clock_time, metadata={"example": "18:00", "description": "after start"})
    days = fields.List(
        fields.Integer(strict=True, validate=validate.Range(0, 6, error="must be between 0 (Monday) and 6 (Sunday)")),
        validate=validate.Length(min=1, error="must name at least one day"),
        metadata={"description": "0 = Monday ... 6 = Sunday", "example": [0, 1, 2, 3, 4]})

    @post_load
    def _unique_days(self, data, **kwargs):
        if "days" in data:
            data["days"] = sorted(set(data["days"]))
        return data


def _gap():
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_GAP_MINUTES,
                                                               error=f"must be between 0 and {MAX_GAP_MINUTES}"))


class GapMinutesInputSchema(CamelOrSnakeSchema):
    min = _gap()
    max = _gap()


class AccountSettingsSchema(CamelOrSnakeSchema):
    invitesPerDay = _limit("invitesPerDay")
    invitesPerWeek = _limit("invitesPerWeek")
    messagesPerDay = _limit("messagesPerDay")
    workingHours = fields.Nested(WorkingHoursInputSchema, metadata={
        "description": "in the account's time zone; keys not given keep their value"})
    gapMinutes = fields.Nested(GapMinutesInputSchema, metadata={
        "description": "random gap between invites, messages and withdrawals; 0 <= min <= max <= 120"})


class AccountUpdateSchema(CamelOrSnakeSchema):
    timezone = TrimmedString(validate=validate.Length(1, 64), metadata={"example": "Europe/Paris",
                                                                        "description": "an IANA time zone"})
    settings = fields.Nested(AccountSettingsSchema, allow_none=True, metadata={
        "description": "merged into the stored settings; null resets them to the defaults",
        "example": {"invitesPerDay": 30, "workingHours": {"start": "08:30", "end": "17:30"}}})
    isDefault = fields.Boolean(metadata={
        "description": "true makes this the team's default account (campaigns without an account, posts, comments)"})


class WorkingHoursSchema(Schema):
    class Meta:
        ordered = True

    start = fields.String(metadata={"example": "09:00"})
    end = fields.String(metadata={"example": "18:00"})
    days = fields.List(fields.Integer(), metadata={"example": [0, 1, 2, 3, 4]})


class GapMinutesSchema(Schema):
    class Meta:
        ordered = True

    min = fields.Integer(metadata={"example": 2})
    max = fields.Integer(metadata={"example": 8})


class EffectiveLimitsSchema(Schema):
    class Meta:
        ordered = True

    invitesPerDay = fields.Integer(metadata={"description": "after warm-up"})
    invitesPerWeek = fields.Integer(metadata={"description": "after warm-up"})
    messagesPerDay = fields.Integer(metadata={"description": "after warm-up"})
    warmupFraction = fields.Float(metadata={"description": "0.25 on a new account, 1 after 14 days"})
    workingHours = fields.Nested(WorkingHoursSchema)
    gapMinutes = fields.Nested(GapMinutesSchema)


class LeftTodaySchema(Schema):
    class Meta:
        ordered = True

    invites = fields.Integer()
    messages = fields.Integer()
    invitesThisWeek = fields.Integer(metadata={"description": "invites left in the 7 days ending tonight"})


class UsedSchema(Schema):
    class Meta:
        ordered = True

    invitesToday = fields.Integer()
    invitesThisWeek = fields.Integer()
    messagesToday = fields.Integer()


class AccountSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    profileUrl = fields.String(attribute="profile_url", metadata={"example": "https://www.linkedin.com/in/jane-doe/"})
    name = fields.String(allow_none=True)
    timezone = fields.String(metadata={"example": "Europe/London"})
    extensionVersion = fields.String(attribute="extension_version", allow_none=True)
    lastSeenAt = UtcDateTime(attribute="last_seen_at", allow_none=True,
                             metadata={"description": "the extension's last heartbeat"})
    createdAt = UtcDateTime(attribute="created_at")
    settings = fields.Dict(metadata={"description": "as stored: only what differs from the defaults"})
    limits = fields.Nested(EffectiveLimitsSchema, metadata={"description": "in force now"})
    limitsLeftToday = fields.Nested(LeftTodaySchema, attribute="limits_left_today",
                                    metadata={"description": "in the account's local day; invites 0 while paused"})
    invitesPausedUntil = UtcDateTime(attribute="paused_until", allow_none=True, metadata={
        "description": "set while invites wait after LinkedIn refused one for a limit; null otherwise"})
    pauseReason = fields.String(attribute="paused_reason", allow_none=True)
    used = fields.Nested(UsedSchema, metadata={
        "description": "invites and messages planned or done, by the account's local day; deleting leads or "
                       "campaigns never lowers them"})
    timezoneChosen = fields.Boolean(attribute="timezone_chosen", metadata={
        "description": "true once a person set the time zone here: the extension's heartbeat no longer changes it"})
    isDefault = fields.Boolean(attribute="is_default", metadata={
        "description": "works the campaigns that name no account, and publishes posts and comments; the team's "
                       "first account until another is made the default (PATCH isDefault: true)"})


class AccountListSchema(Schema):
    accounts = fields.List(fields.Nested(AccountSchema))
