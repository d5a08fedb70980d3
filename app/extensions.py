"""Extension objects, created unbound and attached to an app in `create_app`."""

import flask_smorest
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.common.openapi import ContractPlugin
from app.common.parsing import ContractParser, refuse_undeclared_query
from app.common.schemas import ErrorSchema


class Base(DeclarativeBase):
    # Stable constraint names keep Alembic migrations identical on PostgreSQL and SQLite.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Every view parses through this one parser (set before the views are imported, as they bind it when decorated).
flask_smorest.Blueprint.ARGUMENTS_PARSER = ContractParser()


class SocialScalrApi(flask_smorest.Api):
    """flask-smorest with our error body `{"error", "details"?}` in the document, and every error status declared."""

    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app, *, spec_kwargs=None):
        super().init_app(app, spec_kwargs={"extra_plugins": [ContractPlugin()], **(spec_kwargs or {})})
        app.before_request(refuse_undeclared_query)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = SocialScalrApi()
