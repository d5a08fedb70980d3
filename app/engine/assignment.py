"""Which LinkedIn account works each campaign.

A campaign names its account (`linkedin_account_id`); a campaign that names none
is worked by its team's default account, the one whose extension was seen last.
"""

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, LinkedInAccount


def default_account_ids() -> dict:
    """team_id -> id of the account whose extension was seen most recently."""
    rows = db.session.execute(
        select(LinkedInAccount.team_id, LinkedInAccount.id).order_by(
            LinkedInAccount.team_id, LinkedInAccount.last_seen_at.desc().nulls_last(), LinkedInAccount.created_at
        )
    ).all()
    defaults = {}
    for team_id, account_id in rows:
        defaults.setdefault(team_id, account_id)
    return defaults


def _assigned(campaign, defaults: dict):
    return getattr(campaign, "linkedin_account_id", None) or defaults.get(campaign.team_id)


def campaign_account_ids() -> dict:
    """campaign_id -> account_id for every active campaign that has an account to work it."""
    defaults = default_account_ids()
    campaigns = db.session.scalars(select(Campaign).where(Campaign.status == "active")).all()
    return {c.id: _assigned(c, defaults) for c in campaigns if _assigned(c, defaults) is not None}


def campaigns_of_account(account) -> list:
    defaults = default_account_ids()
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.team_id == account.team_id, Campaign.status == "active")
        .order_by(Campaign.created_at, Campaign.id)
    ).all()
    return [c for c in campaigns if _assigned(c, defaults) == account.id]
