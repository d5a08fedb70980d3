"""How request input is read: nothing the client sent is silently dropped.

webargs excludes unknown query parameters by default and reads only the first of a repeated one;
a misspelt filter then answers with unfiltered data. Here an unknown, repeated or undeclared
query parameter is a 400 naming it, a failed validation is 400 (not webargs' 422), and a PATCH
or PUT without a body is a 400 instead of a silent no-op.
"""

from flask import current_app, request
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from app.errors import ApiError

_REPLACING_METHODS = ("PATCH", "PUT")


class ContractParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def __init__(self):
        # unknown=None: each schema's own Meta.unknown (RAISE) applies in every location, the query string too.
        super().__init__(unknown=None)

    def load_querystring(self, req, schema):
        proxy = MultiDictProxy(req.args, schema)
        for key in req.args:
            if len(req.args.getlist(key)) > 1 and key not in proxy.multiple_keys:
                raise ApiError(400, f"{key}: given more than once; give it once")
        return proxy

    def load_json(self, req, schema):
        if req.method in _REPLACING_METHODS and not req.get_data(cache=True).strip():
            raise ApiError(400, "body: required: a JSON object with the fields to change")
        return super().load_json(req, schema)


def _declares_query(view) -> bool:
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(parameter.get("in") == "query" for parameter in parameters)


def refuse_undeclared_query():
    """before_request: an endpoint that takes no query parameters refuses any (400 naming them)."""
    if not request.args or not request.path.startswith("/api/v1/") or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or not hasattr(view, "_apidoc") or _declares_query(view):
        return
    names = ", ".join(sorted(request.args))
    raise ApiError(400, f"{names}: unknown query parameter (this endpoint takes none)")
