"""Erasure leaves no trace of the person in any table of the team, keeps what the caps count, and lists them."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.actions.archive import archive_finished_actions
from app.extensions import db
from app.models import Action, ArchivedAction, WebhookDelivery, WebhookEvent
from tests.conftest import bearer, make_user
from tests.engine_helpers import NO_GAP, Outreach, profile
from tests.test_webhook_helpers import register, run_worker, serve_receiver

SLUG = "zelda-quartermaine-7"
NAME = "Zelda Quartermaine"
TRACES = (SLUG, NAME, "Zelda", "Quartermaine", "zq@example.com")


@pytest.fixture
def receiver():
    yield from serve_receiver()


def _rows_mentioning(words, skip_team=None) -> list[str]:
    """Every row of every table (read from the database's own catalogue) whose text mentions one of `words`."""
    found = []
    inspector = sa.inspect(db.session.connection())
    for table in inspector.get_table_names():
        columns = [column["name"] for column in inspector.get_columns(table)]
        # In the test's own session: on SQLite a second connection would wait for the write lock it holds.
        for row in db.session.execute(sa.text(f'SELECT * FROM "{table}"')).mappings():
            if skip_team is not None and "team_id" in columns and str(row["team_id"]).replace("-", "") == \
                    str(skip_team).replace("-", ""):
                continue
            text = " ".join(str(value) for value in row.values())
            found += [f"{table}: {word}" for word in words if word.lower() in text.lower()]
    return found


def test_erasure_leaves_no_trace_in_any_table_and_the_person_stays_unreachable(app, client, receiver):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    hook = register(client, team.auth, receiver.url())
    receiver.echo_paths.add("/hook")  # its answers, kept in the delivery log, repeat the payloads
    campaign = team.campaign(settings={"firstMessageDelayHours": 0})
    added = client.post("/api/v1/leads", headers={**team.auth, "Idempotency-Key": "import-1"}, json={
        "campaignId": campaign, "leads": [
            {"name": NAME, "profileUrl": profile(SLUG), "notes": f"{NAME} likes tea", "email": "zq@example.com"},
            {"name": "Bob Test", "profileUrl": profile("bob")}]})
    assert added.status_code == 201
    team.call("POST", "/do-not-contact", {"profileUrls": [profile("someone")], "reason": "unrelated"}, expect=201)
    team.tick()
    team.tick(minutes=1)
    assert len(team.drain()) == 2  # both invited
    team.observe("invite_accepted", SLUG)
    team.observe("invite_accepted", "bob")
    archive_finished_actions(team.clock() + timedelta(days=10))  # the invites are in the archive now
    db.session.commit()
    team.tick(minutes=1)
    assert {leased["type"] for leased in team.drain()} == {"message"}  # "Thanks Zelda" went out
    run_worker(app)  # lead.invited and lead.messaged delivered; the log holds the echoed body
    assert _rows_mentioning(TRACES), "the scenario must have stored the person somewhere"

    other_user, other_token = make_user()  # another team holds the same person
    other_campaign = client.post("/api/v1/campaigns", headers=bearer(other_token), json={"name": "Theirs"}).get_json()
    client.post("/api/v1/leads", headers=bearer(other_token), json={
        "campaignId": other_campaign["id"], "leads": [{"name": NAME, "profileUrl": profile(SLUG)}]})
    done_before = db.session.scalar(sa.select(sa.func.count()).select_from(Action).where(Action.status == "done"))

    erased = team.call("DELETE", f"/people?profileUrl=linkedin.com/in/{SLUG.upper()}").get_json()

    assert erased["profileUrl"] == profile(SLUG) and erased["doNotContact"] is True
    counts = erased["erased"]
    assert counts["leads"] == 1 and counts["actions"] == 1 and counts["archivedActions"] == 1
    assert counts["webhookEvents"] == 2 and counts["webhookDeliveries"] == 2 and counts["idempotencyKeys"] == 1
    assert _rows_mentioning(TRACES, skip_team=other_user.team_id) == []
    # What the caps count stays: the same actions, done, for the same account and day.
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action).where(Action.status == "done")) \
        == done_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchivedAction)) == 2
    # The webhook history keeps its events and deliveries, not their content.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 4
    assert {d.status for d in db.session.scalars(sa.select(WebhookDelivery))} == {"delivered"}
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=team.auth).get_json()["deliveries"]
    assert len(log) == 4
    # Bob is untouched, and so is the other team's lead for the same person.
    bob = [lead for lead in team.call("GET", "/leads").get_json()["leads"]]
    assert [lead["name"] for lead in bob] == ["Bob Test"] and bob[0]["status"] == "messaged"
    theirs = client.get("/api/v1/leads", headers=bearer(other_token)).get_json()["leads"]
    assert [lead["name"] for lead in theirs] == [NAME]
    # Still listed (without the URL), so the person is never added again.
    entries = team.call("GET", "/do-not-contact").get_json()["entries"]
    assert sorted((entry["profileUrl"] or "") for entry in entries) == ["", profile("someone")]
    again = team.call("POST", "/leads", {"campaignId": campaign, "leads": [
        {"name": NAME, "profileUrl": profile(SLUG)}]}, expect=201).get_json()
    assert again["created"] == 0 and again["refused"] == 1
    assert team.call("DELETE", f"/people?profileUrl={profile(SLUG)}").get_json()["erased"]["leads"] == 0


def test_erasing_a_person_with_pending_actions_cancels_them(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    team.add_leads(team.campaign(), ["ada"])
    team.tick()
    [leased] = team.poll()
    erased = team.call("DELETE", f"/people?profileUrl={profile('ada')}").get_json()
    assert erased["actionsCancelled"] == 1 and erased["erased"]["actions"] == 1
    assert team.start(leased).status_code == 409
