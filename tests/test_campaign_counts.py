"""A campaign's lead counts (the API's `stats` and `analytics`, the web app's funnels) are kept by the database as
leads change, and always equal what a GROUP BY over the leads says: after adds, CSV imports, the engine's moves,
PATCH, deletes, moves between campaigns, a campaign's deletion, concurrent imports, and the fold job."""

import io
import random
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import clock
from app.campaigns.service import delete_campaign
from app.engine.lead_changes import delete_lead, update_lead
from app.extensions import db
from app.leads.counts import campaign_lead_counts, fold_lead_counts
from app.leads.service import add_leads
from app.models import LEAD_STATUSES, Campaign, CampaignLeadCountDelta, Lead, Team
from tests.conftest import make_user
from tests.engine_helpers import NO_GAP, Outreach, profile
from worker.maintenance_jobs import fold_lead_counts as fold_job
from worker.periodic import registered_jobs


def _truth(team_id) -> dict:
    """What counting the leads says: campaign id -> (by status, invited, connected, replied)."""
    campaign_ids = db.session.scalars(sa.select(Campaign.id).where(Campaign.team_id == team_id)).all()
    truth = {campaign_id: ({}, 0, 0, 0) for campaign_id in campaign_ids}
    rows = db.session.execute(
        sa.select(Lead.campaign_id, Lead.status, sa.func.count(), sa.func.count(Lead.invited_at),
                  sa.func.count(Lead.connected_at), sa.func.count(Lead.replied_at))
        .where(Lead.team_id == team_id).group_by(Lead.campaign_id, Lead.status))
    for campaign_id, status, leads, invited, connected, replied in rows:
        by_status, *moments = truth[campaign_id]
        by_status[status] = leads
        truth[campaign_id] = (by_status, moments[0] + invited, moments[1] + connected, moments[2] + replied)
    return truth


def assert_counts_right(team_id) -> dict:
    truth = _truth(team_id)
    kept = campaign_lead_counts(team_id, list(truth))
    assert {campaign_id: (found.by_status, found.invited, found.connected, found.replied)
            for campaign_id, found in kept.items()} == truth
    return truth


def assert_api_counts_right(team: Outreach) -> None:
    truth = assert_counts_right(team.team_id)
    listed = {campaign["id"]: campaign["stats"] for campaign in team.call("GET", "/campaigns").get_json()["campaigns"]}
    for campaign_id, (by_status, invited, connected, replied) in truth.items():
        expected = {status: by_status.get(status, 0) for status in LEAD_STATUSES}
        assert listed[str(campaign_id)] == {**expected, "total": sum(expected.values())}
        detail = team.call("GET", f"/campaigns/{campaign_id}").get_json()
        assert detail["stats"] == listed[str(campaign_id)]
        assert (detail["analytics"]["leadsByStatus"], detail["analytics"]["invited"], detail["analytics"]["accepted"],
                detail["analytics"]["replied"]) == (by_status, invited, connected, replied)


def _deltas(campaign_id=None) -> list:
    statement = sa.select(CampaignLeadCountDelta.campaign_id, CampaignLeadCountDelta.status)
    if campaign_id is not None:
        statement = statement.where(CampaignLeadCountDelta.campaign_id == campaign_id)
    return db.session.execute(statement).all()


def _csv(slugs) -> bytes:
    return ("name,profile_url\n" + "".join(f"{slug.capitalize()} Csv,{profile(slug)}\n" for slug in slugs)).encode()


def test_counts_follow_adds_imports_edits_and_deletes(app, client):
    team = Outreach(app, client)
    first, second = team.campaign("First"), team.campaign("Second", status="draft")
    assert_api_counts_right(team)  # no leads: zeros everywhere
    leads = team.add_leads(first, ["ada", "bob", "cy", "dee"])
    team.add_leads(first, ["ada", "eve"])  # one duplicate, not counted twice
    imported = client.post("/api/v1/leads/import", headers=team.auth, content_type="multipart/form-data",
                           data={"campaignId": second, "file": (io.BytesIO(_csv(["fay", "gus", "hal"])), "l.csv")})
    assert imported.status_code == 200, imported.get_json()
    assert_api_counts_right(team)
    team.set_lead_status(leads["ada"], "connected")  # sets invited_at and connected_at too
    team.set_lead_status(leads["bob"], "replied")
    team.set_lead_status(leads["cy"], "skipped")
    team.call("PATCH", f"/leads/{leads['dee']}", {"notes": "a note moves no count"})
    assert_api_counts_right(team)
    team.call("DELETE", f"/leads/{leads['bob']}", expect=204)
    team.set_lead_status(leads["ada"], "new")  # back to new: it was still invited and connected once
    counts = assert_counts_right(team.team_id)
    assert counts[uuid.UUID(first)] == ({"new": 3, "skipped": 1}, 1, 1, 0)  # ada (once connected), dee, eve; cy
    assert_api_counts_right(team)


