"""The LinkedIn account that works a campaign

Revision ID: 0005_campaign_account
Revises: 0004_extension
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_campaign_account'
down_revision = '0004_extension'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linkedin_account_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_campaigns_linkedin_account_id'), ['linkedin_account_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_linkedin_account_id_linkedin_accounts'),
                                    'linkedin_accounts', ['linkedin_account_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_linkedin_account_id_linkedin_accounts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_campaigns_linkedin_account_id'))
        batch_op.drop_column('linkedin_account_id')
