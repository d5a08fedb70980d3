"""What a page reads is what it shows: a campaign's page of leads is an index read of that page's entries, however
many newer leads the team's other campaigns hold (PostgreSQL's EXPLAIN ANALYZE of the statements the page runs)."""

import re
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.leads.counts import campaign_lead_counts
from app.models import Campaign
from app.users.passwords import set_password
from tests.conftest import bearer, make_user

PASSWORD = "correct horse battery"
OLD_LEADS, NEW_LEADS = 6000, 3000


def _sign_in(app, user):
    set_password(user, PASSWORD)
    db.session.commit()
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf})
    return client


def _campaign(team_id, name: str, campaign_id: uuid.UUID) -> Campaign:
    campaign = Campaign(id=campaign_id, team_id=team_id, name=name, status="active", targeting={}, templates={},
                        settings={})
    db.session.add(campaign)
    db.session.flush()
    return campaign


def _add_leads(team_id, campaign_id, first: int, count: int, status_of_newest: str, newest: int):
    """`count` leads created one second apart from lead number `first`; the newest `newest` of them in
    `status_of_newest`, the others queued (as a fresh scrape sits in front of older, qualified leads)."""
    db.session.execute(sa.text(
        "INSERT INTO leads (id, team_id, campaign_id, name, first_name, profile_url, status, messages_sent, tags, "
        "custom_fields, created_at, updated_at) SELECT gen_random_uuid(), :team, :campaign, 'Lead ' || i, 'Lead', "
        "'https://www.linkedin.com/in/lead-' || i || '/', CASE WHEN i >= :stop - :newest THEN :newest_status "
        "ELSE 'queued' END, 0, '[]', '{}', TIMESTAMPTZ '2026-01-01' + make_interval(secs => i), "
        "TIMESTAMPTZ '2026-01-01' FROM generate_series(:first, :stop - 1) i"),
        {"team": team_id, "campaign": campaign_id, "first": first, "stop": first + count, "newest": newest,
         "newest_status": status_of_newest})


@pytest.fixture
def skewed_team(pg_app):
    """A campaign whose leads are all older than the 3,000 leads of the team's other campaign, the newest 1,000 of
    them still new: the shape that made PostgreSQL walk the team's index and filter out the other campaign. (Its id
    sorts after the newer campaign's, so the campaign column does not follow the table's order, as with random ids.)"""
    user, token = make_user()
    old = _campaign(user.team_id, "Old", uuid.UUID("ffffffff-0000-4000-8000-000000000000"))
    new = _campaign(user.team_id, "New", uuid.UUID("00000000-0000-4000-8000-000000000000"))
    _add_leads(user.team_id, old.id, 0, OLD_LEADS, "new", 1000)
    _add_leads(user.team_id, new.id, OLD_LEADS, NEW_LEADS, "new", 0)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE leads"))
    return user, token, old


@contextmanager
def _lead_reads():
    """The SELECTs of leads ordered newest first that run inside the block: (statement, parameters)."""
    seen = []

    def record(_connection, _cursor, statement, parameters, _context, _executemany):
        newest_first = "ORDER BY leads.created_at DESC" in statement
        if statement.startswith("SELECT") and "FROM leads" in statement and newest_first:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _scans_of_leads(statement: str, parameters) -> list[dict]:
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
    nodes, found = [plan[0]["Plan"]], []
    while nodes:
        node = nodes.pop()
        nodes += node.get("Plans", [])
        if node.get("Relation Name") == "leads":
            found.append(node)
    return found


def _assert_reads_only_the_page(reads: list, most: int):
    assert reads, "the page read no leads newest first"
    for statement, parameters in reads:
        for scan in _scans_of_leads(statement, parameters):
            assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), scan
            assert scan.get("Rows Removed by Filter", 0) == 0, scan
            assert scan["Actual Rows"] <= most, scan


def _older_link(page: str) -> str:
    return re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")


def test_a_campaign_page_reads_its_own_leads_not_the_teams(skewed_team, pg_app):
    user, _, old = skewed_team
    client = _sign_in(pg_app, user)
    first = client.get(f"/campaigns/{old.id}").get_data(as_text=True)
    deep = f"/campaigns/{old.id}"
    for _ in range(40):  # 2,000 leads down: a keyset page reads its own entries at any depth
        deep = _older_link(client.get(deep).get_data(as_text=True))
    for path in (f"/campaigns/{old.id}", f"/campaigns/{old.id}?status=queued", f"/campaigns/{old.id}?status=new",
                 _older_link(first), deep):
        with _lead_reads() as reads:
            page = client.get(path)
        assert page.status_code == 200
        _assert_reads_only_the_page(reads, 51)  # the list, and the preview's five newest leads
    page = client.get(f"/campaigns/{old.id}?status=queued").get_data(as_text=True)
    table = page[page.index('id="leads-table"'):]
    table = table[:table.index("</table>")]
    assert f">Lead {OLD_LEADS - 1001}<" in table and f">Lead {OLD_LEADS - 1}<" not in table  # newest queued first


def test_the_api_lists_a_campaigns_leads_from_its_own_entries(skewed_team, pg_app):
    _, token, old = skewed_team
    client = pg_app.test_client()
    with _lead_reads() as reads:
        answer = client.get(f"/api/v1/leads?campaignId={old.id}&limit=100", headers=bearer(token))
    assert answer.status_code == 200
    assert answer.get_json()["leads"][0]["name"] == f"Lead {OLD_LEADS - 1}"
    _assert_reads_only_the_page(reads, 100)
    assert campaign_lead_counts(old.team_id, [old.id])[old.id].by_status["new"] == 1000

