"""Listing leads: a plain newest-first page, or a sync page with a cursor that survives concurrent writes.

Sync contract (with `updatedSince` or `cursor`): leads come in the order they were last changed,
keyed on (change_seq, id), where change_seq is stamped by the database (see
`app.models.outreach.ChangeStamp`). On PostgreSQL a page only includes changes whose
transaction is older than every transaction still running, so a transaction that commits late
(with an older updated_at) is not skipped: its rows appear on a later page. The key only moves
forward, so a sync never loops; a lead changed again appears again (at least once per change).
"""

import base64
import binascii
import json
import uuid

from flask import Response
from sqlalchemy import and_, or_, text, true

from app.common.sql_json import json_rows
from app.errors import ApiError
from app.extensions import db
from app.leads.schemas import LeadSchema
from app.leads.service import leads_of_campaign_query
from app.models import Lead

_CURSOR_VERSION = "v1"


def encode_cursor(change_seq: int, lead_id: uuid.UUID) -> str:
    raw = f"{_CURSOR_VERSION}:{change_seq}:{lead_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, seq, lead_id = raw.split(":")
        if version != _CURSOR_VERSION:
            raise ValueError(version)
        change_seq = int(seq)
        if not 0 <= change_seq < 2**63:  # change_seq is a BIGINT: a larger one cannot even be compared
            raise ValueError(seq)
        return change_seq, uuid.UUID(lead_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "cursor: not a cursor returned by this API (pass nextCursor unchanged)") from None


def _settled(statement):
    """Only changes of finished transactions: everything below the oldest running transaction id."""
    if db.engine.dialect.name == "postgresql":
        return statement.where(Lead.change_seq < text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    return statement  # SQLite serialises writers: every visible stamp is below any future one.


class RenderedLead(str):
    """A lead already rendered as LeadSchema's JSON object by PostgreSQL, with its sync key."""

    change_seq: int
    id: uuid.UUID


_LEAD_JSON = []  # built once, on first use (the schema module imports the models)


def _lead_json_postgresql():
    if not _LEAD_JSON:
        _LEAD_JSON.append(_build_lead_json_postgresql())
    return _LEAD_JSON[0]


def _build_lead_json_postgresql():
    """LeadSchema's JSON object per lead, rendered by PostgreSQL (app.common.sql_json; a test compares both
    renderings)."""
    return json_rows(LeadSchema(), Lead.__table__, "lead_json")


def _rows(statement) -> list:
    """The page's leads, read on an autocommit connection (one statement: no BEGIN and ROLLBACK round trips).

    PostgreSQL renders each lead's JSON itself (RenderedLead): a 500-lead page otherwise spends most of its
    time parsing, converting and re-encoding values in Python. Elsewhere: plain rows, dumped by LeadSchema.
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name != "postgresql":
            return connection.execute(statement.with_only_columns(*Lead.__table__.columns)).all()
        lead_json, rendering = _lead_json_postgresql()
        statement = statement.with_only_columns(rendering, Lead.change_seq, Lead.id).join(lead_json, true())
        rendered = []
        for text_, change_seq, lead_id in connection.execute(statement).all():
            lead = RenderedLead(text_)
            lead.change_seq, lead.id = change_seq, lead_id
            rendered.append(lead)
        return rendered


def as_response(page: dict):
    """The answer of GET /leads: PostgreSQL's rendering joined as is, else the page for LeadListSchema."""
    leads = page["leads"]
    if not leads or not isinstance(leads[0], RenderedLead):
        return page
    body = '{"leads":[' + ",".join(leads) + "]"
    if "nextCursor" in page:
        body += ',"nextCursor":' + json.dumps(page["nextCursor"])
    return Response(body + "}", mimetype="application/json")


def list_leads(team_id, query: dict) -> dict:
    statement = leads_of_campaign_query(team_id, query.get("campaignId"), query.get("status"))
    limit = query["limit"]
    syncing = "cursor" in query or "updatedSince" in query
    if not syncing:
        statement = statement.order_by(Lead.created_at.desc(), Lead.id.desc()).offset(query.get("offset")).limit(limit)
        return {"leads": _rows(statement)}
    if "updatedSince" in query:
        statement = statement.where(Lead.updated_at >= query["updatedSince"])
    if "cursor" in query:
        seq, lead_id = decode_cursor(query["cursor"])
        statement = statement.where(or_(Lead.change_seq > seq, and_(Lead.change_seq == seq, Lead.id > lead_id)))
    statement = _settled(statement).order_by(Lead.change_seq, Lead.id).limit(limit)
    leads = _rows(statement)
    if leads:
        next_cursor = encode_cursor(leads[-1].change_seq, leads[-1].id)
    else:
        next_cursor = query.get("cursor") or None
    return {"leads": leads, "nextCursor": next_cursor}


__all__ = ["list_leads", "as_response", "encode_cursor", "decode_cursor"]
