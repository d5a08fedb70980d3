"""socialdock: a target may carry its own media (targets[].metadata.media_urls)

Revision ID: 0020_target_media
Revises: 0019_platform_connections

One post can reach platforms whose rules exclude each other (TikTok and YouTube need a video, Threads and Reddit take
none), so a target may name its own media; NULL keeps the post's.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_target_media'
down_revision = '0019_platform_connections'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('dock_targets', sa.Column('media', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('dock_targets') as batch:
        batch.drop_column('media')
