"""Leasing reads an account's posts and comments due without walking its paced actions: a partial index

Revision ID: 0015_perf
Revises: 0014_socialdock
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_perf'
down_revision = '0014_socialdock'
branch_labels = None
depends_on = None

UNPACED = "type NOT IN ('invite', 'message', 'withdraw')"


def upgrade():
    op.create_index('ix_actions_unpaced_due', 'actions', ['account_id', 'status', 'due_at', 'id'], unique=False,
                    postgresql_where=sa.text(UNPACED), sqlite_where=sa.text(UNPACED))


def downgrade():
    op.drop_index('ix_actions_unpaced_due', table_name='actions')
