"""web app: passwords, server-side web sessions, one-time set-password links

Revision ID: 0012_webapp
Revises: 0011_webhooks_fairness
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0012_webapp'
down_revision = '0011_webhooks_fairness'
branch_labels = None
depends_on = None


def _team_owned(name, *columns):
    op.create_table(
        name,
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        *columns,
        sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f(f'fk_{name}_team_id_teams'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{name}_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    )
    op.create_index(op.f(f'ix_{name}_team_id'), name, ['team_id'], unique=False)
    op.create_index(op.f(f'ix_{name}_user_id'), name, ['user_id'], unique=False)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
    _team_owned(
        'web_sessions',
        sa.Column('session_digest', sa.String(length=64), nullable=False),
        sa.Column('expires_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_web_sessions_session_digest'), ['session_digest'])
    _team_owned(
        'password_links',
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('expires_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_password_links_token_digest'), ['token_digest'])


def downgrade():
    op.drop_table('password_links')
    op.drop_table('web_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_hash')
