"""Base schema: unknown fields are refused with a message naming them."""

from marshmallow import RAISE, Schema, fields


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "name: Missing data for required field."})
    details = fields.Dict(metadata={"description": "field -> list of messages, on validation errors"})
