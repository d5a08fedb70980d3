"""CSV import (per-row error report) and streamed export of leads.

Export guards against formula injection: a cell starting with = + - @ (or a tab / carriage
return) is prefixed with a single quote. Import removes exactly that prefix again, so an
exported file imports back unchanged.
"""

import csv
import io

from app.common.fields import utc_iso
from app.errors import ApiError
from app.extensions import db
from app.leads.schemas import FIELD_ALIASES, loose_key
from app.leads.service import insert_valid_leads, leads_of_campaign_query, validated_leads
from app.models import Campaign, Lead
from app.scoping import get_for_team

MAX_IMPORT_ROWS = 10_000
MAX_REPORTED_ERRORS = 200
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Export-only columns: ignored on import (they describe state the import does not set).
_EXPORT_ONLY = {"id", "campaignid", "status", "statusreason", "createdat", "updatedat", "invitedat", "connectedat",
                "lastmessagedat", "repliedat"}
EXPORT_COLUMNS = ["id", "campaignId", "name", "firstName", "lastName", "profileUrl", "title", "company", "location",
                  "email", "phone", "headline", "status", "statusReason", "notes", "tags", "invitedAt", "connectedAt",
                  "lastMessagedAt", "repliedAt", "createdAt", "updatedAt"]
_key = loose_key


def unguard(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_STARTS:
        return value[1:]
    return value


def guard(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def decode_csv(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "file: must be UTF-8 encoded CSV") from None


def csv_reader(text: str):
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    return csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)


def _row_to_lead(header: list[tuple[str, str]], cells: list[str]) -> dict:
    lead, custom = {}, {}
    for (original, field), value in zip(header, cells, strict=False):
        value = unguard(value).strip()
        if not value or field == "-":
            continue
        if field == "tags":
            lead["tags"] = [tag.strip() for tag in value.split(";") if tag.strip()]
        elif field:
            lead[field] = value
        else:
            custom[original.strip()[:100]] = value
    if custom:
        lead["customFields"] = custom
    return lead


def import_csv(team_id, campaign_id, raw: bytes) -> dict:
    campaign = get_for_team(Campaign, team_id, campaign_id, "campaign")
    rows = csv_reader(decode_csv(raw))
    try:
        header_cells = next(rows)
    except StopIteration:
        raise ApiError(400, "file: empty; expected a header row (name, profileUrl, ...)") from None
    except csv.Error as error:
        raise ApiError(400, f"file: not readable as CSV ({error})") from None
    header = []
    for cell in header_cells:
        key = _key(cell)
        header.append((cell, FIELD_ALIASES.get(key) or ("-" if key in _EXPORT_ONLY or not key else "")))
    fields = {field for _, field in header}
    if "profileUrl" not in fields or not ({"name", "firstName", "lastName"} & fields):
        raise ApiError(400, "file: the header row needs a name column and a profile URL column "
                            "(e.g. name,profileUrl,title,company,location)")
    valid, errors, seen_rows = [], [], 0
    try:
        line_number = rows.line_num + 1
        for cells in rows:
            first_line, line_number = line_number, rows.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            seen_rows += 1
            if seen_rows > MAX_IMPORT_ROWS:
                raise ApiError(400, f"file: at most {MAX_IMPORT_ROWS} rows per import; split the file")
            try:
                valid.extend(validated_leads([_row_to_lead(header, cells)], "row"))
            except ApiError as error:
                errors.append({"row": first_line, "error": error.message.replace("row.0.", "", 1)})
    except csv.Error as error:
        raise ApiError(400, f"file: not readable as CSV ({error})") from None
    added = insert_valid_leads(team_id, campaign, valid)
    return {"created": len(added.created), "duplicates": added.duplicates, "refused": len(added.refused),
            "refusedLeads": added.refused, "failed": len(errors),
            "errors": errors[:MAX_REPORTED_ERRORS]}


def _iso(value):

    return utc_iso(value) if value else ""


def _cells(lead: Lead, custom_keys: list[str]) -> list[str]:
    values = [lead.id, lead.campaign_id, lead.name, lead.first_name, lead.last_name, lead.profile_url, lead.title,
              lead.company, lead.location, lead.email, lead.phone, lead.headline, lead.status, lead.status_reason,
              lead.notes, ";".join(lead.tags or []),
              _iso(lead.invited_at), _iso(lead.connected_at), _iso(lead.last_messaged_at), _iso(lead.replied_at),
              _iso(lead.created_at), _iso(lead.updated_at)]
    custom = lead.custom_fields or {}
    values += [custom.get(key) for key in custom_keys]
    return [guard(value) for value in values]


def export_rows(team_id, campaign_id=None, status=None):
    """Yield CSV text chunks: the header, then the leads oldest first, custom fields as extra columns."""
    if campaign_id is not None:
        get_for_team(Campaign, team_id, campaign_id, "campaign")
    statement = leads_of_campaign_query(team_id, campaign_id, status)
    custom_keys: dict[str, None] = {}
    for fields_of_lead in db.session.scalars(statement.with_only_columns(Lead.custom_fields)).yield_per(2000):
        for key in fields_of_lead or {}:
            custom_keys.setdefault(key, None)
    keys = [key for key in custom_keys if _key(key) not in FIELD_ALIASES and _key(key) not in _EXPORT_ONLY]

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([guard(name) for name in EXPORT_COLUMNS + keys])
        ordered = statement.order_by(Lead.created_at, Lead.id).execution_options(yield_per=1000)
        for count, lead in enumerate(db.session.scalars(ordered), start=1):
            writer.writerow(_cells(lead, keys))
            if count % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return generate()


__all__ = ["import_csv", "export_rows", "guard"]
