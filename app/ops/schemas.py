"""What the probes answer."""

from marshmallow import Schema, fields


class LivenessSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class ReadinessSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok or unavailable", "example": "ok"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "dependency (database, migrations, redis) -> ok, or what failed",
                                   "example": {"database": "ok", "migrations": "ok", "redis": "ok"}})
    error = fields.String(metadata={"description": "on 503: the failing dependencies, named",
                                    "example": "not ready: redis: unreachable (ConnectionError)"})
