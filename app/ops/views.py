"""`/healthz`, `/readyz` (unauthenticated, not rate-limited, in the OpenAPI document) and `/metrics`."""

from flask import Blueprint, Response, current_app, request
from flask_smorest import Blueprint as ApiBlueprint

from app.errors import error_response
from app.ops.exposition import may_scrape, scrape
from app.ops.health import readiness
from app.ops.schemas import LivenessSchema, ReadinessSchema

blueprint = ApiBlueprint("health", __name__, description="Probes for orchestrators and load balancers")
metrics_blueprint = Blueprint("metrics", __name__)
PUBLIC = {"security": []}


@blueprint.get("/healthz")
@blueprint.response(200, LivenessSchema)
@blueprint.doc(**PUBLIC)
def healthz():
    """The process is up and serving (no dependency is checked)."""
    return {"status": "ok"}


@blueprint.get("/readyz")
@blueprint.response(200, ReadinessSchema)
@blueprint.alt_response(503, schema=ReadinessSchema, description="A dependency failed; `error` names it")
@blueprint.doc(**PUBLIC)
def readyz():
    """PostgreSQL and Redis answer and the database's migrations are at head; 503 naming what failed."""
    result = readiness()
    if result.ready:
        return {"status": "ok", "checks": result.checks}
    return {"status": "unavailable", "checks": result.checks, "error": result.message}, 503


@metrics_blueprint.get("/metrics")
def metrics():
    """Prometheus text format; protected by METRICS_TOKEN, or by answering loopback callers only."""
    app = current_app._get_current_object()
    if not may_scrape(app, request.headers.get("Authorization", ""), request.remote_addr):
        return error_response(403, "metrics: send Authorization: Bearer <METRICS_TOKEN> (or scrape from this host)")
    payload, content_type = scrape(app)
    return Response(payload, content_type=content_type)
