"""GET /leads answers exactly what LeadSchema says, however the page is rendered (by PostgreSQL or in Python)."""

import json
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.leads.schemas import BulkLeadsResultSchema, LeadSchema
from app.models import Lead
from tests.conftest import bearer, make_user
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


def _awkward_leads(client, auth) -> str:
    campaign_id = new_campaign(client, auth)
    assert add(client, auth, campaign_id, AWKWARD).status_code == 201
    return campaign_id


def _dumped(campaign_id) -> dict:
    db.session.expire_all()
    leads = db.session.scalars(sa.select(Lead).where(Lead.campaign_id == campaign_id))
    return {str(lead.id): LeadSchema().dump(lead) for lead in leads}


def _stored(campaign_id) -> dict:
    rows = db.session.execute(sa.select(Lead.id, Lead.api_json).where(Lead.campaign_id == campaign_id)).all()
    return {str(lead_id): json.loads(api_json) if api_json is not None else None for lead_id, api_json in rows}


def _listed(client, auth, campaign_id) -> dict:
    answer = client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=auth)
    assert answer.status_code == 200, answer.get_json()
    return {lead["id"]: lead for lead in answer.get_json()["leads"]}


def test_each_lead_keeps_the_rendering_the_schema_dumps_through_every_kind_of_write(pg_app):
    """PostgreSQL stores each lead's API rendering when the lead is written (migration 0023), whoever writes it: the
    API, the ORM, a bulk UPDATE. A LeadSchema change without a migration rendering it fails here."""
    client, auth = pg_app.test_client(), bearer(make_user()[1])
    campaign_id = _awkward_leads(client, auth)
    assert _stored(campaign_id) == _dumped(campaign_id)

    lead = db.session.scalar(sa.select(Lead).where(Lead.campaign_id == campaign_id, Lead.first_name == "Only"))
    lead.invited_at = datetime(2026, 3, 2, 9, 59, 59, 999999, tzinfo=UTC)
    lead.custom_fields = {"quote": '"', "back\\slash": "ü", "": ""}
    lead.email = "only@example.com"
    db.session.commit()
    db.session.execute(sa.update(Lead).where(Lead.campaign_id == campaign_id)
                       .values(status="invited", status_reason="tab\there", tags=["ü"]))
    db.session.commit()
    assert _stored(campaign_id) == _dumped(campaign_id)
    assert _listed(client, auth, campaign_id) == _dumped(campaign_id)


def test_a_lead_without_a_stored_rendering_is_rendered_when_listed(pg_app):
    """A lead whose rendering is missing (written before migration 0023 rendered it, or by a load with the trigger
    off) is rendered by the page's statement as the schema dumps it, key for key, beside a lead that has its own:
    quotes, backslashes, non-ASCII, a newline, microseconds truncated to milliseconds, a null beside a timestamp."""
    client, auth = pg_app.test_client(), bearer(make_user()[1])
    campaign_id = _awkward_leads(client, auth)
    lead = db.session.scalar(sa.select(Lead).where(Lead.campaign_id == campaign_id, Lead.title == "CTO"))
    lead.invited_at = datetime(2026, 3, 2, 9, 59, 59, 999999, tzinfo=UTC)
    lead.replied_at = datetime(2026, 3, 2, 10, 0, 0, 1500, tzinfo=UTC)
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE leads DISABLE TRIGGER leads_stamp_rendering"))
        connection.execute(sa.text("UPDATE leads SET api_json = NULL WHERE title = 'CTO'"))
        connection.execute(sa.text("ALTER TABLE leads ENABLE TRIGGER leads_stamp_rendering"))
    assert sorted(value is None for value in _stored(campaign_id).values()) == [False, True]
    answer = client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=auth)
    assert {item["id"]: item for item in answer.get_json()["leads"]} == _dumped(campaign_id)
    assert [list(item) for item in answer.get_json()["leads"]] == [list(LeadSchema().fields)] * 2


def test_upgrading_renders_existing_leads_without_replaying_them_to_syncs(pg_app):
    """Migration 0023 renders the leads that exist; a CRM sync must not see them all as changed: their change
    stamps stay."""
    client, auth = pg_app.test_client(), bearer(make_user()[1])
    campaign_id = _awkward_leads(client, auth)
    stamps = dict(db.session.execute(sa.select(Lead.id, Lead.change_seq)).all())
    db.session.commit()
    db.session.close()
    try:
        downgrade(revision="0022_lapsed_leases")
    finally:
        upgrade()
    assert _stored(campaign_id) == _dumped(campaign_id)
    assert dict(db.session.execute(sa.select(Lead.id, Lead.change_seq)).all()) == stamps


def test_an_upgrade_cut_short_runs_again_and_renders_every_lead_batch_by_batch(pg_app):
    """Migration 0023 commits its column before rendering the leads in batches of 5,000: a run that fails on the way
    (a timeout, a lost connection) leaves the revision at 0022 with the column in place, and the next run finishes
    it, over more than one batch, without replaying the leads to syncs."""
    client, auth = pg_app.test_client(), bearer(make_user()[1])
    campaign_id = _awkward_leads(client, auth)
    team_id = db.session.scalar(sa.select(Lead.team_id).where(Lead.campaign_id == campaign_id))
    db.session.commit()
    db.session.close()
    try:
        downgrade(revision="0022_lapsed_leases")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO leads (id, team_id, campaign_id, name, profile_url, status, tags, custom_fields, "
                "messages_sent, created_at, updated_at) SELECT gen_random_uuid(), :team, :campaign, 'Bulk ' || i, "
                "'https://www.linkedin.com/in/bulk-' || i || '/', 'new', '[]', '{}', 0, now(), now() "
                "FROM generate_series(1, 5001) AS i"), {"team": team_id, "campaign": campaign_id})
            connection.execute(sa.text("ALTER TABLE leads ADD COLUMN api_json TEXT"))  # what the failed run left
        stamps = dict(db.session.execute(sa.select(Lead.id, Lead.change_seq)).all())
        db.session.close()
    finally:
        upgrade()
    stored = _stored(campaign_id)
    assert len(stored) == 5003 and stored == _dumped(campaign_id)
    assert dict(db.session.execute(sa.select(Lead.id, Lead.change_seq)).all()) == stamps


def test_the_bulk_add_answer_is_what_its_schema_dumps(client, auth):
    """POST /leads answers BulkLeadsResultSchema's dump of the leads written, in its field order, however it is
    rendered (on PostgreSQL its leads are the texts the database stored as it wrote them)."""
    campaign_id = new_campaign(client, auth)
    assert add(client, auth, campaign_id, [AWKWARD[1]]).status_code == 201
    sent = AWKWARD + [{"name": "Extra Fields", "profileUrl": "linkedin.com/in/extra", "job_title": "CTO",
                       "favourite": "tea"}]
    answer = add(client, auth, campaign_id, sent)
    assert answer.status_code == 201 and answer.mimetype == "application/json"
    body = answer.get_json()
    assert (body["created"], body["duplicates"], body["refused"]) == (2, 1, 0)
    assert body["extraFields"] == {"job_title": "title", "favourite": "customFields.favourite"}
    stored = {lead.profile_url: lead for lead in db.session.scalars(sa.select(Lead))}
    expected = BulkLeadsResultSchema().dump({**body, "leads": [stored[lead["profileUrl"]] for lead in body["leads"]]})
    assert body == expected
    assert list(body) == list(BulkLeadsResultSchema().fields)
    assert [list(lead) for lead in body["leads"]] == [list(LeadSchema().fields)] * 2
