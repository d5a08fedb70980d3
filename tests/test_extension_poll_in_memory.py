"""A poll on an in-memory SQLite database (Flask-SQLAlchemy gives it a StaticPool: one DBAPI connection shared by
every checkout) keeps its lease: nothing may hand the same action out twice."""

import redis as redis_lib

from app import create_app
from app.extensions import db
from tests.conftest import TEST_REDIS_URL, _settings
from tests.test_extension_support import Team


def test_a_lease_on_an_in_memory_database_outlives_the_poll():
    redis_lib.Redis.from_url(TEST_REDIS_URL).flushdb()
    app = create_app(_settings("sqlite://"))
    with app.app_context():
        db.create_all()
        client = app.test_client()
        team = Team(app, client)
        team.action("invite", lead=team.lead())
        first, second = team.poll(), team.poll()
        db.session.remove()
    assert len(first) == 1
    assert second == [], "the action the first poll leased was handed out again"