def test_counts_follow_the_engine(app, client):
    team = Outreach(app, client)
    team.configure(gapMinutes=NO_GAP)
    campaign = team.campaign(settings={"firstMessageDelayHours": 0})
    leads = team.add_leads(campaign, ["ada", "bob", "cy"])
    team.tick()  # qualification: new -> queued
    assert_api_counts_right(team)
    team.tick(minutes=1)
    team.drain()  # invites sent: invited
    assert_api_counts_right(team)
    team.observe("invite_accepted", "ada")
    team.observe("invite_accepted", "bob")
    team.observe("reply_received", "bob")
    assert team.lead(leads["bob"])["status"] == "replied"
    assert_api_counts_right(team)
    team.tick(minutes=1)
    team.drain()  # ada's message
    assert team.lead(leads["ada"])["status"] == "messaged"
    assert_api_counts_right(team)


def test_moving_leads_and_deleting_a_campaign_leave_no_stray_counts(app, client):
    team = Outreach(app, client)
    first, second = team.campaign("First"), team.campaign("Second")
    team.add_leads(first, ["ada", "bob", "cy"])
    team.add_leads(second, ["dee"])
    # Whatever writes the leads (here a data fix in SQL, moving two leads and setting a status) is counted.
    db.session.execute(sa.update(Lead).where(Lead.profile_url.in_([profile("ada"), profile("bob")]))
                       .values(campaign_id=sa.select(Campaign.id).where(Campaign.name == "Second")
                               .scalar_subquery()))
    db.session.execute(sa.update(Lead).where(Lead.profile_url == profile("dee")).values(status="skipped"))
    db.session.commit()
    assert_api_counts_right(team)
    truth = assert_counts_right(team.team_id)
    assert sorted(sum(by_status.values()) for by_status, *_ in truth.values()) == [1, 3]
    team.call("DELETE", f"/campaigns/{second}", expect=204)
    assert _deltas(uuid.UUID(second)) == []
    assert {str(campaign_id) for campaign_id, _ in _deltas()} == {first}
    assert_api_counts_right(team)


def test_the_fold_keeps_one_row_per_campaign_and_status_and_the_same_counts(app, client):
    assert any(job.func is fold_job and job.every_seconds == 60 for job in registered_jobs())
    team = Outreach(app, client)
    campaign = team.campaign()
    leads = team.add_leads(campaign, [f"lead{index}" for index in range(6)])
    for batch in range(3):
        team.add_leads(campaign, [f"more{batch}-{index}" for index in range(2)])
    for lead_id in list(leads.values())[:4]:
        team.set_lead_status(lead_id, "skipped")
    team.set_lead_status(list(leads.values())[4], "new")
    before = assert_counts_right(team.team_id)
    assert len(_deltas()) > 2
    assert fold_job() > 0
    db.session.expire_all()
    assert sorted(status for _, status in _deltas()) == ["new", "skipped"]
    assert assert_counts_right(team.team_id) == before
    assert fold_job() == 0  # folded already: nothing to do
    for lead_id in list(leads.values())[:4]:  # every skipped lead gone: the fold leaves no zero row behind
        team.call("DELETE", f"/leads/{lead_id}", expect=204)
    fold_job()
    db.session.expire_all()
    assert [status for _, status in _deltas()] == ["new"]
    assert_api_counts_right(team)


def test_the_migration_counts_the_leads_already_there(app, client):
    team = Outreach(app, client)
    campaign = team.campaign()
    leads = team.add_leads(campaign, ["ada", "bob", "cy"])
    team.set_lead_status(leads["bob"], "connected")
    db.session.commit()
    db.session.remove()
    downgrade(revision="0013_privacy")
    try:
        db.session.execute(sa.update(Lead).where(Lead.profile_url == profile("cy")).values(status="replied"))
        db.session.commit()
    finally:
        upgrade()
    db.session.remove()
    assert_api_counts_right(team)
    team.add_leads(campaign, ["dee"])  # and the triggers are back
    assert_api_counts_right(team)


def test_concurrent_imports_and_folds_count_every_lead(pg_app):
    user, _ = make_user()
    campaign = Campaign(team_id=user.team_id, name="Busy", status="draft")
    db.session.add(campaign)
    db.session.commit()
    team_id, campaign_id = user.team_id, campaign.id
    errors, start = [], threading.Barrier(5)

    def importer(worker: int):
        with pg_app.app_context():
            try:
                start.wait()
                for batch in range(8):
                    rows = [{"name": f"Lead {worker}-{batch}-{index}",
                             "profileUrl": profile(f"w{worker}-b{batch}-{index % 40}")} for index in range(50)]
                    add_leads(team_id, campaign_id, rows)  # 40 new a batch, 10 duplicates
                    db.session.commit()
            except Exception as error:  # surfaced below
                errors.append(error)

    def folder():
        with pg_app.app_context():
            try:
                start.wait()
                for _ in range(20):
                    fold_lead_counts()
                    db.session.commit()
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=importer, args=(worker,)) for worker in range(4)]
    threads.append(threading.Thread(target=folder))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert assert_counts_right(team_id)[campaign_id][0] == {"new": 4 * 8 * 40}


