"""`/api/v1/accounts`: the team's LinkedIn accounts, their limits now, and their settings."""

from flask import g
from flask_smorest import Blueprint

from app import clock
from app.accounts import service
from app.accounts.schemas import AccountListSchema, AccountSchema, AccountUpdateSchema
from app.extensions import db

blueprint = Blueprint("accounts", __name__, url_prefix="/api/v1/accounts",
                      description="LinkedIn accounts (registered by the extension's heartbeat)")


@blueprint.get("")
@blueprint.response(200, AccountListSchema)
def list_accounts():
    """Your team's LinkedIn accounts, oldest first, with the limits in force and what is left today."""
    return {"accounts": service.list_accounts(g.team_id, clock.now())}


@blueprint.get("/<account_id>")
@blueprint.response(200, AccountSchema)
def get_account(account_id):
    """One account: settings, effective limits (after warm-up), what is left today, and any pause."""
    return service.get_account(g.team_id, account_id, clock.now())


@blueprint.patch("/<account_id>")
@blueprint.arguments(AccountUpdateSchema, example={
    "timezone": "Europe/Paris", "settings": {"invitesPerDay": 30, "workingHours": {"start": "08:30", "end": "17:30"}}})
@blueprint.response(200, AccountSchema)
def update_account(changes, account_id):
    """Change the time zone or the settings (merged into the stored ones; a pause from LinkedIn still holds)."""
    account = service.update_account(g.team_id, account_id, changes, clock.now())
    db.session.commit()
    return account
