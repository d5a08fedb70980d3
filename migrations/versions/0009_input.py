"""Idempotency keys per user (not per team), answers holding a secret withheld, an index for the purge

Revision ID: 0009_input
Revises: 0008_actions_archive
"""
import sqlalchemy as sa
from alembic import op


revision = '0009_input'
down_revision = '0008_actions_archive'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        # Nullable: rows written before this have no user; no request matches them and they expire within 24 h.
        batch_op.add_column(sa.Column('user_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('answer_withheld', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_idempotency_keys_user_id_users'), 'users', ['user_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.drop_constraint('uq_idempotency_keys_team_id_key', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_team_id_user_id_key'),
                                          ['team_id', 'user_id', 'key'])
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)


def downgrade():
    op.execute("DELETE FROM idempotency_keys")  # per-user keys cannot be folded back into per-team ones
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_team_id_user_id_key'), type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_keys_team_id_key', ['team_id', 'key'])
        batch_op.drop_constraint(batch_op.f('fk_idempotency_keys_user_id_users'), type_='foreignkey')
        batch_op.drop_column('answer_withheld')
        batch_op.drop_column('user_id')
