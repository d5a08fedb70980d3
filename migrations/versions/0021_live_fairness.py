"""socialdock: the live metrics job backs off from posts whose metrics cannot be read

Revision ID: 0021_live_fairness
Revises: 0020_target_media

A published post the platform no longer shows (deleted, wrong id) never got metrics_fetched_at and was asked again
first in line every run: BATCH of them starved every other post. Each failed read is counted and moves the next
read later; after a few the job stops asking (docs/socialdock.md).
"""
import sqlalchemy as sa
from alembic import op

import app.models.types

revision = '0021_live_fairness'
down_revision = '0020_target_media'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('dock_targets', sa.Column('metrics_failures', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('dock_targets', sa.Column('metrics_retry_at', app.models.types.UTCDateTime(timezone=True),
                                            nullable=True))


def downgrade():
    with op.batch_alter_table('dock_targets') as batch:
        batch.drop_column('metrics_retry_at')
        batch.drop_column('metrics_failures')
