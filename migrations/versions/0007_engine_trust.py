"""The engine's record: actions outlive what they were for, a stable default account, a lead keeps its account,
paced leasing, and indexes that make every cap a range read

Revision ID: 0007_engine_trust
Revises: 0006_leads_campaign_invited
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_engine_trust'
down_revision = '0006_leads_campaign_invited'
branch_labels = None
depends_on = None

ACTION_REFERENCES = (('campaign_id', 'campaigns'), ('lead_id', 'leads'), ('post_id', 'posts'),
                     ('comment_id', 'comments'))


def _action_references(ondelete):
    with op.batch_alter_table('actions', schema=None) as batch_op:
        for column, table in ACTION_REFERENCES:
            name = f'fk_actions_{column}_{table}'
            batch_op.drop_constraint(name, type_='foreignkey')
            batch_op.create_foreign_key(name, table, [column], ['id'], ondelete=ondelete)


def upgrade():
    _action_references('SET NULL')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_account_status_due')
        batch_op.create_index('ix_actions_account_status_due', ['account_id', 'status', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_actions_account_type_due', ['account_id', 'type', 'due_at'], unique=False)
        batch_op.create_index('ix_actions_campaign_type_due', ['campaign_id', 'type', 'due_at'], unique=False)
        batch_op.create_index('ix_actions_post', ['post_id'], unique=False)
        batch_op.create_index('ix_actions_comment', ['comment_id'], unique=False)

    with op.batch_alter_table('linkedin_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone_chosen', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('paced_ready_at', sa.DateTime(timezone=True), nullable=True))
    # Each team's default was "seen last": it becomes the team's stable default.
    op.execute("""
        UPDATE linkedin_accounts SET is_default = true WHERE id IN (
            SELECT id FROM (
                SELECT id, row_number() OVER (PARTITION BY team_id
                    ORDER BY last_seen_at DESC NULLS LAST, created_at, id) AS position
                FROM linkedin_accounts) ranked
            WHERE position = 1)
    """)
    op.create_index('ix_linkedin_accounts_one_default', 'linkedin_accounts', ['team_id'], unique=True,
                    postgresql_where=sa.text('is_default'), sqlite_where=sa.text('is_default'))

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key('fk_leads_account_id_linkedin_accounts', 'linkedin_accounts',
                                    ['account_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_leads_campaign_due', ['campaign_id', 'status', 'next_step_at'], unique=False)
        batch_op.create_index('ix_leads_account_due', ['account_id', 'status', 'next_step_at'], unique=False)
    # Leads already under way stay on the account that did their last action.
    op.execute("""
        UPDATE leads SET account_id = (
            SELECT actions.account_id FROM actions
            WHERE actions.lead_id = leads.id AND actions.status = 'done'
            ORDER BY actions.completed_at DESC LIMIT 1)
        WHERE status IN ('invited', 'connected', 'messaged')
    """)


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_account_due')
        batch_op.drop_index('ix_leads_campaign_due')
        batch_op.drop_constraint('fk_leads_account_id_linkedin_accounts', type_='foreignkey')
        batch_op.drop_column('account_id')
    op.drop_index('ix_linkedin_accounts_one_default', table_name='linkedin_accounts')
    with op.batch_alter_table('linkedin_accounts', schema=None) as batch_op:
        batch_op.drop_column('paced_ready_at')
        batch_op.drop_column('is_default')
        batch_op.drop_column('timezone_chosen')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_comment')
        batch_op.drop_index('ix_actions_post')
        batch_op.drop_index('ix_actions_campaign_type_due')
        batch_op.drop_index('ix_actions_account_type_due')
        batch_op.drop_index('ix_actions_account_status_due')
        batch_op.create_index('ix_actions_account_status_due', ['account_id', 'status', 'due_at'], unique=False)
    op.execute("DELETE FROM actions WHERE lead_id IS NULL AND campaign_id IS NULL AND post_id IS NULL "
               "AND comment_id IS NULL")
    _action_references('CASCADE')
