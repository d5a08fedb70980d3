"""Lead contact fields sent by CRMs (email, phone, headline); an index for a campaign's leads, newest first

Revision ID: 0010_contract
Revises: 0009_input
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_contract'
down_revision = '0009_input'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leads') as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('headline', sa.String(length=300), nullable=True))
    op.create_index('ix_leads_campaign_created', 'leads', ['campaign_id', 'created_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_leads_campaign_created', table_name='leads')
    with op.batch_alter_table('leads') as batch_op:
        batch_op.drop_column('headline')
        batch_op.drop_column('phone')
        batch_op.drop_column('email')
