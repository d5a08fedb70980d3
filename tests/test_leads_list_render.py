"""GET /leads answers exactly what LeadSchema says, however the page is rendered (by PostgreSQL or in Python)."""

import time
from datetime import UTC, datetime

import sqlalchemy as sa

from app.extensions import db
from app.leads.schemas import LeadSchema
from app.models import Lead
from tests.test_leads import add, get_within_budget, new_campaign

AWKWARD = [
    {"name": 'Zoë "Z" O\'Brien \\ Ünïcødé', "profileUrl": "linkedin.com/in/zoe", "tags": ["vip", "emoji ✓"],
     "customFields": {"Team size": "10-50", "note": "line\nbreak"}, "title": "CTO", "notes": "tab\there"},
    {"firstName": "Only", "profileUrl": "linkedin.com/in/only"},
]


def test_the_list_and_sync_pages_match_the_lead_schema(client, auth):
    campaign_id = new_campaign(client, auth)
    assert add(client, auth, campaign_id, AWKWARD).status_code == 201
    leads = db.session.scalars(sa.select(Lead)).all()
    # Microseconds that must be truncated to milliseconds, not rounded; a null next to a set timestamp.
    leads[0].invited_at = datetime(2026, 3, 2, 9, 59, 59, 999999, tzinfo=UTC)
    leads[0].replied_at = datetime(2026, 3, 2, 10, 0, 0, 1500, tzinfo=UTC)
    db.session.commit()
    expected = {str(lead.id): LeadSchema().dump(lead) for lead in db.session.scalars(sa.select(Lead))}

    listed = client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=auth)
    assert listed.status_code == 200 and listed.mimetype == "application/json"
    assert {lead["id"]: lead for lead in listed.get_json()["leads"]} == expected
    assert [list(lead) for lead in listed.get_json()["leads"]] == [list(LeadSchema().fields)] * 2
    assert set(listed.get_json()) == {"leads"}

    # The sync waits for every transaction open on the PostgreSQL cluster (xids are cluster-wide): on a busy
    # cluster the first page can come back empty, never wrong. Ask again until the leads show (bounded).
    deadline = time.monotonic() + 60
    while True:
        answer = get_within_budget(client, "/api/v1/leads?updatedSince=2000-01-01T00:00:00Z", auth)
        assert answer.status_code == 200, answer.get_json()
        synced = answer.get_json()
        if synced["leads"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert {lead["id"]: lead for lead in synced["leads"]} == expected
    following = client.get(f"/api/v1/leads?cursor={synced['nextCursor']}", headers=auth).get_json()
    assert following == {"leads": [], "nextCursor": synced["nextCursor"]}
