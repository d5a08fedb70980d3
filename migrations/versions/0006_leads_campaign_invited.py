"""An index on a campaign's invites, so the planner's acceptance rate does not scan the campaign

Revision ID: 0006_leads_campaign_invited
Revises: 0005_campaign_account
"""
from alembic import op


revision = '0006_leads_campaign_invited'
down_revision = '0005_campaign_account'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_leads_campaign_invited', 'leads', ['campaign_id', 'invited_at'], unique=False)


def downgrade():
    op.drop_index('ix_leads_campaign_invited', table_name='leads')
