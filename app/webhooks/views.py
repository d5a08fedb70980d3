"""`/api/v1/webhooks`: register endpoints, rotate secrets, send a test, read the delivery log, redeliver."""

from flask import g
from flask_smorest import Blueprint

from app.extensions import db
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryListSchema,
    DeliveryQuerySchema,
    DeliverySchema,
    TestResultSchema,
    WebhookCreateSchema,
    WebhookListSchema,
    WebhookSchema,
    WebhookUpdateSchema,
    WebhookWithSecretSchema,
)

blueprint = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhooks")


@blueprint.get("")
@blueprint.response(200, WebhookListSchema)
def list_webhooks():
    """Your webhook endpoints (never their secrets)."""
    return {"webhooks": service.list_endpoints(g.team_id)}


@blueprint.post("")
@blueprint.arguments(WebhookCreateSchema, example={
    "url": "https://crm.example.com/hooks/socialscalr", "events": ["lead.invited", "lead.messaged"],
    "description": "CRM sync"})
@blueprint.response(201, WebhookWithSecretSchema)
def create_webhook(data):
    """Register an endpoint; the answer carries its signing secret, shown only this once."""
    endpoint = service.create_endpoint(g.team_id, **data)
    db.session.commit()
    return endpoint


@blueprint.get("/<webhook_id>")
@blueprint.response(200, WebhookSchema)
def get_webhook(webhook_id):
    """One endpoint."""
    return service.get_endpoint(g.team_id, webhook_id)


@blueprint.patch("/<webhook_id>")
@blueprint.arguments(WebhookUpdateSchema, example={"active": True})
@blueprint.response(200, WebhookSchema)
def update_webhook(changes, webhook_id):
    """Change url, events, description, or active (reactivate after a deactivation)."""
    endpoint = service.update_endpoint(g.team_id, webhook_id, changes)
    db.session.commit()
    return endpoint


@blueprint.delete("/<webhook_id>")
@blueprint.response(204)
def delete_webhook(webhook_id):
    """Delete the endpoint and its delivery log."""
    service.delete_endpoint(g.team_id, webhook_id)
    db.session.commit()


@blueprint.post("/<webhook_id>/rotate-secret")
@blueprint.response(200, WebhookWithSecretSchema)
def rotate_webhook_secret(webhook_id):
    """Replace the signing secret; the new one is shown only in this answer and signs every later delivery.

    For 24 hours the old secret also signs `webhook-signature`, beside the new one."""
    endpoint = service.rotate_secret(g.team_id, webhook_id)
    db.session.commit()
    return endpoint


@blueprint.post("/<webhook_id>/test")
@blueprint.response(200, TestResultSchema)
def test_webhook(webhook_id):
    """Send a signed `webhook.test` event now and answer with what the endpoint replied."""
    return service.send_test(g.team_id, webhook_id)


@blueprint.get("/<webhook_id>/deliveries")
@blueprint.arguments(DeliveryQuerySchema, location="query")
@blueprint.response(200, DeliveryListSchema)
def list_webhook_deliveries(query, webhook_id):
    """The delivery log, most recent first: event, status, attempts, last response, latency, next retry."""
    return {"deliveries": service.list_deliveries(g.team_id, webhook_id, **query)}


@blueprint.post("/<webhook_id>/deliveries/<delivery_id>/redeliver")
@blueprint.response(202, DeliverySchema)
def redeliver_webhook_delivery(webhook_id, delivery_id):
    """Queue a delivery again now (same delivery id, a fresh retry schedule)."""
    return service.redeliver(g.team_id, webhook_id, delivery_id)
