"""The do-not-contact list as people manage it: list, add (JSON or CSV), remove.

Adding goes through the engine (`put_on_list`), which also ends the person's leads and cancels what was planned;
the rule itself lives in app/suppression.
"""

import csv
import uuid
from datetime import datetime

from sqlalchemy import delete, func

from app.common.profile_url import normalize_profile_url
from app.engine.do_not_contact import put_on_list
from app.errors import ApiError, not_found
from app.extensions import db
from app.leads.csv_io import MAX_IMPORT_ROWS, MAX_REPORTED_ERRORS, csv_reader, decode_csv, unguard
from app.leads.schemas import FIELD_ALIASES, loose_key
from app.models import DoNotContact
from app.scoping import team_select
from app.suppression import profile_digest


def list_entries(team_id: uuid.UUID, limit: int, offset: int) -> dict:
    entries = db.session.scalars(team_select(DoNotContact, team_id)
                                 .order_by(DoNotContact.created_at.desc(), DoNotContact.id).limit(limit).offset(offset))
    total = db.session.scalar(team_select(DoNotContact, team_id, func.count()))
    return {"entries": list(entries), "total": total or 0}


def add_urls(team_id: uuid.UUID, urls: list[str], source: str, reason: str | None, now: datetime,
             field_name: str = "profileUrls") -> dict:
    normalized = [normalize_profile_url(url, f"{field_name}.{index}") for index, url in enumerate(urls)]
    listed = put_on_list(team_id, normalized, source, reason, now)
    unique = list(dict.fromkeys(normalized))
    return {"added": len(listed.added), "alreadyListed": len(unique) - len(listed.added),
            "leadsEnded": listed.leads_ended, "actionsCancelled": listed.actions_cancelled, "profileUrls": unique}


def import_csv(team_id: uuid.UUID, raw: bytes, now: datetime) -> dict:
    """A CSV with a profile URL column (`profileUrl`, `LinkedIn URL`, ... as for leads) and optionally `reason`;
    a file of bare URLs without a header works too. Bad rows are reported; the others are listed."""
    numbered = _numbered_rows(raw)
    keys = [loose_key(cell) for cell in numbered[0][1]]
    url_column = next((i for i, key in enumerate(keys) if FIELD_ALIASES.get(key) == "profileUrl"), None)
    if url_column is None:  # no header: a URL per line
        url_column, reason_column, body = 0, None, numbered
    else:
        reason_column, body = (keys.index("reason") if "reason" in keys else None), numbered[1:]
    found, errors = [], []
    for line, cells in body:
        if not any(cell.strip() for cell in cells):
            continue
        reason = _cell(cells, reason_column)[:300] or None
        try:
            found.append((normalize_profile_url(_cell(cells, url_column), "profileUrl"), reason))
        except ApiError as error:
            errors.append({"row": line, "error": error.message})
    added, ended, cancelled = set(), 0, 0
    for reason in dict.fromkeys(reason for _, reason in found):  # one call per distinct reason
        listed = put_on_list(team_id, [url for url, why in found if why == reason], "csv", reason, now)
        added.update(listed.added)
        ended, cancelled = ended + listed.leads_ended, cancelled + listed.actions_cancelled
    unique = list(dict.fromkeys(url for url, _ in found))
    return {"added": len(added), "alreadyListed": len(unique) - len(added), "leadsEnded": ended,
            "actionsCancelled": cancelled, "profileUrls": unique, "failed": len(errors),
            "errors": errors[:MAX_REPORTED_ERRORS]}


def _numbered_rows(raw: bytes) -> list[tuple[int, list[str]]]:
    rows = csv_reader(decode_csv(raw))
    numbered = []
    try:
        for cells in rows:
            if len(numbered) > MAX_IMPORT_ROWS:
                raise ApiError(400, f"file: at most {MAX_IMPORT_ROWS} rows per import; split the file")
            numbered.append((rows.line_num, cells))
    except csv.Error as error:
        raise ApiError(400, f"file: not readable as CSV ({error})") from None
    if not numbered:
        raise ApiError(400, "file: empty; expected profile URLs (a profileUrl column, or one URL a line)")
    return numbered


def _cell(cells: list[str], column: int | None) -> str:
    return unguard(cells[column]).strip() if column is not None and column < len(cells) else ""


def remove_url(team_id: uuid.UUID, url: str) -> None:
    """Take a person off the list: campaigns may contact them again (their ended leads stay ended)."""
    digest = profile_digest(normalize_profile_url(url))
    removed = db.session.execute(delete(DoNotContact).where(DoNotContact.team_id == team_id,
                                                            DoNotContact.profile_digest == digest))
    if not removed.rowcount:
        raise not_found("do-not-contact entry")
