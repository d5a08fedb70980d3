"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from openapi_spec_validator import validate

from app.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/me" in document["paths"]
    assert "/api/v1/me/token/rotate" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_page_is_served_without_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_the_lapsed_leases_index_is_built_without_blocking_writes(pg_app, capsys):
    """Migration 0022 indexes the actions table, the one every lease, result and plan writes: on PostgreSQL it is
    built CONCURRENTLY, outside the migrations' transaction, so a deploy does not stop every account while PostgreSQL
    reads the whole table."""
    upgrade(revision="0021_live_fairness:0022_lapsed_leases", sql=True)
    script = capsys.readouterr().out
    build = script.index("CREATE INDEX CONCURRENTLY ix_actions_leased_until ON actions")
    assert script.rindex("COMMIT;", 0, build) > script.rfind("BEGIN;", 0, build)  # no transaction open around it
