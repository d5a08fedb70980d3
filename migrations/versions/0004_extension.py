"""LinkedIn accounts and extension actions

Revision ID: 0004_extension
Revises: 0003_webhooks
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0004_extension'
down_revision = '0003_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('linkedin_accounts',
    sa.Column('profile_url', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('extension_version', sa.String(length=40), nullable=True),
    sa.Column('last_seen_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('invites_paused_until', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pause_reason', sa.String(length=300), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_linkedin_accounts_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkedin_accounts')),
    sa.UniqueConstraint('team_id', 'profile_url', name=op.f('uq_linkedin_accounts_team_id_profile_url'))
    )

    with op.batch_alter_table('linkedin_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkedin_accounts_team_id'), ['team_id'], unique=False)

    op.create_table('actions',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=True),
    sa.Column('lead_id', sa.Uuid(), nullable=True),
    sa.Column('post_id', sa.Uuid(), nullable=True),
    sa.Column('comment_id', sa.Uuid(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_token', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_count', sa.Integer(), nullable=False),
    sa.Column('started_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['linkedin_accounts.id'], name=op.f('fk_actions_account_id_linkedin_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_actions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_actions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_actions_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_actions_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_actions_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_account_status_due', ['account_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_actions_lead', ['lead_id'], unique=False)
        batch_op.create_index('ix_actions_status_lease', ['status', 'lease_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_team_id'), ['team_id'], unique=False)


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actions_team_id'))
        batch_op.drop_index('ix_actions_status_lease')
        batch_op.drop_index('ix_actions_lead')
        batch_op.drop_index('ix_actions_account_status_due')

    op.drop_table('actions')

    with op.batch_alter_table('linkedin_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkedin_accounts_team_id'))

    op.drop_table('linkedin_accounts')
