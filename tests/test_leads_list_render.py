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
    # cluster the first page can come back empty, or without the lead changed last (its change is the newer one),
    # never wrong. Ask again until both leads show (bounded).
    deadline = time.monotonic() + 60
    while True:
        answer = get_within_budget(client, "/api/v1/leads?updatedSince=2000-01-01T00:00:00Z", auth)
        assert answer.status_code == 200, answer.get_json()
        synced = answer.get_json()
        if len(synced["leads"]) == len(expected) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert {lead["id"]: lead for lead in synced["leads"]} == expected
    following = client.get(f"/api/v1/leads?cursor={synced['nextCursor']}", headers=auth).get_json()
    assert following == {"leads": [], "nextCursor": synced["nextCursor"]}


def test_pages_of_every_shape_answer_their_own_filters(client, auth):
    """Each shape of page (which filters it has) is one statement built once, its values bound per request: asked one
    after another, with the same shape and different values, each page answers its own."""
    first, second = new_campaign(client, auth, "first"), new_campaign(client, auth, "second")
    assert add(client, auth, first, [{"name": f"first {n}", "profileUrl": f"linkedin.com/in/f{n}"}
                                     for n in range(3)]).status_code == 201
    assert add(client, auth, second, [{"name": "second 0", "profileUrl": "linkedin.com/in/s0"}]).status_code == 201
    db.session.execute(sa.update(Lead).where(Lead.name == "first 0").values(status="invited"))
    db.session.commit()

    def names(query):
        answer = client.get(f"/api/v1/leads?{query}", headers=auth)
        assert answer.status_code == 200, answer.get_json()
        return sorted(lead["name"] for lead in answer.get_json()["leads"])

    assert names(f"campaignId={first}&status=new") == ["first 1", "first 2"]
    assert names(f"campaignId={second}&status=new") == ["second 0"]
    assert names(f"campaignId={first}&status=invited") == ["first 0"]
    assert names(f"campaignId={first}") == ["first 0", "first 1", "first 2"]
    assert names("status=invited") == ["first 0"]
    everyone = ["first 0", "first 1", "first 2", "second 0"]
    assert names("") == everyone
    assert sorted(names("limit=3") + names("limit=3&offset=3")) == everyone
    assert names(f"campaignId={second}&limit=1&offset=1") == []
