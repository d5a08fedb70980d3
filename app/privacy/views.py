"""`/api/v1/do-not-contact` (the team's list) and `/api/v1/people` (erasure)."""

from flask import g
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema

from app import clock
from app.common.schemas import ErrorSchema
from app.content_type import accepts_multipart
from app.extensions import db
from app.privacy import do_not_contact, erasure
from app.privacy.schemas import (
    DoNotContactAddResultSchema,
    DoNotContactAddSchema,
    DoNotContactImportResultSchema,
    DoNotContactListQuerySchema,
    DoNotContactListSchema,
    ErasureResultSchema,
    ProfileUrlQuerySchema,
)

blueprint = Blueprint("privacy", __name__, url_prefix="/api/v1", description="Do-not-contact list and erasure")


class DoNotContactFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV with a profileUrl column (or one URL a line)"})


@blueprint.get("/do-not-contact")
@blueprint.arguments(DoNotContactListQuerySchema, location="query")
@blueprint.response(200, DoNotContactListSchema)
def list_do_not_contact(query):
    """The people no campaign of the team may contact, newest first."""
    return do_not_contact.list_entries(g.team_id, query["limit"], query["offset"])


@blueprint.post("/do-not-contact")
@blueprint.arguments(DoNotContactAddSchema, example={
    "profileUrls": ["https://www.linkedin.com/in/ada/"], "reason": "asked by email on 2026-11-20"})
@blueprint.response(201, DoNotContactAddResultSchema)
def add_do_not_contact(data):
    """List people: never invited or messaged again; their leads end skipped, their pending actions cancelled."""
    answer = do_not_contact.add_urls(g.team_id, data["profileUrls"], "api", data.get("reason"), clock.now())
    db.session.commit()
    return answer


@blueprint.post("/do-not-contact/import")
@accepts_multipart
@blueprint.arguments(DoNotContactFileSchema, location="files")
@blueprint.response(200, DoNotContactImportResultSchema)
def import_do_not_contact(files):
    """List the people of a CSV file (a profileUrl column, optional reason; or one URL a line); bad rows reported."""
    answer = do_not_contact.import_csv(g.team_id, files["file"].read(), clock.now())
    db.session.commit()
    return answer


@blueprint.delete("/do-not-contact")
@blueprint.arguments(ProfileUrlQuerySchema, location="query")
@blueprint.response(204)
@blueprint.alt_response(404, schema=ErrorSchema, description="The person is not on the list")
def remove_do_not_contact(query):
    """Take a person off the list: campaigns may contact them again."""
    do_not_contact.remove_url(g.team_id, query["profileUrl"])
    db.session.commit()


@blueprint.delete("/people")
@blueprint.arguments(ProfileUrlQuerySchema, location="query")
@blueprint.response(200, ErasureResultSchema)
def erase_person(query):
    """Erase what the team holds about a person (leads, action texts, webhook payloads, logs) and list them."""
    answer = erasure.erase_person(g.team_id, query["profileUrl"], clock.now())
    db.session.commit()
    return answer