OPERATIONS = st.lists(st.tuples(st.sampled_from(["add", "status", "delete", "move", "fold", "drop_campaign"]),
                                st.integers(0, 1000), st.sampled_from(LEAD_STATUSES)), min_size=1, max_size=12)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_changes_keeps_counts_right(app, operations):
    user, _ = make_user()
    team_id, now = user.team_id, clock.now()

    def new_campaign():
        campaign = Campaign(team_id=team_id, name="Random", status="draft")
        db.session.add(campaign)
        db.session.flush()
        return campaign.id

    campaigns = [new_campaign(), new_campaign()]
    for kind, number, status in operations:
        rng = random.Random(number)
        leads = db.session.scalars(sa.select(Lead.id).where(Lead.team_id == team_id).order_by(Lead.id)).all()
        if kind == "add":
            add_leads(team_id, rng.choice(campaigns),
                      [{"name": "Someone", "profileUrl": profile(f"p{rng.randrange(30)}")} for _ in range(number % 7)])
        elif kind == "status" and leads:
            update_lead(team_id, rng.choice(leads), {"status": status}, now + timedelta(seconds=number))
        elif kind == "delete" and leads:
            delete_lead(team_id, rng.choice(leads), now)
        elif kind == "move" and leads:
            lead_id, target = rng.choice(leads), rng.choice(campaigns)
            url = db.session.scalar(sa.select(Lead.profile_url).where(Lead.id == lead_id))
            if not db.session.scalar(sa.select(Lead.id).where(Lead.campaign_id == target, Lead.profile_url == url)):
                db.session.execute(sa.update(Lead).where(Lead.id == lead_id).values(campaign_id=target))
        elif kind == "fold":
            fold_lead_counts()
        elif kind == "drop_campaign":
            delete_campaign(team_id, campaigns.pop(number % len(campaigns)))
            campaigns.append(new_campaign())
        db.session.commit()
        db.session.expire_all()
        assert_counts_right(team_id)


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_triggers_exist_after_every_migration(database_urls, dialect):
    """A later migration that recreates `leads` (SQLite batch mode) would drop its triggers silently."""
    engine = sa.create_engine(database_urls["postgres" if dialect == "postgresql" else "sqlite"])
    with engine.connect() as connection:
        if dialect == "postgresql":
            names = connection.scalars(sa.text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'leads'::regclass "
                                               "AND NOT tgisinternal")).all()
        else:
            names = connection.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                               "AND tbl_name = 'leads'")).all()
    engine.dispose()
    assert {"leads_count_insert", "leads_count_delete", "leads_count_update"} <= set(names)
    with engine.connect() as connection:
        if dialect == "postgresql":
            on_campaigns = connection.scalars(sa.text("SELECT tgname FROM pg_trigger WHERE tgrelid = "
                                                      "'campaigns'::regclass AND NOT tgisinternal")).all()
        else:
            on_campaigns = connection.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                      "AND tbl_name = 'campaigns'")).all()
    engine.dispose()
    assert "campaigns_count_delete" in on_campaigns


def test_deleting_a_whole_team_cascades_without_stray_counts(app, client):
    team = Outreach(app, client)
    team.add_leads(team.campaign(), ["ada", "bob"])
    other = Outreach(app, client)
    other.add_leads(other.campaign(), ["cy"])
    db.session.execute(sa.delete(Team).where(Team.id == team.team_id))  # the cascade deletes campaigns and leads
    db.session.commit()
    assert db.session.scalars(sa.select(CampaignLeadCountDelta.team_id).distinct()).all() == [other.team_id]
    assert_api_counts_right(other)


def test_a_status_change_does_not_lock_its_campaign(pg_app):
    """A campaign edit holds the campaign FOR UPDATE while it withdraws the campaign's leads; a status change holding a
    lead must not wait for the campaign in turn (a foreign key check would, and the two would deadlock)."""
    user, _ = make_user()
    campaign = Campaign(team_id=user.team_id, name="Locks", status="draft")
    db.session.add(campaign)
    db.session.flush()
    add_leads(user.team_id, campaign.id, [{"name": "Ada Test", "profileUrl": profile("ada")}])
    db.session.commit()
    campaign_id = campaign.id
    with db.engine.connect() as changing, db.engine.connect() as editing:
        changing.execute(sa.update(Lead).where(Lead.campaign_id == campaign_id).values(status="skipped"))
        editing.execute(sa.text("SET lock_timeout = '5s'"))
        locked = editing.execute(sa.select(Campaign.id).where(Campaign.id == campaign_id).with_for_update(nowait=True))
        assert locked.scalar() == campaign_id
        editing.rollback()
        changing.commit()
    db.session.expire_all()
    assert assert_counts_right(user.team_id)[campaign_id][0] == {"skipped": 1}
