"""All mapped models, imported here so Alembic and `db.create_all` see every table."""

from app.models.extension import ACTION_STATUSES, ACTION_TYPES, Action, ArchivedAction, LinkedInAccount
from app.models.idempotency import IdempotencyKey
from app.models.outreach import CAMPAIGN_STATUSES, LEAD_STATUSES, Campaign, CampaignLeadCountDelta, Lead
from app.models.privacy import DO_NOT_CONTACT_SOURCES, DoNotContact
from app.models.publishing import COMMENT_STATUSES, POST_STATUSES, Comment, Post
from app.models.socialdock import (
    DOCK_MODES,
    DOCK_PLANS,
    DOCK_PLATFORMS,
    TARGET_STATUSES,
    DockAccount,
    DockConnectToken,
    DockKey,
    DockMedia,
    DockPost,
    DockTarget,
    DockWorkspace,
)
from app.models.team import PLANS, ROLES, ApiToken, Team, User
from app.models.web import PasswordLink, WebSession
from app.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "DOCK_MODES", "DOCK_PLANS", "DOCK_PLATFORMS", "TARGET_STATUSES", "DockAccount", "DockConnectToken", "DockKey",
    "DockMedia", "DockPost", "DockTarget", "DockWorkspace",
    "ACTION_STATUSES", "ACTION_TYPES", "CAMPAIGN_STATUSES", "COMMENT_STATUSES", "DO_NOT_CONTACT_SOURCES",
    "LEAD_STATUSES", "PLANS", "POST_STATUSES", "ROLES", "Action", "ApiToken", "ArchivedAction", "Campaign",
    "CampaignLeadCountDelta", "Comment",
    "DoNotContact", "IdempotencyKey", "Lead", "LinkedInAccount", "PasswordLink", "Post", "Team", "User",
    "WebSession", "WebhookDelivery", "WebhookEndpoint", "WebhookEvent",
]
