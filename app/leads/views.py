"""`/api/v1/leads`: list and sync, bulk add, by-id read/edit/delete, CSV import and export."""

from flask import Response, g, request, stream_with_context
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema

from app import clock
from app.content_type import accepts_multipart
from app.engine import lead_changes
from app.extensions import db
from app.leads import answers, csv_io, listing, service
from app.leads.schemas import (
    BulkLeadsResultSchema,
    BulkLeadsSchema,
    ImportQuerySchema,
    ImportResultSchema,
    LeadExportQuerySchema,
    LeadListQuerySchema,
    LeadListSchema,
    LeadSchema,
    LeadUpdateSchema,
    load_form_campaign_id,
)

blueprint = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads")


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV with a header row"})


@blueprint.get("")
@blueprint.arguments(LeadListQuerySchema, location="query")
@blueprint.response(200, LeadListSchema)
def list_leads(query):
    """List leads (newest first), or sync: with `updatedSince`/`cursor`, in change order with `nextCursor`."""
    return answers.listed(listing.list_leads(g.team_id, query))


@blueprint.post("")
@blueprint.arguments(BulkLeadsSchema, example={
    "campaignId": "5f0c6a9e-3c1a-4f6e-9a43-2b1f3c4d5e6f",
    "leads": [{"name": "Ada Lovelace", "profileUrl": "https://www.linkedin.com/in/ada/", "title": "Founder",
               "location": "London"}]})
@blueprint.response(201, BulkLeadsResultSchema)
def add_leads(data):
    """Bulk-add up to 1000 leads to a campaign; duplicates (same campaign and profile) are ignored."""
    result = service.bulk_add_leads(g.team_id, data["campaignId"], data["leads"])
    db.session.commit()
    return answers.added(result)


@blueprint.post("/import")
@accepts_multipart
@blueprint.arguments(ImportQuerySchema, location="query")
@blueprint.arguments(ImportFileSchema, location="files")
@blueprint.response(200, ImportResultSchema)
def import_leads(query, files):
    """Import a CSV file (multipart `file`; `campaignId` as query parameter or form field); bad rows reported."""
    # flask-smorest cannot document form fields next to files, so the form field is read with the same schema.
    campaign_id = query.get("campaignId") or load_form_campaign_id(request.form)
    result = csv_io.import_csv(g.team_id, campaign_id, files["file"].read())
    db.session.commit()
    return result


@blueprint.get("/export")
@blueprint.arguments(LeadExportQuerySchema, location="query")
@blueprint.response(200, content_type="text/csv", description="CSV, one lead per row")
def export_leads(query):
    """Stream the leads as CSV (formula-injection safe)."""
    chunks = csv_io.export_rows(g.team_id, query.get("campaignId"), query.get("status"))
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="leads.csv"'})


@blueprint.get("/<uuid:lead_id>")
@blueprint.response(200, LeadSchema)
def get_lead(lead_id):
    """One lead."""
    return service.get_lead(g.team_id, lead_id)


@blueprint.patch("/<uuid:lead_id>")
@blueprint.arguments(LeadUpdateSchema, example={"status": "replied", "notes": "Call on Monday", "tags": ["hot"]})
@blueprint.response(200, LeadSchema)
def update_lead(changes, lead_id):
    """Change a lead's status, notes, tags or custom fields."""
    lead = lead_changes.update_lead(g.team_id, lead_id, changes, clock.now())
    db.session.commit()
    return lead


@blueprint.delete("/<uuid:lead_id>")
@blueprint.response(204)
def delete_lead(lead_id):
    """Delete a lead and its pending actions."""
    lead_changes.delete_lead(g.team_id, lead_id, clock.now())
    db.session.commit()


