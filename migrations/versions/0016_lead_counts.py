"""campaign lead counts kept by triggers on leads (append-only deltas), backfilled from the existing leads

Revision ID: 0016_lead_counts
Revises: 0015_perf

Every statement that adds, deletes or moves leads appends rows `(campaign, status, +/-leads, +/-invited,
+/-connected, +/-replied)` to campaign_lead_count_deltas; a campaign's counts are the sums of its rows
(app/leads/counts.py). PostgreSQL: statement-level triggers over transition tables, one row per campaign and
status a statement touched (a 500-lead import appends one row, an update that moves no count appends none).
SQLite: row triggers (writers are serialised there anyway).

A deleted campaign's rows are deleted by a trigger on `campaigns` (its own delete, or its team's cascade), not
by a foreign key: checking one would take a KEY SHARE lock on the campaign in every lead status change, which
deadlocks with a campaign edit holding the campaign FOR UPDATE while it withdraws the campaign's leads. A delete of
leads whose campaign is itself being deleted appends nothing (it would be left behind otherwise).

On SQLite the triggers belong to the `leads` table: a later migration that recreates `leads` (batch mode) must
run create_sqlite_triggers() again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_lead_counts'
down_revision = '0015_perf'
branch_labels = None
depends_on = None

COLUMNS = "team_id, campaign_id, status, leads, invited, connected, replied"
# A lead's contribution to the counts: 1 lead, and 1 for each of the moments it has reached.
_COUNTED = "1 AS leads, (invited_at IS NOT NULL)::int AS invited, (connected_at IS NOT NULL)::int AS connected, " \
           "(replied_at IS NOT NULL)::int AS replied"
_NEGATED = "-1 AS leads, -(invited_at IS NOT NULL)::int AS invited, -(connected_at IS NOT NULL)::int AS connected, " \
           "-(replied_at IS NOT NULL)::int AS replied"
_SUMS = "sum(leads), sum(invited), sum(connected), sum(replied)"
_STILL_THERE = "EXISTS (SELECT 1 FROM campaigns c JOIN teams t ON t.id = c.team_id WHERE c.id = d.campaign_id)"

POSTGRESQL_FUNCTIONS = {
    "leads_count_insert": f"""
        INSERT INTO campaign_lead_count_deltas ({COLUMNS})
        SELECT team_id, campaign_id, status, {_SUMS}
        FROM (SELECT team_id, campaign_id, status, {_COUNTED} FROM inserted_leads) d
        GROUP BY team_id, campaign_id, status""",
    "leads_count_delete": f"""
        INSERT INTO campaign_lead_count_deltas ({COLUMNS})
        SELECT * FROM (
            SELECT team_id, campaign_id, status, -count(*), -count(invited_at), -count(connected_at),
                   -count(replied_at)
            FROM deleted_leads GROUP BY team_id, campaign_id, status) d
        WHERE {_STILL_THERE}""",
    "leads_count_update": f"""
        INSERT INTO campaign_lead_count_deltas ({COLUMNS})
        SELECT team_id, campaign_id, status, {_SUMS}
        FROM (SELECT team_id, campaign_id, status, {_NEGATED} FROM old_leads
              UNION ALL
              SELECT team_id, campaign_id, status, {_COUNTED} FROM new_leads) d
        GROUP BY team_id, campaign_id, status
        HAVING sum(leads) <> 0 OR sum(invited) <> 0 OR sum(connected) <> 0 OR sum(replied) <> 0""",
}
POSTGRESQL_FUNCTIONS["campaigns_count_delete"] = """
        DELETE FROM campaign_lead_count_deltas WHERE campaign_id IN (SELECT id FROM deleted_campaigns)"""
# Transition tables cannot go with a column list (UPDATE OF ...): the update trigger fires for every UPDATE and
# appends only the groups whose counts moved.
POSTGRESQL_TRIGGERS = {
    "leads_count_insert": "AFTER INSERT ON leads REFERENCING NEW TABLE AS inserted_leads",
    "leads_count_delete": "AFTER DELETE ON leads REFERENCING OLD TABLE AS deleted_leads",
    "leads_count_update": "AFTER UPDATE ON leads REFERENCING OLD TABLE AS old_leads NEW TABLE AS new_leads",
    "campaigns_count_delete": "AFTER DELETE ON campaigns REFERENCING OLD TABLE AS deleted_campaigns",
}


def _sqlite_values(row: str, sign: str) -> str:
    return (f"{row}.team_id, {row}.campaign_id, {row}.status, {sign}1, {sign}({row}.invited_at IS NOT NULL), "
            f"{sign}({row}.connected_at IS NOT NULL), {sign}({row}.replied_at IS NOT NULL)")


_SQLITE_MOVED = ("OLD.status IS NOT NEW.status OR OLD.campaign_id IS NOT NEW.campaign_id "
                 "OR (OLD.invited_at IS NULL) <> (NEW.invited_at IS NULL) "
                 "OR (OLD.connected_at IS NULL) <> (NEW.connected_at IS NULL) "
                 "OR (OLD.replied_at IS NULL) <> (NEW.replied_at IS NULL)")
SQLITE_TRIGGERS = {
    "leads_count_insert": f"""CREATE TRIGGER leads_count_insert AFTER INSERT ON leads BEGIN
        INSERT INTO campaign_lead_count_deltas ({COLUMNS}) VALUES ({_sqlite_values('NEW', '')});
        END""",
    "leads_count_delete": f"""CREATE TRIGGER leads_count_delete AFTER DELETE ON leads BEGIN
        INSERT INTO campaign_lead_count_deltas ({COLUMNS}) SELECT {_sqlite_values('OLD', '-')}
        WHERE EXISTS (SELECT 1 FROM campaigns c JOIN teams t ON t.id = c.team_id WHERE c.id = OLD.campaign_id);
        END""",
    "leads_count_update": f"""CREATE TRIGGER leads_count_update
        AFTER UPDATE OF status, campaign_id, invited_at, connected_at, replied_at ON leads
        WHEN {_SQLITE_MOVED} BEGIN
        INSERT INTO campaign_lead_count_deltas ({COLUMNS}) VALUES ({_sqlite_values('OLD', '-')});
        INSERT INTO campaign_lead_count_deltas ({COLUMNS}) VALUES ({_sqlite_values('NEW', '')});
        END""",
    "campaigns_count_delete": """CREATE TRIGGER campaigns_count_delete AFTER DELETE ON campaigns BEGIN
        DELETE FROM campaign_lead_count_deltas WHERE campaign_id = OLD.id;
        END""",
}


def create_postgresql_triggers():
    for name, body in POSTGRESQL_FUNCTIONS.items():
        op.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                   f"BEGIN{body};\n  RETURN NULL;\nEND $$")
        op.execute(f"CREATE TRIGGER {name} {POSTGRESQL_TRIGGERS[name]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")


def create_sqlite_triggers():
    for name, statement in SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(statement)


def upgrade():
    op.create_table(
        'campaign_lead_count_deltas',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('campaign_id', sa.Uuid(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('leads', sa.Integer(), nullable=False),
        sa.Column('invited', sa.Integer(), nullable=False),
        sa.Column('connected', sa.Integer(), nullable=False),
        sa.Column('replied', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_campaign_lead_count_deltas_team_id_teams'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_lead_count_deltas')),
    )
    with op.batch_alter_table('campaign_lead_count_deltas', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_lead_count_deltas_campaign_status', ['campaign_id', 'status'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_lead_count_deltas_team_id'), ['team_id'], unique=False)
    # The triggers first, then the backfill, in this one transaction: on PostgreSQL CREATE TRIGGER locks `leads`
    # against writes until the commit, so no lead is counted twice or missed.
    if op.get_bind().dialect.name == 'postgresql':
        create_postgresql_triggers()
    else:
        create_sqlite_triggers()
    op.execute(f"INSERT INTO campaign_lead_count_deltas ({COLUMNS}) "
               "SELECT team_id, campaign_id, status, count(*), count(invited_at), count(connected_at), "
               "count(replied_at) FROM leads GROUP BY team_id, campaign_id, status")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in POSTGRESQL_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {'campaigns' if name.startswith('campaigns') else 'leads'}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('campaign_lead_count_deltas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_lead_count_deltas_team_id'))
        batch_op.drop_index('ix_campaign_lead_count_deltas_campaign_status')
    op.drop_table('campaign_lead_count_deltas')
