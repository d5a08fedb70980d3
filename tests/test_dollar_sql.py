"""A statement compiled once into PostgreSQL's $n text (app.common.dollar_sql) answers as SQLAlchemy's execution
of the same statement does: its constants, expanded IN lists and repeated parameters kept in place."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select

from app.common.dollar_sql import DollarStatement
from app.extensions import db
from app.models import Post
from tests.conftest import make_user


def test_a_dollar_statement_answers_as_sqlalchemy_does(pg_app):
    user, _ = make_user()
    now = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=UTC)
    for index, status in enumerate(("scheduled", "draft", "published", "scheduled")):
        db.session.add(Post(team_id=user.team_id, content=f"post {index} ü", status=status,
                            scheduled_for=now - timedelta(minutes=index)))
    db.session.add(Post(team_id=user.team_id, content="later", status="scheduled",
                        scheduled_for=now + timedelta(minutes=1)))
    db.session.commit()
    posts = Post.__table__.c
    statement = (select(posts.content, posts.scheduled_for)
                 .where(posts.team_id == bindparam("team"), posts.status.in_(["scheduled", "published"]),
                        posts.scheduled_for <= bindparam("now", type_=posts.scheduled_for.type),
                        posts.content != "never")
                 .order_by(posts.scheduled_for, posts.content).limit(10))
    values = {"team": user.team_id, "now": now}
    expected = db.session.execute(statement, values).all()

    compiled = DollarStatement(statement, ("team", "now", "unused"))
    with db.engine.connect() as connection:
        for _ in range(7):  # past psycopg's prepare threshold: the prepared statement answers alike
            answered = compiled.execute(connection, values).all()
            assert [tuple(row) for row in answered] == [tuple(row) for row in expected]
    assert [row.content for row in expected] == ["post 3 ü", "post 2 ü", "post 0 ü"]
    assert "$1" in compiled.text and "%(" not in compiled.text
