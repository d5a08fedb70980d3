"""Leads: validation, profile-URL normalisation and deduplicated bulk insert, reads and edits.

`add_leads` is shared by the REST API, the CSV import and the extension bridge. It flushes but
never commits, so its caller can emit a webhook event in the same transaction.
"""

import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError

from app.common.profile_url import normalize_profile_url
from app.errors import ApiError
from app.errors import validation_message as _message
from app.extensions import db
from app.leads.bulk_insert import insert_ignoring_duplicates
from app.leads.schemas import LeadInputSchema
from app.models import Campaign, Lead
from app.models.types import new_id, utcnow
from app.paging import Page, page_newest_first
from app.scoping import get_for_team, team_select
from app.suppression import LISTED_REASON, listed_urls
from app.templating import split_name

MAX_BULK_LEADS = 1000
_NAME_LENGTH = Lead.__table__.c.name.type.length


@dataclass
class AddedLeads:
    created: list[Lead] = field(default_factory=list)
    duplicates: int = 0
    # Not added, and why: {"profileUrl", "reason"} per person (the do-not-contact list).
    refused: list[dict] = field(default_factory=list)


def validated_leads(items: list, field_prefix: str = "leads") -> list[dict]:

    schema = LeadInputSchema()
    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(400, f"{field_prefix}.{index}: must be an object")
        try:
            data = schema.load(item)
        except ValidationError as error:
            raise ApiError(400, f"{field_prefix}.{index}.{_message(error.messages)}",
                           {field_prefix: {str(index): error.messages}}) from None
        data["profileUrl"] = normalize_profile_url(data["profileUrl"], f"{field_prefix}.{index}.profileUrl")
        rows.append(data)
    return rows


def _row(team_id, campaign_id, data: dict, now) -> dict:
    first, last = data.get("firstName"), data.get("lastName")
    # Two names of the longest length each make a name one character longer than the column holds.
    name = data.get("name") or " ".join(part for part in (first, last) if part)[:_NAME_LENGTH]
    if not first and not last:
        first, last = split_name(name)
        first, last = (first or "")[:100] or None, (last or "")[:100] or None
    return {
        "id": new_id(), "team_id": team_id, "campaign_id": campaign_id, "name": name,
        "first_name": first, "last_name": last, "profile_url": data["profileUrl"],
        "title": data.get("title"), "company": data.get("company"), "location": data.get("location"),
        "email": data.get("email"), "phone": data.get("phone"), "headline": data.get("headline"),
        "notes": data.get("notes"), "tags": data.get("tags") or [], "custom_fields": data.get("customFields") or {},
        "status": "new", "messages_sent": 0, "created_at": now, "updated_at": now,
    }


def add_leads(team_id: uuid.UUID, campaign_id, leads: list[dict], field_prefix: str = "leads") -> AddedLeads:
    """Validate every lead (400 naming index and field, nothing written), then insert the new ones.

    Duplicates (same campaign and normalised profile URL) are skipped inside the batch, against
    the database and against concurrent requests (INSERT ... ON CONFLICT DO NOTHING on the
    unique key). Rows go in sorted by URL so overlapping concurrent batches cannot deadlock.
    """
    campaign = get_for_team(Campaign, team_id, campaign_id, "campaign")
    return insert_valid_leads(team_id, campaign, validated_leads(leads, field_prefix))


def insert_valid_leads(team_id, campaign: Campaign, valid: list[dict]) -> AddedLeads:
    """Insert the new leads; a person on the team's do-not-contact list is refused (named in the answer)."""
    now = utcnow()
    unique: dict[str, dict] = {}
    for data in valid:
        unique.setdefault(data["profileUrl"], data)
    listed = listed_urls(team_id, unique)
    refused = [{"profileUrl": url, "reason": LISTED_REASON} for url in unique if url in listed]
    rows = [_row(team_id, campaign.id, unique[url], now) for url in sorted(unique) if url not in listed]
    created = insert_ignoring_duplicates(rows) if rows else []
    order = {url: position for position, url in enumerate(unique)}
    created.sort(key=lambda lead: order[lead.profile_url])
    refused_items = sum(1 for data in valid if data["profileUrl"] in listed)
    return AddedLeads(created=created, duplicates=len(valid) - len(created) - refused_items, refused=refused)


def get_lead(team_id, lead_id) -> Lead:
    return get_for_team(Lead, team_id, lead_id, "lead")


def bulk_add_leads(team_id, campaign_id, leads: list) -> dict:
    if len(leads) > MAX_BULK_LEADS:
        raise ApiError(413, f"leads: at most {MAX_BULK_LEADS} leads per request, got {len(leads)}; split the batch")
    if not leads:
        raise ApiError(400, "leads: must contain at least one lead")
    added = add_leads(team_id, campaign_id, leads)
    extra_fields = extra_fields_of(leads)
    # Detached as written (RETURNING gave every column): the caller's commit would otherwise expire
    # them and the answer would reload each lead with its own SELECT.
    for lead in added.created:
        db.session.expunge(lead)
    return {"created": len(added.created), "duplicates": added.duplicates, "refused": len(added.refused),
            "refusedLeads": added.refused, "extraFields": extra_fields, "leads": added.created}


def extra_fields_of(leads: list[dict]) -> dict[str, str]:
    """Every field sent that is not a lead field -> where it was kept, for the answer."""

    schema = LeadInputSchema()
    where: dict[str, str] = {}
    for item in leads:
        where.update(schema.extra_fields(item))
    return where


def leads_of_campaign_query(team_id, campaign_id=None, status=None):
    statement = team_select(Lead, team_id)
    if campaign_id is not None:
        statement = statement.where(Lead.campaign_id == campaign_id)
    if status is not None:
        statement = statement.where(Lead.status == status)
    return statement


def campaign_leads_page(team_id, campaign_id, status=None, before=None, after=None, size: int = 50) -> Page:
    """A page of a campaign's leads, newest first: the `size` just older than lead `before`, or just newer than
    lead `after`, or the newest (keyset on (created_at, id): ix_leads_team_campaign_created / _status)."""
    anchor_id = after or before
    anchor = None if anchor_id is None else db.session.execute(
        team_select(Lead, team_id, Lead.created_at, Lead.id).where(Lead.campaign_id == campaign_id,
                                                                   Lead.id == anchor_id)).first()
    return page_newest_first(leads_of_campaign_query(team_id, campaign_id, status), (Lead.created_at, Lead.id),
                             anchor, after is not None, size)


__all__ = ["AddedLeads", "add_leads", "campaign_leads_page", "normalize_profile_url", "get_lead"]
