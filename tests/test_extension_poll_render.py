"""A poll's answer, rendered by PostgreSQL in the lease's one statement (extension_bridge.rendering) or, on SQLite,
from plain rows without marshmallow's per-field calls, is exactly what the schemas say: LeasedActionSchema,
LeadSchema, PostSchema and CommentSchema dumping the same rows read afresh after the poll, keys in their order."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.comments.schemas import CommentSchema
from app.extensions import db
from app.leads.schemas import LeadSchema
from app.models import Action, Comment, Lead, Post
from app.posts.schemas import PostSchema
from extension_bridge.schemas import LeasedActionSchema
from tests.test_extension_support import Team


def _reference(action_id) -> dict:
    """What the schema renders for the action as stored now, with its lead, post and comment."""
    db.session.expire_all()
    statement = select(*Action.__table__.c).where(Action.id == uuid.UUID(action_id))
    row = dict(db.session.execute(statement).mappings().one())
    for key, model in (("lead", Lead), ("post", Post), ("comment", Comment)):
        table = model.__table__
        related = row[key + "_id"]
        row[key] = (dict(db.session.execute(select(*table.c).where(table.c.id == related)).mappings().one())
                    if related is not None else None)
    return LeasedActionSchema().dump(row)


def test_a_poll_renders_each_action_as_its_schemas_do(app, client):
    team = Team(app, client)
    lead = team.lead(slug="zoë-o'brien", name='Zoë "Z" O\'Brien')
    lead.tags, lead.custom_fields, lead.notes = ["vip", "ünïcode"], {"deal": "A\nB", "n": "1"}, "line\nbreak"
    db.session.commit()
    post = Post(team_id=team.team_id, content="Q4 — thoughts\n\"quoted\"", status="scheduled",
                scheduled_for=team.clock() - timedelta(microseconds=123456), link_url="https://example.com/a?b=c")
    db.session.add(post)
    db.session.commit()
    comment = Comment(team_id=team.team_id, post_id=post.id, content="More on this", status="approved",
                      approved_at=team.clock())
    db.session.add(comment)
    db.session.commit()
    team.action("invite", lead=lead, text="Hi Zoë, let's connect")
    team.action("post", post=post, text=post.content, due_at=team.clock() - timedelta(minutes=1))
    team.action("comment", comment=comment, text=comment.content)

    leased = team.poll()

    assert sorted(action["type"] for action in leased) == ["comment", "invite", "post"]
    assert [action["dueAt"] for action in leased] == sorted(action["dueAt"] for action in leased)
    by_type = {action["type"]: action for action in leased}
    assert by_type["post"]["post"]["status"] == "publishing"  # marked by the same poll, shown as it is now
    assert by_type["comment"]["comment"]["status"] == "posting"
    assert by_type["invite"]["lead"]["tags"] == ["vip", "ünïcode"]
    for action in leased:
        assert action == _reference(action["id"])
        assert list(action) == list(LeasedActionSchema().fields)


def test_a_verify_step_renders_as_one(app, client):
    team = Team(app, client)
    team.action("invite", lead=team.lead())
    [leased] = team.poll()
    assert team.start(leased).status_code == 200
    team.clock.advance(minutes=11)
    [verify] = team.poll()
    assert verify["step"] == "verify" and verify == _reference(verify["id"])


def _assert_rendered_as_the_schemas_do(leased):
    for action in leased:
        assert action == _reference(action["id"])
        assert list(action) == list(LeasedActionSchema().fields)
        for key, schema in (("lead", LeadSchema), ("post", PostSchema), ("comment", CommentSchema)):
            assert action[key] is None or list(action[key]) == list(schema().fields), key


def test_awkward_values_render_as_the_schemas_do(app, client):
    team = Team(app, client)
    # Microseconds everywhere: the lease's own timestamps (from the clock) and stored ones, truncated to
    # milliseconds by both renderings, never rounded (999999 would round up to the next second).
    team.clock.advance(microseconds=999999)
    awkward = 'Zoë "Z" O\'Brien \\ back\\slash, tab\there, bell\x07, ✓ 😀 </script>'
    lead = team.lead(slug="zoë-2", name=awkward)
    lead.first_name, lead.last_name, lead.title, lead.company = None, "", None, "Ünïcødé & Co"
    lead.tags, lead.custom_fields = ["a\\b", "😀"], {"quote": '"', "ü": "ß", "none": None, "": "\n"}
    lead.invited_at = datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)
    lead.connected_at = datetime(2026, 3, 2, 8, 0, 0, 1500, tzinfo=UTC)
    db.session.commit()
    post = Post(team_id=team.team_id, content=awkward, status="scheduled", scheduled_for=team.clock(),
                link_url=None, first_comment=None)
    db.session.add(post)
    db.session.commit()
    comment = Comment(team_id=team.team_id, post_id=None, post_url="https://www.linkedin.com/feed/update/x/",
                      content="\u00e9 literal, \r\n newline", status="approved", approved_at=None)
    db.session.add(comment)
    db.session.commit()
    team.action("message", lead=lead, text=None)
    team.action("post", post=post, text=awkward)
    team.action("comment", comment=comment, text="")

    # The two shapes of the lease: without a paced action (the account acted a moment ago), then with one.
    team.account.paced_ready_at = team.clock() + timedelta(minutes=5)
    db.session.commit()
    unpaced = client.get("/api/v1/extension/actions?limit=10", headers=team.headers)
    team.account.paced_ready_at = None
    db.session.commit()
    paced = client.get("/api/v1/extension/actions?limit=10", headers=team.headers)

    for response, types in ((unpaced, ["comment", "post"]), (paced, ["message"])):
        assert response.status_code == 200 and response.mimetype == "application/json"
        leased = response.get_json()["actions"]
        assert sorted(action["type"] for action in leased) == types
        assert list(response.get_json()) == ["actions", "pollIntervalSeconds"]
        if db.engine.dialect.name == "postgresql":
            # Flask's encoder escapes non-ASCII characters; PostgreSQL's json does not: this answer is PostgreSQL's.
            assert "Zoë" in response.get_data(as_text=True)
        _assert_rendered_as_the_schemas_do(leased)
        assert {action["leaseExpiresAt"][-5:] for action in leased} == {".999Z"}
