"""Which LinkedIn account works each campaign.

A campaign names its account (`linkedin_account_id`); a campaign that names none
is worked by its team's default account, the one whose extension was seen last.
"""

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, LinkedInAccount
from app.scoping import team_select

# A team's default account comes first: seen most recently, then the oldest (ties by id, so both reads agree).
_DEFAULT_FIRST = (LinkedInAccount.last_seen_at.desc().nulls_last(), LinkedInAccount.created_at, LinkedInAccount.id)


def default_account_ids() -> dict:
    """team_id -> id of the account whose extension was seen most recently."""
    rows = db.session.execute(
        select(LinkedInAccount.team_id, LinkedInAccount.id).order_by(LinkedInAccount.team_id, *_DEFAULT_FIRST)
    ).all()
    defaults = {}
    for team_id, account_id in rows:
        defaults.setdefault(team_id, account_id)
    return defaults


def default_account_id(team_id):
    """The id of this team's default account (seen most recently), or None without accounts."""
    return db.session.scalar(
        team_select(LinkedInAccount, team_id, LinkedInAccount.id).order_by(*_DEFAULT_FIRST).limit(1)
    )


def campaign_account_id(campaign):
    """The id of the account that works this campaign: the one it names, else its team's default."""
    return campaign.linkedin_account_id or default_account_id(campaign.team_id)


def _assigned(campaign, defaults: dict):
    return campaign.linkedin_account_id or defaults.get(campaign.team_id)


def campaign_account_ids() -> dict:
    """campaign_id -> account_id for every active campaign that has an account to work it."""
    defaults = default_account_ids()
    campaigns = db.session.scalars(select(Campaign).where(Campaign.status == "active")).all()
    return {c.id: _assigned(c, defaults) for c in campaigns if _assigned(c, defaults) is not None}


def campaigns_of_account(account) -> list:
    defaults = {account.team_id: default_account_id(account.team_id)}
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.team_id == account.team_id, Campaign.status == "active")
        .order_by(Campaign.created_at, Campaign.id)
    ).all()
    return [c for c in campaigns if _assigned(c, defaults) == account.id]
