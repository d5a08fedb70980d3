"""The OpenAPI document says what the server does: the error body, the statuses, the snake_case aliases.

An apispec plugin, so every operation and schema is described by the same rules as it is registered.
"""

import re

from apispec import BasePlugin

from app.common.casing import CamelOrSnakeSchema, snake

# Operations that can answer 409 besides every POST (whose Idempotency-Key can conflict).
CONFLICTING_OPERATIONS = {
    ("patch", "/api/v1/campaigns/{campaign_id}"),
    ("delete", "/api/v1/campaigns/{campaign_id}"),
    ("delete", "/api/v1/leads/{lead_id}"),
    ("put", "/api/v1/posts/{post_id}"),
    ("delete", "/api/v1/posts/{post_id}"),
    ("delete", "/api/v1/comments/{comment_id}"),
}
_BODY_METHODS = {"post", "put", "patch"}
# Unauthenticated and not rate-limited (app/ops/views.py).
PUBLIC_PATHS = {"/healthz", "/readyz"}
_STATUS_TEXT = {
    400: "Invalid input, or an unknown query parameter: `{\"error\": \"field: message\"}`",
    401: "Missing, invalid or revoked API token",
    404: "No such resource in your team",
    409: "The resource's state does not allow this, or the Idempotency-Key was used for another request",
    413: "Request body above 5 MB, or too many items",
    415: "Request body is not application/json",
    429: "Per-token rate limit exceeded; retry after the Retry-After seconds",
}


def error_statuses(method: str, path: str) -> list[int]:
    """The error statuses one operation can answer (500 and 405 are covered by `default`)."""
    if path in PUBLIC_PATHS:
        return []  # the probes: no token, no rate limit, no body, no parameters to refuse
    statuses = [400, 401, 429]  # any operation: an unknown query parameter, the token, the rate limit
    if "{" in path:
        statuses.append(404)
    if method == "post" or (method, path) in CONFLICTING_OPERATIONS or path.startswith("/api/v1/extension/"):
        statuses.append(409)
    if method in _BODY_METHODS:
        statuses += [413, 415]
    return sorted(statuses)


def _error_response(status: int) -> dict:
    return {"description": _STATUS_TEXT[status], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}


class ContractPlugin(BasePlugin):
    """Declares every error status with our error body, and documents the snake_case request aliases."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in [key for key in responses if str(key) == "422"]:
                del responses[code]  # webargs' status: ours answer 400
            for status in error_statuses(method, path):
                if not any(str(key) == str(status) for key in responses):
                    responses[status] = _error_response(status)

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        if not (isinstance(schema_class, type) and issubclass(schema_class, CamelOrSnakeSchema)):
            return None
        extra = getattr(schema_class, "openapi_additional_properties", None)
        if extra is not None:
            definition["additionalProperties"] = extra
        return with_snake_aliases(definition)


def with_snake_aliases(definition: dict) -> dict:
    """Each camelCase property also under its snake_case name; a required one under either, not both."""
    properties = definition.get("properties") or {}
    aliases = {name: snake(name) for name in properties if re.search(r"[A-Z]", name)}
    for name, alias in aliases.items():
        properties[alias] = {**properties[name], "description": f"Same as `{name}` (give one of the two)."}
    required = definition.pop("required", [])
    plain = [name for name in required if name not in aliases]
    if plain:
        definition["required"] = plain
    either = [{"anyOf": [{"required": [name]}, {"required": [aliases[name]]}]}
              for name in required if name in aliases]
    if either:
        definition["allOf"] = either
    if aliases:
        definition["not"] = {"anyOf": [{"required": [name, alias]} for name, alias in aliases.items()]}
    return definition


__all__ = ["ContractPlugin", "error_statuses", "CONFLICTING_OPERATIONS", "with_snake_aliases"]
