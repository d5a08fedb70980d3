"""Finished actions older than every cap's window move to actions_archive

Revision ID: 0008_actions_archive
Revises: 0007_engine_trust
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0008_actions_archive'
down_revision = '0007_engine_trust'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('actions_archive',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=True),
    sa.Column('lead_id', sa.Uuid(), nullable=True),
    sa.Column('post_id', sa.Uuid(), nullable=True),
    sa.Column('comment_id', sa.Uuid(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_count', sa.Integer(), nullable=False),
    sa.Column('started_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['linkedin_accounts.id'],
                            name=op.f('fk_actions_archive_account_id_linkedin_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_actions_archive_team_id_teams'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_archive'))
    )
    with op.batch_alter_table('actions_archive', schema=None) as batch_op:
        batch_op.create_index('ix_actions_archive_team_type_completed', ['team_id', 'type', 'completed_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_actions_archive_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actions_archive_team_id'), ['team_id'], unique=False)


def downgrade():
    op.drop_table('actions_archive')
