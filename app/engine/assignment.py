"""Which LinkedIn account works what.

A campaign names its account (`linkedin_account_id`); a campaign that names none is worked by its
team's default account: a stable choice the team makes (`PATCH /accounts/{id}` with `isDefault`; the
first account a team registers starts as it). Posts and comments go to the default account. Once an
account has invited a person, the rest of that lead's sequence stays on it (`Lead.account_id`),
wherever the campaign goes next.
"""

from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import Campaign, LinkedInAccount, Post
from app.scoping import team_select


def default_account_id(team_id):
    """The id of this team's default account, or None without accounts."""
    return db.session.scalar(team_select(LinkedInAccount, team_id, LinkedInAccount.id)
                             .where(LinkedInAccount.is_default.is_(True)))


def make_default(account: LinkedInAccount) -> None:
    """The team's default account from now on (two statements: at no moment are there two defaults)."""
    db.session.execute(update(LinkedInAccount).where(LinkedInAccount.team_id == account.team_id,
                                                     LinkedInAccount.id != account.id, LinkedInAccount.is_default)
                       .values(is_default=False).execution_options(synchronize_session=False))
    db.session.flush()
    account.is_default = True
    db.session.flush()


def campaign_account_id(campaign):
    """The id of the account that works this campaign's new invites: the one it names, else its team's default."""
    return campaign.linkedin_account_id or default_account_id(campaign.team_id)


def campaigns_invited_from(account, campaigns) -> list:
    """Of the team's active campaigns, those whose new invites this account sends."""
    is_default = bool(account.is_default)
    return [c for c in campaigns if c.linkedin_account_id == account.id
            or (c.linkedin_account_id is None and is_default)]


def active_campaigns_of_team(team_id, lock: bool = False) -> list:
    """The team's active campaigns; `lock` takes them FOR SHARE, so a change to one (PATCH) waits for the plan
    in progress to commit, then withdraws what it planned, and a plan waits for a change to commit."""
    statement = (team_select(Campaign, team_id).where(Campaign.status == "active")
                 .order_by(Campaign.created_at, Campaign.id))
    if lock:
        statement = statement.with_for_update(read=True)
    return list(db.session.scalars(statement).all())


def accounts_with_work(team_ids=None) -> list:
    """Accounts that may have something to plan: each team's default account (posts, comments), every account
    of a team with an active campaign (its campaigns' invites, or the follow-ups of the leads it invited) and every
    account a post waiting to go out names. `team_ids`: only these teams' accounts."""
    busy_teams = select(Campaign.team_id).where(Campaign.status == "active")
    posting = select(Post.account_id).where(Post.account_id.is_not(None),
                                            Post.status.in_(("scheduled", "publishing")))
    statement = (select(LinkedInAccount.id).where(or_(LinkedInAccount.is_default.is_(True),
                                                      LinkedInAccount.team_id.in_(busy_teams),
                                                      LinkedInAccount.id.in_(posting)))
                 .order_by(LinkedInAccount.id))
    if team_ids is not None:
        statement = statement.where(LinkedInAccount.team_id.in_(list(team_ids)))
    return list(db.session.scalars(statement).all())
