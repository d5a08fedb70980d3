"""How request input is read: nothing the client sent is silently dropped.

webargs excludes unknown query parameters by default and reads only the first of a repeated one;
a misspelt filter then answers with unfiltered data. Here an unknown, repeated or undeclared
query parameter is a 400 naming it, a failed validation is 400 (not webargs' 422), and an operation
that takes a JSON body answers 400 without one (a PATCH would otherwise be a silent no-op).
"""

from flask import current_app, request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from app.common.json_body import PARSED_BODY
from app.errors import ApiError


class ContractParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def __init__(self):
        # unknown=None: each schema's own Meta.unknown (RAISE) applies in every location, the query string too.
        super().__init__(unknown=None)
        self._schemas: dict[type, Schema] = {}

    def _get_schema(self, argmap, req):
        # A view's schema class is built once: webargs builds it on every request (its fields deep-copied, ~0.2 ms of
        # CPU; docs/benchmarks.md). Loading keeps no state on a schema, so one instance serves every request.
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            if argmap not in self._schemas:
                self._schemas[argmap] = argmap()
            return self._schemas[argmap]
        return super()._get_schema(argmap, req)

    def load_querystring(self, req, schema):
        proxy = MultiDictProxy(req.args, schema)
        for key in req.args:
            if len(req.args.getlist(key)) > 1 and key not in proxy.multiple_keys:
                raise ApiError(400, f"{key}: given more than once; give it once")
        return proxy

    def _raw_load_json(self, req):
        # The body app/content_type.py already parsed and checked (NUL, surrogates, depth, huge numbers).
        if PARSED_BODY in req.environ:
            return req.environ[PARSED_BODY]
        return super()._raw_load_json(req)

    def load_json(self, req, schema):
        # Only operations that document a JSON body get here: without one, a PATCH would be a silent no-op.
        if not req.get_data(cache=True).strip():
            raise ApiError(400, "body: required: a JSON object (`{}` when there is nothing to send)")
        return super().load_json(req, schema)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise ApiError(400, "body: not valid JSON")


def _declares_query(view) -> bool:
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(parameter.get("in") == "query" for parameter in parameters)


def refuse_undeclared_query():
    """before_request: an endpoint that takes no query parameters refuses any (400 naming them)."""
    if not request.environ.get("QUERY_STRING") or not request.args or not request.path.startswith("/api/v1/") \
            or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or not hasattr(view, "_apidoc") or _declares_query(view):
        return
    names = ", ".join(sorted(request.args))
    raise ApiError(400, f"{names}: unknown query parameter (this endpoint takes none)")
