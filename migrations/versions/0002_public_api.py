"""campaigns, leads, posts, comments and idempotency keys

Revision ID: 0002_public_api
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0002_public_api'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


# PostgreSQL stamps every insert and update of a lead with the writing transaction's id, whoever
# writes it (ORM, Core, raw SQL): the CRM sync cursor relies on it (app/leads/listing.py).
LEAD_STAMP_FUNCTION = '''
CREATE OR REPLACE FUNCTION leads_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END $$;
CREATE TRIGGER leads_stamp_change BEFORE INSERT OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_stamp_change();
'''


def _is_postgresql():
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    op.create_table('campaigns',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('search_url', sa.String(length=2000), nullable=True),
    sa.Column('targeting', sa.JSON(), nullable=False),
    sa.Column('templates', sa.JSON(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_campaigns_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index('ix_campaigns_team_created', ['team_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_team_id'), ['team_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_idempotency_keys_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('team_id', 'key', name=op.f('uq_idempotency_keys_team_id_key'))
    )

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_team_id'), ['team_id'], unique=False)

    op.create_table('posts',
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('scheduled_for', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('link_url', sa.String(length=2000), nullable=True),
    sa.Column('first_comment', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.String(length=300), nullable=True),
    sa.Column('published_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('linkedin_url', sa.String(length=2000), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_posts_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_status_scheduled', ['status', 'scheduled_for'], unique=False)
        batch_op.create_index('ix_posts_team_created', ['team_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_team_id'), ['team_id'], unique=False)

    op.create_table('comments',
    sa.Column('post_id', sa.Uuid(), nullable=True),
    sa.Column('post_url', sa.String(length=2000), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.String(length=300), nullable=True),
    sa.Column('approved_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('posted_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('linkedin_url', sa.String(length=2000), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_comments_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_comments_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_comments_team_created', ['team_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_team_id'), ['team_id'], unique=False)

    op.create_table('leads',
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('profile_url', sa.String(length=300), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('invited_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('connected_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_messaged_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replied_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_step_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('messages_sent', sa.Integer(), nullable=False),
    sa.Column('change_seq', sa.BigInteger(), nullable=False, server_default=sa.text('0')),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_leads_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_leads_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('campaign_id', 'profile_url', name=op.f('uq_leads_campaign_id_profile_url'))
    )

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_campaign_status', ['campaign_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_leads_status_next_step', ['status', 'next_step_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_team_id'), ['team_id'], unique=False)
        batch_op.create_index('ix_leads_team_profile', ['team_id', 'profile_url'], unique=False)
        batch_op.create_index('ix_leads_team_updated', ['team_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_leads_team_change', ['team_id', 'change_seq', 'id'], unique=False)
        batch_op.create_index('ix_leads_team_created', ['team_id', 'created_at', 'id'], unique=False)

    if _is_postgresql():
        op.execute(LEAD_STAMP_FUNCTION)


def downgrade():
    if _is_postgresql():
        op.execute('DROP TRIGGER IF EXISTS leads_stamp_change ON leads')
        op.execute('DROP FUNCTION IF EXISTS leads_stamp_change()')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_team_created')
        batch_op.drop_index('ix_leads_team_change')
        batch_op.drop_index('ix_leads_team_updated')
        batch_op.drop_index('ix_leads_team_profile')
        batch_op.drop_index(batch_op.f('ix_leads_team_id'))
        batch_op.drop_index('ix_leads_status_next_step')
        batch_op.drop_index('ix_leads_campaign_status')

    op.drop_table('leads')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_team_id'))
        batch_op.drop_index('ix_comments_team_created')
        batch_op.drop_index(batch_op.f('ix_comments_post_id'))

    op.drop_table('comments')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_team_id'))
        batch_op.drop_index('ix_posts_team_created')
        batch_op.drop_index('ix_posts_status_scheduled')

    op.drop_table('posts')

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_team_id'))

    op.drop_table('idempotency_keys')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_team_id'))
        batch_op.drop_index('ix_campaigns_team_created')

    op.drop_table('campaigns')
