"""A poll's answer, built from plain rows (one statement on PostgreSQL) and rendered without marshmallow's per-field
calls, is exactly what the schemas say: LeasedActionSchema, LeadSchema, PostSchema and CommentSchema dumping the
same rows read afresh after the poll."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Action, Comment, Lead, Post
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
