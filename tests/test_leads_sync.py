"""CRM sync: cursor paging that sees every change while leads change, and concurrent bulk adds (PostgreSQL)."""

import random
import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Lead
from app.models.types import utcnow
from tests.conftest import bearer, make_user
from tests.test_leads import add, get_within_budget, new_campaign

START = "updatedSince=2000-01-01T00:00:00Z"


def sync(client, auth, cursor=None, limit=50, on_page=None, max_pages=1000):
    """Page until caught up; returns {lead id: last seen updatedAt/notes} and the final cursor."""
    seen, pages = {}, 0
    while True:
        query = f"cursor={cursor}" if cursor else START
        answer = get_within_budget(client, f"/api/v1/leads?{query}&limit={limit}", auth)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        pages += 1
        assert pages < max_pages, "the sync loops"
        for lead in body["leads"]:
            seen[lead["id"]] = lead
        cursor = body["nextCursor"] or cursor
        if on_page:
            on_page(pages)
        if len(body["leads"]) < limit:
            return seen, cursor


def catch_up(client, auth, cursor, until, limit=50):
    """Sync from the cursor until `until(seen)` holds. The cursor waits for every transaction open on the
    PostgreSQL cluster (other databases' too: transaction ids are cluster-wide), so under a busy cluster a
    change can take a few pages to show; it must show, never be skipped."""
    seen, deadline = {}, time.monotonic() + 60
    while True:
        page, cursor = sync(client, auth, cursor=cursor, limit=limit)
        seen.update(page)
        if until(seen) or time.monotonic() > deadline:
            return seen, cursor
        time.sleep(0.2)


def test_sync_sees_every_lead_and_every_change_while_leads_are_updated(client, auth):
    campaign_id = new_campaign(client, auth)
    for start in range(0, 300, 100):
        add(client, auth, campaign_id, [{"name": f"L{i}", "profileUrl": f"https://www.linkedin.com/in/l{i}/"}
                                        for i in range(start, start + 100)])
    ids = [lead.id for lead in db.session.scalars(sa.select(Lead))]
    rng = random.Random(7)
    changed = {}

    def update_some(page):
        # As the workers do: changes committed straight to the database between pages.
        for lead_id in rng.sample(ids, 10):
            note = f"page {page}"
            lead = db.session.get(Lead, lead_id)
            lead.notes, lead.updated_at = note, utcnow()
            changed[str(lead_id)] = note
        db.session.commit()

    seen, cursor = sync(client, auth, on_page=update_some)
    everyone = {str(i) for i in ids}

    def complete(later):
        final = {**seen, **later}
        return set(final) == everyone and all(final[i]["notes"] == note for i, note in changed.items())

    # Changes made while syncing: the last page or a later catch-up shows each lead and each final value.
    later, cursor = catch_up(client, auth, cursor, complete)
    final = {**seen, **later}
    assert set(final) == everyone
    assert {lead_id: final[lead_id]["notes"] for lead_id in changed} == changed
    # Caught up: the same cursor returns nothing and does not move.
    body = client.get(f"/api/v1/leads?cursor={cursor}", headers=auth).get_json()
    assert body["leads"] == [] or all(lead["id"] in changed for lead in body["leads"])


def test_transaction_committing_late_with_an_older_timestamp_is_not_skipped(pg_app):
    client = pg_app.test_client()
    _, token = make_user()
    auth = bearer(token)
    campaign_id = new_campaign(client, auth)
    add(client, auth, campaign_id, [{"name": n, "profileUrl": f"linkedin.com/in/{n}"} for n in ("a", "b", "c")])
    _, cursor = sync(client, auth, limit=10)
    lead_a, lead_b = (db.session.scalar(sa.select(Lead.id).where(Lead.name == n)) for n in ("a", "b"))
    db.session.remove()
    slow = db.engine.connect()
    slow_tx = slow.begin()
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    slow.execute(sa.update(Lead).where(Lead.id == lead_a).values(notes="slow", updated_at=long_ago))
    assert client.patch(f"/api/v1/leads/{lead_b}", json={"notes": "fast"}, headers=auth).status_code == 200
    while_open, cursor = sync(client, auth, cursor=cursor, limit=10)
    assert while_open.get(str(lead_a), {}).get("notes") != "slow"  # not committed yet
    slow_tx.commit()
    slow.close()
    after, _ = catch_up(client, auth, cursor, lambda seen: seen.get(str(lead_a), {}).get("notes") == "slow",
                        limit=10)
    both = {**while_open, **after}
    assert both[str(lead_a)]["notes"] == "slow" and both[str(lead_b)]["notes"] == "fast"


def test_eight_concurrent_overlapping_bulk_adds_leave_no_duplicate(pg_app):
    client = pg_app.test_client()
    _, token = make_user()
    auth = bearer(token)
    campaign_id = new_campaign(client, auth)
    people = [f"person-{i}" for i in range(400)]
    spellings = ["https://www.linkedin.com/in/{}/", "linkedin.com/in/{}", "http://uk.linkedin.com/in/{}?x=1"]
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker(number):
        rng = random.Random(number)
        batch = [{"name": p, "profileUrl": rng.choice(spellings).format(p.upper() if rng.random() < .5 else p)}
                 for p in rng.sample(people, 300)]
        own_client = pg_app.test_client()
        barrier.wait()
        response = add(own_client, auth, campaign_id, batch)
        (results if response.status_code == 201 else errors).append(response.get_json())

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    created = sum(result["created"] for result in results)
    assert created + sum(result["duplicates"] for result in results) == 8 * 300
    rows = db.session.execute(sa.select(Lead.profile_url)).scalars().all()
    assert len(rows) == len(set(rows)) == created
    assert created == len({p for p in people if any(p in r["profileUrl"] for res in results for r in res["leads"])})
