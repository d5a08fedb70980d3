"""Each lead keeps its API rendering (LeadSchema's JSON object), written by PostgreSQL when the lead is written

Revision ID: 0023_lead_api_json
Revises: 0022_lapsed_leases

A 500-lead page of GET /leads spent most of its time in PostgreSQL building 500 JSON objects (~2.5 ms of the
page's ~6); a lead is written a handful of times and listed many more. A BEFORE trigger renders the row as the live
rendering of app/leads/listing.py does (app.common.sql_json.json_rows of LeadSchema); a page reads the stored text
and renders live only a lead without one. SQLite gets the column and no trigger (its pages are dumped in Python).
Existing leads are rendered in committed batches (RENDER_EXISTING): 105 s for 1M leads on a 2-CPU machine, with a
reader and a writer running (docs/operations.md).

Changing LeadSchema's fields means a migration replacing this function and rendering every lead again (the test
tests/test_leads_list_render.py compares the stored rendering with LeadSchema's dump and fails until then).
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_lead_api_json'
down_revision = '0022_lapsed_leases'
branch_labels = None
depends_on = None


def _utc(column):
    return f"""to_char(NEW.{column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


# The fields of LeadSchema in its order, with its keys and formats (app.common.sql_json).
_FIELDS = ", ".join(f'{value} AS "{key}"' for key, value in [
    ("id", "NEW.id"), ("campaignId", "NEW.campaign_id"), ("name", "NEW.name"), ("firstName", "NEW.first_name"),
    ("lastName", "NEW.last_name"), ("profileUrl", "NEW.profile_url"), ("title", "NEW.title"),
    ("company", "NEW.company"), ("location", "NEW.location"), ("email", "NEW.email"), ("phone", "NEW.phone"),
    ("headline", "NEW.headline"), ("status", "NEW.status"), ("statusReason", "NEW.status_reason"),
    ("notes", "NEW.notes"), ("tags", "NEW.tags"), ("customFields", "NEW.custom_fields"),
    ("invitedAt", _utc("invited_at")), ("connectedAt", _utc("connected_at")),
    ("lastMessagedAt", _utc("last_messaged_at")), ("repliedAt", _utc("replied_at")),
    ("createdAt", _utc("created_at")), ("updatedAt", _utc("updated_at")),
])

# Named to fire after leads_stamp_change (BEFORE triggers fire in name order): whatever another trigger sets, the
# rendering is of the row as stored.
RENDER_FUNCTION = f'''
CREATE OR REPLACE FUNCTION leads_stamp_rendering() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.api_json := (SELECT row_to_json(lead)::text FROM (SELECT {_FIELDS}) AS lead);
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS leads_stamp_rendering ON leads;
CREATE TRIGGER leads_stamp_rendering BEFORE INSERT OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_stamp_rendering();
'''

# Every existing lead rendered once, 5,000 at a time, each batch committed: adding the column (an ACCESS EXCLUSIVE
# lock, every read of leads waits for it) is committed first, and a batch holds only SHARE ROW EXCLUSIVE, so reads go
# on and a write waits for one batch (or for 10 s at most, behind a long writer: then the migration fails). A
# rendering is not a change a CRM sync should see again (the stamp stays: its trigger is off for the batch, which no
# other write can interleave with), nor one to count (statuses stay). Until its batch, a lead is rendered by the
# page's statement. The batches already committed when a run fails are not done again by the next run.
RENDER_EXISTING = '''
DO $$
DECLARE
    batch uuid[];
    last_id uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
    LOOP
        PERFORM set_config('lock_timeout', '10s', true);
        SELECT array_agg(id ORDER BY id) INTO batch
            FROM (SELECT id FROM leads WHERE id > last_id AND api_json IS NULL ORDER BY id LIMIT 5000) AS next;
        EXIT WHEN batch IS NULL;
        ALTER TABLE leads DISABLE TRIGGER leads_stamp_change;
        ALTER TABLE leads DISABLE TRIGGER leads_count_update;
        UPDATE leads SET api_json = NULL WHERE id = ANY (batch);
        ALTER TABLE leads ENABLE TRIGGER leads_count_update;
        ALTER TABLE leads ENABLE TRIGGER leads_stamp_change;
        COMMIT;
        last_id := batch[array_length(batch, 1)];
    END LOOP;
END $$;
'''


# Both ways without batch mode: on SQLite a recreated `leads` would lose its count triggers (migration 0016), and
# SQLite adds and drops a column in place (3.35 and later).
# On PostgreSQL every step can run again: the column, function and trigger are committed before the backfill, which
# may fail after them (a lock or statement timeout, a lost connection) with the revision still at 0022.
def upgrade():
    if op.get_context().dialect.name != 'postgresql':
        op.add_column('leads', sa.Column('api_json', sa.Text(), nullable=True))
        return
    # Behind a long reader, ADD COLUMN's lock would queue every query on leads: fail instead (run it again).
    op.execute("SET LOCAL lock_timeout = '10s'")
    op.execute('ALTER TABLE leads ADD COLUMN IF NOT EXISTS api_json TEXT')
    op.execute(RENDER_FUNCTION)
    with op.get_context().autocommit_block():  # the DO block commits each batch itself
        op.execute(RENDER_EXISTING)


def downgrade():
    if op.get_context().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS leads_stamp_rendering ON leads')
        op.execute('DROP FUNCTION IF EXISTS leads_stamp_rendering()')
    op.execute('ALTER TABLE leads DROP COLUMN api_json')
