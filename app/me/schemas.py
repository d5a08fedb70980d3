from marshmallow import Schema, fields


class MeSchema(Schema):
    class Meta:
        ordered = True

    id = fields.UUID()
    email = fields.String()
    fullName = fields.String(attribute="full_name")
    plan = fields.String()
    teamRole = fields.String(attribute="team_role")


class RotatedTokenSchema(Schema):
    token = fields.String(metadata={"description": "the new API token; shown only in this answer"})
