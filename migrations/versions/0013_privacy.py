"""privacy: the do-not-contact list (people by digest of their profile URL)

Revision ID: 0013_privacy
Revises: 0012_webapp
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0013_privacy'
down_revision = '0012_webapp'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'do_not_contact',
        sa.Column('profile_digest', sa.String(length=64), nullable=False),
        sa.Column('profile_url', sa.String(length=300), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_do_not_contact_team_id_teams'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_do_not_contact')),
        sa.UniqueConstraint('team_id', 'profile_digest', name=op.f('uq_do_not_contact_team_id_profile_digest')),
    )
    with op.batch_alter_table('do_not_contact', schema=None) as batch_op:
        batch_op.create_index('ix_do_not_contact_team_created', ['team_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_do_not_contact_team_id'), ['team_id'], unique=False)


def downgrade():
    with op.batch_alter_table('do_not_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_do_not_contact_team_id'))
        batch_op.drop_index('ix_do_not_contact_team_created')
    op.drop_table('do_not_contact')
