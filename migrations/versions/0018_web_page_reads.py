"""web pages read only what they show: a campaign's leads by team and campaign, the archive by campaign

Revision ID: 0018_web_page_reads
Revises: 0016_lead_counts

A campaign's lead list (`WHERE team_id = ? AND campaign_id = ? [AND status = ?] ORDER BY created_at DESC, id DESC`)
had indexes that matched the campaign but not the team, and PostgreSQL often preferred `ix_leads_team_created`
backwards, filtering out every newer lead of the team's other campaigns (400,000 rows for a 600,000-lead campaign).
Indexes that start with both columns match the whole predicate and the order: a page is a read of its own entries.
They replace the campaign-only ones (every reader of those is team-scoped; the engine's campaign reads use
ix_leads_campaign_due). The chart of a campaign's actions per day reads the archive by campaign and due time, not
the team's whole history of invites and messages.

CREATE INDEX blocks writes to `leads` while it builds (5 s for 1M leads on the bench machine, docs/benchmarks.md).
"""
from alembic import op


revision = '0018_web_page_reads'
down_revision = '0016_lead_counts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_leads_team_campaign_created', 'leads', ['team_id', 'campaign_id', 'created_at', 'id'],
                    unique=False)
    op.drop_index('ix_leads_campaign_created', table_name='leads')
    op.create_index('ix_leads_team_campaign_status', 'leads',
                    ['team_id', 'campaign_id', 'status', 'created_at', 'id'], unique=False)
    op.drop_index('ix_leads_campaign_status', table_name='leads')
    op.create_index('ix_actions_archive_campaign_due', 'actions_archive', ['campaign_id', 'due_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_actions_archive_campaign_due', table_name='actions_archive')
    op.create_index('ix_leads_campaign_status', 'leads', ['campaign_id', 'status', 'created_at', 'id'], unique=False)
    op.drop_index('ix_leads_team_campaign_status', table_name='leads')
    op.create_index('ix_leads_campaign_created', 'leads', ['campaign_id', 'created_at', 'id'], unique=False)
    op.drop_index('ix_leads_team_campaign_created', table_name='leads')
