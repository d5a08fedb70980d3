from marshmallow import Schema, fields, validate

from app.analytics.service import PERIODS


class OverviewQuerySchema(Schema):
    period = fields.String(load_default="30d", validate=validate.OneOf(list(PERIODS)),
                           metadata={"description": "7d, 30d (default) or 90d"})


class DaySchema(Schema):
    date = fields.String()
    invites = fields.Integer()
    acceptances = fields.Integer()
    messages = fields.Integer()
    replies = fields.Integer()
    postsPublished = fields.Integer()


class TotalsSchema(DaySchema):
    acceptanceRate = fields.Float(allow_none=True)
    replyRate = fields.Float(allow_none=True)

    class Meta:
        exclude = ("date",)


class OverviewSchema(Schema):
    period = fields.String()
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    totals = fields.Nested(TotalsSchema)
    daily = fields.List(fields.Nested(DaySchema))
