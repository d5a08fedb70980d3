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
import uuid

from sqlalchemy import Integer, and_, bindparam, func, or_, text, true

from app.common.sql_json import json_rows
from app.errors import ApiError
from app.extensions import db
from app.leads.answers import RenderedLeads
from app.leads.schemas import LeadSchema
from app.leads.service import leads_of_campaign_query
from app.models import Lead
from app.models.base import row_columns

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


_LEAD_JSON = []  # built once, on first use (the schema module imports the models)


def _lead_json_postgresql():
    if not _LEAD_JSON:
        _LEAD_JSON.append(_build_lead_json_postgresql())
    return _LEAD_JSON[0]


def _build_lead_json_postgresql():
    """LeadSchema's JSON object per lead, rendered by PostgreSQL (app.common.sql_json; a test compares both
    renderings)."""
    return json_rows(LeadSchema(), Lead.__table__, "lead_json")


_PAGE_STATEMENTS: dict = {}


def _bound(name: str, column_or_type):
    return bindparam(name, type_=getattr(column_or_type, "type", column_or_type))


def _page_statement(dialect: str, campaign: bool, status: bool, syncing: bool, since: bool, after: bool):
    """The page's SELECT for one shape (which filters it has), its values bound: built once per shape (building it
    and its cache key took ~0.2 ms of CPU a request)."""
    key = (dialect, campaign, status, syncing, since, after)
    if key not in _PAGE_STATEMENTS:
        statement = leads_of_campaign_query(_bound("scope_team", Lead.team_id),
                                            _bound("campaign_id", Lead.campaign_id) if campaign else None,
                                            _bound("status", Lead.status) if status else None)
        if not syncing:
            statement = statement.order_by(Lead.created_at.desc(), Lead.id.desc()).offset(_bound("offset", Integer))
        else:
            if since:
                statement = statement.where(Lead.updated_at >= _bound("updated_since", Lead.updated_at))
            if after:
                seq, lead_id = _bound("after_seq", Lead.change_seq), _bound("after_id", Lead.id)
                statement = statement.where(or_(Lead.change_seq > seq, and_(Lead.change_seq == seq, Lead.id > lead_id)))
            statement = _settled(statement).order_by(Lead.change_seq, Lead.id)
        statement = statement.limit(_bound("limit", Integer))
        if dialect != "postgresql":
            _PAGE_STATEMENTS[key] = statement.with_only_columns(*row_columns(Lead.__table__))
        else:
            lead_json, live = _lead_json_postgresql()
            # The lead's stored rendering (migration 0023); rendered here only if it has none (the live expression
            # is evaluated only then).
            rendering = func.coalesce(Lead.__table__.c.api_json, live)
            # A sync page also reads its last lead's key for nextCursor; a plain page only the texts.
            columns = (rendering, Lead.change_seq, Lead.id) if syncing else (rendering,)
            _PAGE_STATEMENTS[key] = statement.with_only_columns(*columns).select_from(Lead).join(lead_json, true())
    return _PAGE_STATEMENTS[key]


def _page(query: dict, values: dict, syncing: bool):
    """The page's leads and its last lead's sync key (change_seq, id), or None for an empty page; read on an
    autocommit connection (one statement: no BEGIN and ROLLBACK round trips).

    PostgreSQL answers each lead's JSON text (RenderedLeads), as stored when the lead was written or rendered now:
    a 500-lead page otherwise spends most of its time parsing, converting and re-encoding values in Python.
    Elsewhere: plain rows, dumped by LeadSchema.
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        dialect = connection.dialect.name
        statement = _page_statement(dialect, "campaignId" in query, "status" in query, syncing,
                                    "updatedSince" in query, "cursor" in query)
        result = connection.execute(statement, values)
        rendered = dialect == "postgresql"
        if rendered and not syncing:
            return RenderedLeads(result.scalars().all()), None
        rows = result.all()
        last = (rows[-1].change_seq, rows[-1].id) if rows else None
        return (RenderedLeads(row[0] for row in rows) if rendered else rows), last


def list_leads(team_id, query: dict) -> dict:
    values = {"scope_team": team_id, "campaign_id": query.get("campaignId"), "status": query.get("status"),
              "limit": query["limit"], "offset": query.get("offset", 0), "updated_since": query.get("updatedSince")}
    syncing = "cursor" in query or "updatedSince" in query
    if not syncing:
        return {"leads": _page(query, values, syncing)[0]}
    if "cursor" in query:
        values["after_seq"], values["after_id"] = decode_cursor(query["cursor"])
    leads, last = _page(query, values, syncing)
    next_cursor = encode_cursor(*last) if last else query.get("cursor") or None
    return {"leads": leads, "nextCursor": next_cursor}


__all__ = ["list_leads", "encode_cursor", "decode_cursor"]
