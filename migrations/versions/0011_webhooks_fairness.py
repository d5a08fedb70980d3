"""webhooks: secret rotation overlap, failure streaks, one drain per endpoint

Revision ID: 0011_webhooks_fairness
Revises: 0010_contract
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0011_webhooks_fairness'
down_revision = '0010_contract'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_secret', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('previous_secret_expires_at', app.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_failure_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('drain_token', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('drain_until', app.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('drain_until')
        batch_op.drop_column('drain_token')
        batch_op.drop_column('last_failure_at')
        batch_op.drop_column('previous_secret_expires_at')
        batch_op.drop_column('previous_secret')
