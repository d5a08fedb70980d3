"""platform connections: accounts keep the platform's id and encrypted tokens, connect tokens the OAuth state and
PKCE verifier, targets the never-twice checkpoint, attempts and the worker's lease

Revision ID: 0019_platform_connections
Revises: 0018_web_page_reads

Tokens are stored encrypted (app/socialdock/vault.py, Fernet); only their expiry is plain, to find the accounts
to refresh ahead of time.
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0019_platform_connections'
down_revision = '0018_web_page_reads'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dock_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_account_id', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('token_ciphertext', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('token_expires_at', app.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('identity_extra', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.create_index('ix_dock_accounts_platform_account',
                              ['team_id', 'mode', 'platform', 'platform_account_id'], unique=False)
    with op.batch_alter_table('dock_connect_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pkce_ciphertext', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('pending_ciphertext', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_dock_connect_tokens_state_digest'), ['state_digest'])
    with op.batch_alter_table('dock_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkpoint', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('first_attempt_at', app.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('leased_until', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('dock_targets', schema=None) as batch_op:
        for column in ('lease_owner', 'leased_until', 'first_attempt_at', 'attempts', 'checkpoint'):
            batch_op.drop_column(column)
    with op.batch_alter_table('dock_connect_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_dock_connect_tokens_state_digest'), type_='unique')
        for column in ('pending_ciphertext', 'pkce_ciphertext', 'state_digest'):
            batch_op.drop_column(column)
    with op.batch_alter_table('dock_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_dock_accounts_platform_account')
        for column in ('identity_extra', 'token_expires_at', 'token_ciphertext', 'platform_account_id'):
            batch_op.drop_column(column)
